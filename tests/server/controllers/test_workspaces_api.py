"""`GET /v1/workspaces`: exactly the caller's workspace, as the official client's constructor needs."""

from __future__ import annotations

from conftest import World, bearer


def test_the_workspace_lookup_gives_exactly_the_callers_workspace(app_client, world: World) -> None:
    org = world.org("acme")
    world.run(world.ops.accounts.create_workspace(org, "second"))
    every = bearer(app_client, world.credential(org))
    one = bearer(app_client, world.credential(org, workspace="second"))
    names = [
        w["name"] for w in app_client.get("/v1/workspaces?anyRoleIn=developer", headers=every).json()["data"]
    ]
    assert names == ["default", "second"]
    body = app_client.get("/v1/workspaces?anyRoleIn=developer", headers=one).json()
    assert [w["name"] for w in body["data"]] == ["second"] and "metadata" not in body
    ws = body["data"][0]
    assert ws["organization"]["name"] == "acme"
    assert ws["created"].endswith("Z") and len(ws["created"].split(".")[1]) == 7
