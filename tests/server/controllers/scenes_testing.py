"""What the scene, input, upload and calibration API tests share: file bytes, a scene body, and
`api`, a client of one organization with one project and an open batch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import TestClient

from annobatch.services.accounts import NewCredential
from annobatch.services.identity import operator
from conftest import World, bearer

JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) + b"\xff\xd9"

PCD_BYTES = b"# .PCD v0.7\nVERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\nWIDTH 1\n" + (
    b"HEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS 1\nDATA ascii\n1 2 3\n"
)


def cameras_body(scene_id: str, *names: str, external_id: str = "ext-1") -> dict[str, Any]:
    images = [
        {"filename": f"/data/{n}.jpg", "resourceId": f"/data/{n}.jpg", "sensorName": n, "clientFilename": n}
        for n in names or ("CAM",)
    ]
    return {
        "externalId": external_id,
        "frame": {"images": images},
        "metadata": {"region": "se"},
        "internalId": scene_id,
        "featureFlags": {"shouldMotionCompensate": True},
    }


@dataclass
class Api:
    """A client of one organization with one project `p1` and an open batch `b1`."""

    client: TestClient[Any]
    headers: dict[str, str]
    org: int
    cred: NewCredential
    workspace: str

    def initialize(self) -> str:
        r = self.client.post(
            "/v1/inputs/initialize", json={"workspaceId": self.workspace}, headers=self.headers
        )
        assert r.status_code == 200, r.text
        return str(r.json()["data"]["sceneUuid"])

    def create(self, body: dict[str, Any], path: str = "project/p1/cameras", **headers: str) -> Any:
        return self.client.post(
            f"/v1/inputs/{path}?workspaceId={self.workspace}", json=body, headers={**self.headers, **headers}
        )

    def commit(self, scene_id: str) -> Any:
        return self.client.post(f"/v1/inputs/{scene_id}/actions/commit", headers=self.headers)

    def query(self, body: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        r = self.client.post("/v2/inputs/query", json=body or {}, headers=self.headers)
        assert r.status_code == 200, r.text
        return list(r.json()["data"])

    def scene(self, scene_id: str) -> dict[str, Any]:
        r = self.client.post("/v2/scenes/query", json={"sceneUuids": [scene_id]}, headers=self.headers)
        assert r.status_code == 200, r.text
        return dict(r.json()["data"][0])

    def upload_all(self, files: dict[str, str], data: bytes = JPEG_BYTES) -> None:
        for url in files.values():
            r = self.client.put(url, content=data, headers={"Content-Type": "image/jpeg"})
            assert r.status_code == 200, r.text


@pytest.fixture
def api(app_client: TestClient[Any], world: World) -> Api:
    org = world.org("acme")
    cred = world.credential(org)
    world.project(org, "p1", ["object-detection"])
    world.batch(org, "p1", "b1")
    workspaces = world.run(world.ops.accounts.list_workspaces(operator(org)))
    return Api(app_client, bearer(app_client, cred), org, cred, workspaces[0][0].id)
