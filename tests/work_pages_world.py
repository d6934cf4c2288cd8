"""A world for the workforce's pages and the scene page: an organization with project `streets`
(type `object-detection`, classes car, pedestrian, cyclist), an annotator and a reviewer (with
their secrets, to sign in), camera scenes of a real PNG street picture made as the official client
makes them (initialize, create, upload, commit), a lidar scene of a real PCD point cloud, and the
batch published so that work can start."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import msgspec

from annobatch import schemas
from annobatch.cli.operator.demo_pictures import HEIGHT, WIDTH, street_png
from annobatch.domain import BatchAction, Role, SceneType
from annobatch.services import Services
from annobatch.services.accounts import NewCredential
from annobatch.services.identity import Caller, operator
from annobatch.services.transactions import Write
from annobatch.storage.blobs import BlobStore
from annobatch.storage.database import Database

PROJECT, BATCH, TYPE = "streets", "week-1", "object-detection"
CLASSES = ["car", "pedestrian", "cyclist"]


def ring_pcd(points: int = 2000) -> bytes:
    """A real ASCII PCD: a ring of points around the origin (radius 10 m) and a line along x."""
    import math

    rows = []
    for i in range(points):
        if i % 4:
            a = 2 * math.pi * i / points
            rows.append(f"{10 * math.cos(a):.3f} {10 * math.sin(a):.3f} 0.0 0.5")
        else:
            rows.append(f"{-15 + 30 * i / points:.3f} 0.0 0.0 0.9")
    return (
        "# .PCD v0.7 - Point Cloud Data file format\nVERSION 0.7\nFIELDS x y z intensity\nSIZE 4 4 4 4\n"
        f"TYPE F F F F\nCOUNT 1 1 1 1\nWIDTH {points}\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\n"
        f"POINTS {points}\nDATA ascii\n" + "\n".join(rows) + "\n"
    ).encode()


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


@dataclass
class StreetWorld:
    """What `street_world` made: the organization, its members (with secrets) and its scenes."""

    ops: Services
    org: int
    annotator: NewCredential
    reviewer: NewCredential
    client: NewCredential
    scenes: list[str] = field(default_factory=list)
    lidar_scene: str = ""

    @property
    def staff(self) -> Caller:
        return operator(self.org)

    def client_caller(self) -> Caller:
        return self.caller(self.client)

    def caller(self, cred: NewCredential) -> Caller:
        r = cred.record
        return Caller(r.client_id, self.org, self.org, Role(r.role), r.workspace_id, r.email, r.user_id)


async def camera_scene(
    ops: Services, store: BlobStore, caller: Caller, external_id: str, batch: str | None
) -> str:
    """A committed one-image camera scene in the batch (with `None`: in no project yet)."""
    sid = await ops.scenes.initialize(caller, None)
    image = {"filename": "CAM.png", "resourceId": "CAM.png", "sensorName": "CAM"}
    body = msgspec.convert(
        {"externalId": external_id, "frame": {"images": [image]}, "internalId": sid}, schemas.CamerasScene
    )
    await ops.scenes.create_scene(
        caller, None, SceneType.CAMERAS, body, project=PROJECT if batch else None, batch=batch, write=Write()
    )
    blob = await store.put(f"scenes/{sid}/0-street", _one(street_png()))
    await ops.scenes.record_upload(sid, 0, blob, "image/png")
    await ops.scenes.commit(caller, sid)
    return sid


async def lidar_scene(ops: Services, store: BlobStore, caller: Caller, external_id: str, batch: str) -> str:
    sid = await ops.scenes.initialize(caller, None)
    cloud = {"filename": "ring.pcd", "resourceId": "ring.pcd", "sensorName": "lidar"}
    body = msgspec.convert(
        {"externalId": external_id, "frame": {"pointClouds": [cloud]}, "internalId": sid}, schemas.LidarsScene
    )
    await ops.scenes.create_scene(
        caller, None, SceneType.LIDARS, body, project=PROJECT, batch=batch, write=Write()
    )
    blob = await store.put(f"scenes/{sid}/0-ring", _one(ring_pcd()))
    await ops.scenes.record_upload(sid, 0, blob, "application/octet-stream")
    await ops.scenes.commit(caller, sid)
    return sid


async def sequence_scene(
    ops: Services, store: BlobStore, caller: Caller, external_id: str, batch: str, frames: int = 2
) -> str:
    """A camera sequence: frames f1, f2 … of camera CAM, the car moving 40 px a frame."""
    sid = await ops.scenes.initialize(caller, None)
    body = msgspec.convert(
        {
            "externalId": external_id,
            "internalId": sid,
            "frames": [
                {"frameId": f"f{n}", "relativeTimestamp": 100 * n,
                 "images": [{"filename": f"f{n}.png", "resourceId": f"f{n}.png", "sensorName": "CAM"}]}
                for n in range(1, frames + 1)
            ],
        },
        schemas.CamerasSequenceScene,
    )  # fmt: skip
    await ops.scenes.create_scene(
        caller, None, SceneType.CAMERAS_SEQUENCE, body, project=PROJECT, batch=batch, write=Write()
    )
    for n in range(frames):
        blob = await store.put(f"scenes/{sid}/{n}-street", _one(street_png(shift=40 * n)))  # f{n + 1}
        await ops.scenes.record_upload(sid, n, blob, "image/png")
    await ops.scenes.commit(caller, sid)
    return sid


#: A rig of one camera (CAM, 640 x 400) and one lidar, both at the origin.
CALIBRATION = {
    "CAM": {
        "calibration_type": "pinhole",
        "position": {"x": 0.0, "y": 0.0, "z": 1.5},
        "rotation_quaternion": {"w": 1.0, "x": 0.0, "y": 0.0, "z": 0.0},
        "camera_matrix": {"fx": 800.0, "fy": 800.0, "cx": 320.0, "cy": 200.0},
        "distortion_coefficients": {"k1": 0.0, "k2": 0.0, "p1": 0.0, "p2": 0.0, "k3": 0.0},
        "image_width": WIDTH,
        "image_height": HEIGHT,
    },
    "lidar": {
        "calibration_type": "lidar",
        "position": {"x": 0.0, "y": 0.0, "z": 1.8},
        "rotation_quaternion": {"w": 1.0, "x": 0.0, "y": 0.0, "z": 0.0},
    },
}


async def fused_scene(ops: Services, store: BlobStore, caller: Caller, external_id: str, batch: str) -> str:
    """A lidars-and-cameras scene of one frame: the street picture and the ring, calibrated."""
    request = schemas.CreateCalibrationRequest("rig-1", CALIBRATION)
    calibration = await ops.calibrations.create_calibration(caller, None, request, Write())
    sid = await ops.scenes.initialize(caller, None)
    frame = {
        "images": [{"filename": "CAM.png", "resourceId": "CAM.png", "sensorName": "CAM"}],
        "pointClouds": [{"filename": "ring.pcd", "resourceId": "ring.pcd", "sensorName": "lidar"}],
    }
    body = msgspec.convert(
        {"externalId": external_id, "frame": frame, "internalId": sid, "calibrationId": calibration.id},
        schemas.LidarsAndCamerasScene,
    )
    made = await ops.scenes.create_scene(
        caller, None, SceneType.LIDARS_AND_CAMERAS, body, project=PROJECT, batch=batch, write=Write()
    )
    for r in made.uploads:
        data, kind = (
            (ring_pcd(), "application/octet-stream")
            if r.kind == "pointcloud"
            else (street_png(), "image/png")
        )
        blob = await store.put(f"scenes/{sid}/{r.position}-fused", _one(data))
        await ops.scenes.record_upload(sid, r.position, blob, kind)
    await ops.scenes.commit(caller, sid)
    return sid


def street_world(
    db: Database,
    store: BlobStore,
    runner: asyncio.Runner,
    *,
    cameras: int = 1,
    lidar: bool = False,
    sequence: bool = False,
    fused: bool = False,
) -> StreetWorld:
    """A new organization (a unique name) with project `streets` and its workforce, `cameras`
    camera scenes (a lidar scene, a camera sequence of two frames, a calibrated lidars-and-cameras
    scene) in batch `week-1`, published."""

    async def go() -> StreetWorld:
        ops = Services.over(db, store)
        org, _ = await ops.accounts.create_organization(f"streets-{uuid.uuid4().hex[:8]}")
        staff = operator(org.id)
        await ops.projects.create_project(staff, PROJECT, title="City streets", annotation_types=[TYPE])
        await ops.workforce.set_classes(staff, PROJECT, TYPE, CLASSES)
        await ops.batches.create_batch(staff, PROJECT, BATCH, title="Week 1")
        members = []
        for role in ("annotator", "reviewer"):
            made = await ops.workforce.create_member(org.id, role, f"{role}-{uuid.uuid4().hex[:6]}")
            await ops.workforce.add_to_project(staff, PROJECT, made.record.user_id)
            members.append(made)
        client = await ops.accounts.create_credential(org.id, workspace=None, staff=False)
        w = StreetWorld(ops, org.id, members[0], members[1], client)
        for n in range(cameras):
            w.scenes.append(await camera_scene(ops, store, staff, f"street-{n + 1:03d}", BATCH))
        if lidar:
            w.lidar_scene = await lidar_scene(ops, store, staff, "ring-001", BATCH)
        if sequence:
            w.scenes.append(await sequence_scene(ops, store, staff, "drive-001", BATCH))
        if fused:
            w.scenes.append(await fused_scene(ops, store, staff, "fused-001", BATCH))
        await ops.batches.transition_batch(staff, PROJECT, BATCH, BatchAction.PUBLISH)
        return w

    world: StreetWorld = runner.run(go())
    return world


def boxes(*found: tuple[str, float, float, float, float]) -> dict[str, Any]:
    """An OpenLABEL document of boxes on camera CAM of frame 0: (class, x, y, w, h) from the top
    left, as the editor writes them."""
    objects, frame_objects = {}, {}
    for n, (cls, x, y, w, h) in enumerate(found, 1):
        uid = str(uuid.uuid4())
        objects[uid] = {"name": f"{cls}-{n}", "type": cls}
        bbox = {"name": f"bbox-{n}", "val": [x + w / 2, y + h / 2, w, h],
                "attributes": {"text": [{"name": "stream", "val": "CAM"}]}}  # fmt: skip
        frame_objects[uid] = {"object_data": {"bbox": [bbox]}}
    return {
        "openlabel": {
            "metadata": {"schema_version": "1.0.0"},
            "objects": objects,
            "streams": {"CAM": {"type": "camera"}},
            "frames": {"0": {"frame_properties": {"streams": {"CAM": {}}}, "objects": frame_objects}},
        }
    }
