from conftest import World, bearer


def test_a_client_lists_its_projects(app_client, world: World) -> None:
    org = world.org("acme")
    cred = world.credential(org)
    world.project(org, "p1", ["object-detection"])
    r = app_client.get("/v1/projects", headers=bearer(app_client, cred))
    assert r.status_code == 200
    assert [p["project"] for p in r.json()["data"]] == ["p1"]
