"""What the API tests of the annotation work share: an organization `acme` with project `p1`
(types `object-detection` and `lanes`) and batch `b1`, its client, another organization's client,
and rows of work written straight into the tables (`delivery_seeds.Seed`), so that the client's
reads are tested whatever path wrote what they read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import TestClient

from annobatch.storage.database import Database
from annobatch.storage.records import BatchRecord, ProjectRecord
from conftest import World, bearer
from delivery_seeds import Seed


@dataclass
class Work:
    client: TestClient[Any]
    seed: Seed
    org: int
    workspace: str
    project: ProjectRecord
    batch: BatchRecord
    headers: dict[str, str]
    stranger: dict[str, str]

    def get(self, path: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers if headers is None else headers, **kw)

    def ok(self, path: str) -> Any:
        r = self.get(path)
        assert r.status_code == 200, r.text
        return r.json()

    def created_input(self, external_id: str = "scene", **kw: Any) -> tuple[str, str]:
        """A created scene and its input in `b1`: (scene, input)."""
        scene = self.seed.scene(self.org, self.workspace, external_id)
        return scene, self.seed.input(self.batch, scene, org=self.org, **kw)

    def download(self, url: str) -> Any:
        """GET a signed URL with no credentials, as the official client's file client does."""
        r = self.client.get(url.removeprefix("http://testserver.local"))
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def work(app_client: TestClient[Any], world: World, db: Database, settings: Any) -> Work:
    seed = Seed(db, world.runner, settings.data_dir / "blobs")
    org, ws = seed.org("acme")
    project = seed.project(org, "p1", ["object-detection", "lanes"])
    batch = seed.batch(org, "p1", "b1", title="First batch")
    other, _ = seed.org("globex")
    seed.project(other, "p1", ["object-detection"])
    return Work(
        app_client,
        seed,
        org,
        ws,
        project,
        batch,
        bearer(app_client, world.credential(org)),
        bearer(app_client, world.credential(other)),
    )
