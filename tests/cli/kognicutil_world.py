"""What the kognicutil tests against the live server share: an organization of their own (a unique
name), its credentials file, kognicutil run through click's runner as a user would run it, and,
for getting work back, a project whose batch has inputs annotated, reviewed and delivered by a
workforce through the services, as the demo's are."""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from annobatch import RESUME_DIR_ENV
from annobatch.cli.kognicutil import Options, cli
from annobatch.domain import BatchAction, Role
from annobatch.services import Services
from annobatch.services.identity import Caller, operator
from annobatch.services.placement import insert_input
from annobatch.services.transactions import writing
from annobatch.storage.blobs import LocalBlobStore
from annobatch.storage.records import SceneRecord, now_micros
from conftest import Live, unique
from work_world import openlabel

PROJECT, BATCH, TYPE = "crossings", "2024-w10", "object-detection"


@dataclass
class ClientWorld:
    """One organization on the live server, and kognicutil acting as its client."""

    live: Live
    org: int
    creds: Path

    def kognicutil(self, *args: str) -> Result:
        """kognicutil with `--host` and `--credentials` of this world, through click's runner."""
        base = ["--host", self.live.url, "--credentials", str(self.creds)]
        # resume journals of interrupted uploads in the test's folder, not the user's cache
        env = {RESUME_DIR_ENV: str(self.creds.parent / "resume")}
        return CliRunner().invoke(cli, [*base, *args], obj=Options(), env=env)

    def ok(self, *args: str) -> Result:
        result = self.kognicutil(*args)
        assert result.exit_code == 0, (result.output, result.exception)
        return result


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "upload"


def example_folder(tmp_path: Path) -> Path:
    """A copy of examples/upload to change."""
    folder = tmp_path / "upload"
    shutil.copytree(EXAMPLE, folder)
    return folder


def client_world(live: Live, tmp_path: Path, prefix: str = "cli") -> ClientWorld:
    org = live.world.org(unique(prefix))
    cred = live.world.credential(org)
    creds = tmp_path / "creds.json"
    body = {"clientId": cred.record.client_id, "clientSecret": cred.secret, "email": "e", "userId": 1}
    creds.write_text(json.dumps({**body, "issuer": "i"}))
    return ClientWorld(live, org, creds)


def uploading_world(live: Live, tmp_path: Path, prefix: str = "upload") -> ClientWorld:
    """A client world with project `highway` (type `object-detection`) and its open batch `b1`."""
    w = client_world(live, tmp_path, prefix)
    live.world.project(w.org, "highway", ["object-detection"])
    live.world.batch(w.org, "highway", "b1")
    return w


def table_rows(output: str) -> list[list[str]]:
    """The body rows of a rich table: the cells between the vertical bars."""
    return [
        [c.strip() for c in line.strip("│").split("│")]
        for line in output.splitlines()
        if line.startswith("│")
    ]


@dataclass
class Delivered:
    """Batch `2024-w10` of project `crossings`: its scenes (oldest first) and which were delivered."""

    scenes: list[str]
    delivered: list[str]
    annotations: dict[str, str]  # scene → its delivered annotation's id


def deliver_work(w: ClientWorld, inputs: int, delivered: int) -> Delivered:
    """Project `crossings` (type `object-detection`) with batch `2024-w10` of `inputs` created
    scenes, published; an annotator submits a car and a pedestrian for the first `delivered` and a
    reviewer accepts each, so those are delivered."""
    ops = Services.over(w.live.world.ops.db, LocalBlobStore(w.live.server.data_dir / "blobs"))
    run = w.live.world.run
    staff = operator(w.org)
    run(ops.projects.create_project(staff, PROJECT, title="Crossings", annotation_types=[TYPE]))
    run(ops.batches.create_batch(staff, PROJECT, BATCH, title="Week 10"))
    scenes = run(_created_scenes(ops, staff, inputs))
    run(ops.batches.transition_batch(staff, PROJECT, BATCH, BatchAction.PUBLISH))
    annotator, reviewer = _member(ops, w, Role.ANNOTATOR), _member(ops, w, Role.REVIEWER)
    for _ in range(delivered):
        task = run(ops.work.claim(annotator, project=PROJECT, kind="annotate"))
        run(ops.work.submit(annotator, task.task.id, {TYPE: openlabel("car", "pedestrian")}))
        review = run(ops.work.claim(reviewer, project=PROJECT))
        run(ops.work.review(reviewer, review.task.id, True))
    annotations = run(_current_annotations(ops, w.org))
    return Delivered(scenes, [s for s in scenes if s in annotations], annotations)


async def _created_scenes(ops: Services, staff: Caller, n: int) -> list[str]:
    ids = []
    async with writing(ops.db) as uow:
        p = await uow.projects.get(staff.org, PROJECT)
        assert p is not None
        b = await uow.batches.get(p.id, BATCH)
        assert b is not None
        ws = (await uow.workspaces.of(staff.org))[0]
        for i in range(n):
            now = now_micros()
            scene = SceneRecord(
                str(uuid.uuid4()), staff.org, ws.id, f"crossing-{i + 1:03}", "cameras", "created",
                None, None, p.id, b.id, False, "{}", "fp", None, now, now, True,
            )  # fmt: skip
            await uow.scenes.create(scene, [])
            await insert_input(uow, staff, p, b.id, scene, "created")
            ids.append(scene.id)
    return ids


def _member(ops: Services, w: ClientWorld, role: Role) -> Caller:
    cred = w.live.world.run(
        ops.workforce.create_member(w.org, role.value, f"{role.value}-{uuid.uuid4().hex[:6]}")
    )
    r = cred.record
    w.live.world.run(ops.workforce.add_to_project(operator(w.org), PROJECT, r.user_id))
    return Caller(r.client_id, w.org, w.org, role, None, r.email, r.user_id)


async def _current_annotations(ops: Services, org: int) -> dict[str, str]:
    """scene → the id of its current delivered annotation."""
    import sqlalchemy as sa

    from annobatch.storage import tables as t
    from annobatch.storage.database import Query

    v = t.annotation_versions.c
    q = Query(sa.select(v.scene_id, v.id).where(v.organization_id == org, v.current.is_(True)))
    async with ops.db.transaction() as tx:
        rows: list[Any] = await tx.fetch_all(q, {})
    return {r[0]: r[1] for r in rows}
