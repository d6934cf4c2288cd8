"""Helpers for the SDK's scene tests: small real files, a tenant on the live server with both
clients, a calibration."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annobatch import Client
from conftest import Live, unique
from liveserver import six_host_client

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4 + b"\xff\xd9"


def jpeg(path: Path, data: bytes = JPEG) -> str:
    path.write_bytes(data)
    return str(path)


def pcd(path: Path, points: int = 3) -> str:
    rows = "\n".join(f"{i}.0 {i * 2}.0 {i * 3}.0 0.5" for i in range(points))
    path.write_text(
        "# .PCD v0.7\nVERSION 0.7\nFIELDS x y z intensity\nSIZE 4 4 4 4\nTYPE F F F F\nCOUNT 1 1 1 1\n"
        f"WIDTH {points}\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS {points}\nDATA ascii\n{rows}\n"
    )
    return str(path)


@dataclass
class Tenant:
    """An organization on the live server with project p1 (open batch b1) and its credentials."""

    live: Live
    org: int
    auth: tuple[str, str]

    def sdk(self, **kw: Any) -> Client:
        return Client(self.live.url, self.auth, **kw)

    def official(self) -> Any:
        return six_host_client(self.live.url, self.auth)


def tenant(live: Live, types: tuple[str, ...] = ("object-detection",)) -> Tenant:
    org = live.world.org(unique("sdk-scenes"))
    live.world.project(org, "p1", list(types))
    live.world.batch(org, "p1", "b1")
    cred = live.world.credential(org)
    return Tenant(live, org, (cred.record.client_id, cred.secret))


def calibration(prefix: str, external_id: str, cameras: tuple[str, ...] = ("CAM",)) -> Any:
    """A calibration of one lidar and `cameras` (pinhole), built with the models under `prefix`
    (`annobatch.model` or `kognic.io.model`)."""
    import importlib

    m = importlib.import_module(f"{prefix}.calibration")
    origin = {
        "position": m.Position(x=0.0, y=0.0, z=0.0),
        "rotation_quaternion": m.RotationQuaternion(w=1.0, x=0.0, y=0.0, z=0.0),
    }
    entries: dict[str, Any] = {"lidar": m.LidarCalibration(**origin)}
    for name in cameras:
        entries[name] = m.PinholeCalibration(
            **origin,
            camera_matrix=m.CameraMatrix(fx=800.0, fy=800.0, cx=4.0, cy=4.0),
            distortion_coefficients=m.DistortionCoefficients(k1=0.0, k2=0.0, p1=0.0, p2=0.0, k3=0.0),
            image_width=8,
            image_height=8,
        )
    return m.SensorCalibration(external_id=external_id, calibration=entries)


@dataclass
class Delivering:
    """An organization set up row by row (`delivery_seeds.Seed` on the live server's database and
    blob store), so that a test can deliver annotations to the inputs it created."""

    tenant: Tenant
    seed: Any
    batch: Any

    def deliver(self, input_uuid: str, scene_uuid: str, annotation_type: str, note: str) -> str:
        return str(
            self.seed.version(
                self.batch, input_uuid, scene_uuid, annotation_type, org=self.tenant.org, note=note
            )
        )


def delivering(live: Live, types: tuple[str, ...] = ("object-detection",)) -> Delivering:
    """A tenant (project p1, open batch b1 of `types`) whose annotations the test can deliver."""
    from delivery_seeds import Seed

    seed = Seed(live.world.ops.db, live.world.runner, live.server.data_dir / "blobs")
    org, _ = seed.org(unique("sdk-deliver"))
    seed.project(org, "p1", list(types))
    batch = seed.batch(org, "p1", "b1")
    cred = live.world.credential(org)
    return Delivering(Tenant(live, org, (cred.record.client_id, cred.secret)), seed, batch)
