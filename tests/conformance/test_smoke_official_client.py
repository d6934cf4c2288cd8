from conftest import Live, unique
from kognic.io.client import KognicIOClient


def test_official_client_lists_projects(live: Live, tmp_path) -> None:
    org = live.world.org(unique("acme"))
    cred = live.world.credential(org)
    live.world.project(org, "p1", ["object-detection"])
    client = KognicIOClient(
        auth=(cred.record.client_id, cred.secret), host=live.url, auth_host=live.url, workspace_api_host=live.url
    )
    assert [p.project for p in client.project.get_projects()] == ["p1"]
    b = client.project.create_batch("p1", "b1")
    assert b.status == "open"
