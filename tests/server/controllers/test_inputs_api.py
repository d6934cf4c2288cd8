"""The input listings over HTTP."""

from __future__ import annotations

from scenes_testing import Api, api, cameras_body

__all__ = ["api"]  # the fixture


def test_an_input_page_follows_the_cursor_to_the_end(api: Api) -> None:
    made = []
    for i in range(5):
        sid = api.initialize()
        api.upload_all(api.create(cameras_body(sid, external_id=f"s{i}")).json()["data"]["files"])
        api.commit(sid)
        made.append(sid)
    seen, cursor = [], None
    while True:
        q = "/v2/inputs/query?limit=2" + (f"&cursorId={cursor}" if cursor else "")
        page = api.client.post(q, json={"project": "p1"}, headers=api.headers).json()
        seen += [i["sceneUuid"] for i in page["data"]]
        cursor = page["metadata"]["nextCursorId"]
        if cursor is None:
            break
    assert seen == made
    r = api.client.post("/v2/inputs/query?cursorId=garbage", json={}, headers=api.headers)
    assert r.status_code == 400 and "invalid cursorId" in r.json()["message"]
