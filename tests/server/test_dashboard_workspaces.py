"""A client credential bound to a workspace sees, on the dashboard as on the API, only the inputs of
its workspace's scenes: in the counts of the projects and batches pages and in a batch's list."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from litestar.testing import TestClient

from annobatch.services.identity import operator
from annobatch.services.placement import insert_input
from annobatch.services.transactions import writing
from annobatch.storage.records import SceneRecord, now_micros
from conftest import World
from dashboard_forms import HTML, sign_in


def place(world: World, org: int, workspace: str, name: str) -> None:
    async def go() -> None:
        async with writing(world.ops.db) as uow:
            p = await uow.projects.get(org, "highway")
            assert p is not None
            b = await uow.batches.get(p.id, "b1")
            assert b is not None
            now = now_micros()
            scene = SceneRecord(
                str(uuid.uuid4()), org, workspace, name, "cameras", "created", None, None,
                p.id, b.id, False, "{}", "fp", None, now, now, True,
            )  # fmt: skip
            await uow.scenes.create(scene, [])
            await insert_input(uow, operator(org), p, b.id, scene, "created")

    world.run(go())


def test_a_workspace_bound_client_counts_and_lists_only_its_workspace(
    app_client: TestClient[Any], world: World, runner: asyncio.Runner
) -> None:
    org = world.org("acme")
    world.project(org, "highway", ["object-detection"])
    world.batch(org, "highway", "b1")
    default = world.run(world.ops.accounts.list_workspaces(operator(org)))[0][0]
    other = world.run(world.ops.accounts.create_workspace(org, "research"))
    place(world, org, default.id, "mine-1")
    place(world, org, default.id, "mine-2")
    place(world, org, other.id, "theirs-1")
    bound = world.credential(org, workspace=other.id)
    sign_in(app_client, bound)
    batch = app_client.get("/projects/highway/batches/b1", headers=HTML).text
    assert "theirs-1" in batch and "mine-1" not in batch
    assert "1 input: 1 not started" in batch
    assert "1 input: 1 not started" in app_client.get("/projects/highway", headers=HTML).text
    assert "1 input: 1 not started" in app_client.get("/projects", headers=HTML).text
