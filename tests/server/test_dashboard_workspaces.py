"""A client credential bound to a workspace sees, on the dashboard as on the API, only the inputs of
its workspace's scenes: in the counts of the projects and batches pages and in a batch's list."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from annobatch.services.identity import operator
from conftest import World
from dashboard_forms import HTML, place_scene, sign_in


def test_a_workspace_bound_client_counts_and_lists_only_its_workspace(
    app_client: TestClient[Any], world: World
) -> None:
    org = world.org("acme")
    world.project(org, "highway", ["object-detection"])
    world.batch(org, "highway", "b1")
    default = world.run(world.ops.accounts.list_workspaces(operator(org)))[0][0]
    other = world.run(world.ops.accounts.create_workspace(org, "research"))
    place_scene(world, org, "highway", "b1", "mine-1", default.id)
    place_scene(world, org, "highway", "b1", "mine-2", default.id)
    place_scene(world, org, "highway", "b1", "theirs-1", other.id)
    bound = world.credential(org, workspace=other.id)
    sign_in(app_client, bound)
    batch = app_client.get("/projects/highway/batches/b1", headers=HTML).text
    assert "theirs-1" in batch and "mine-1" not in batch
    assert "1 input: 1 not started" in batch
    assert "1 input: 1 not started" in app_client.get("/projects/highway", headers=HTML).text
    assert "1 input: 1 not started" in app_client.get("/projects", headers=HTML).text
