"""A client of the scene API in process, enough to create a one-file scene, upload its file and
commit it: what the storage tests need of the API, written once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar.testing import TestClient

from annobatch.services.identity import operator
from conftest import World, bearer

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) + b"\xff\xd9"


@dataclass
class Scenes:
    client: TestClient[Any]
    headers: dict[str, str]
    workspace: str
    org: int

    def create(self) -> tuple[str, str]:
        """A new pending scene of one camera image: its uuid and its file's upload URL."""
        sid = str(uuid.uuid4())
        image = {"filename": "/d/CAM.jpg", "resourceId": "/d/CAM.jpg", "sensorName": "CAM"}
        body = {"externalId": "ext", "frame": {"images": [image]}, "internalId": sid}
        r = self.client.post(
            f"/v1/inputs/project/p1/cameras?workspaceId={self.workspace}", json=body, headers=self.headers
        )
        assert r.status_code == 200, r.text
        return sid, str(r.json()["data"]["files"]["/d/CAM.jpg"])

    def upload(self, url: str, data: bytes = JPEG) -> Any:
        return self.client.put(url, content=data, headers={"Content-Type": "image/jpeg"})

    def commit(self, sid: str) -> Any:
        return self.client.post(f"/v1/inputs/{sid}/actions/commit", headers=self.headers)


def scenes_client(client: TestClient[Any], world: World) -> Scenes:
    """An organization with project `p1` and open batch `b1`, and a client of it."""
    org = world.org("acme")
    cred = world.credential(org)
    world.project(org, "p1", ["object-detection"])
    world.batch(org, "p1", "b1")
    workspaces = world.run(world.ops.accounts.list_workspaces(operator(org)))
    return Scenes(client, bearer(client, cred), workspaces[0][0].id, org)
