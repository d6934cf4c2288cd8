"""Reading and removing through the official client: queries, the deprecated v1 listings, view
links, placing a scene in another batch, deleting inputs, invalidating scenes, and dry runs that
leave no trace."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from kognic.io.model.scene import SceneInvalidatedReason
from requests import HTTPError
from test_inputs_official_client import blobs, cameras_scene, stored_scene, tenant

from annobatch.services.identity import operator
from conftest import Live

# The deprecated v1 calls are part of the wire contract; their warnings are expected.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def batch_counts(live: Live, org: int, project: str, batch: str) -> dict[str, int]:
    view = live.world.run(live.world.ops.batches.get_batch(operator(org), project, batch))
    return view.input_counts


def test_query_inputs_filters_by_batch_scene_and_external_id(live: Live, tmp_path: Path) -> None:
    t = tenant(live, batches=("b1",))
    a = t.client.cameras.create(cameras_scene(tmp_path, "a"), project="p1")
    t.client.project.publish_batch("p1", "b1")
    t.client.project.create_batch("p1", "b2")
    b = t.client.cameras.create(cameras_scene(tmp_path, "b"), project="p1")
    assert a is not None and b is not None
    q = t.client.input.query_inputs
    assert [i.scene_external_id for i in q(project="p1")] == ["a", "b"]
    assert [i.scene_external_id for i in q(project="p1", batch="b2")] == ["b"]
    assert [i.scene_external_id for i in q(scene_uuids=[a.scene_uuid])] == ["a"]
    assert [i.scene_external_id for i in q(external_ids=["b", "nope"])] == ["b"]
    assert len({i.request_uid for i in q(project="p1")}) == 2


def test_query_inputs_pages_through_the_cursor(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    made = [t.client.cameras.create(cameras_scene(tmp_path, f"s{i}"), project="p1") for i in range(3)]
    first = httpx.post(
        f"{live.url}/v2/inputs/query?limit=2",
        json={"project": "p1"},
        headers={"Authorization": f"Bearer {_token(live, t)}"},
    ).json()
    assert len(first["data"]) == 2 and first["metadata"]["nextCursorId"]
    # The official client follows cursors on its own: every input, once, in order.
    assert [i.scene_uuid for i in t.client.input.query_inputs(project="p1")] == [
        m.scene_uuid for m in made if m
    ]


def _token(live: Live, t) -> str:  # type: ignore[no-untyped-def]
    r = httpx.post(
        f"{live.url}/v1/auth/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": t.cred.record.client_id,
            "client_secret": t.cred.secret,
        },
    )
    return str(r.json()["access_token"])


def test_the_v1_listings_describe_inputs_with_their_batch_and_types(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    created = t.client.cameras.create(cameras_scene(tmp_path, "v1"), project="p1")
    assert created is not None
    (entry,) = t.client.input.get_inputs("p1")
    assert (entry.scene_uuid, entry.external_id, entry.batch, entry.scene_type, entry.status) == (
        created.scene_uuid, "v1", "b1", "cameras", "created",
    )  # fmt: skip
    assert entry.annotation_types == ["object-detection"]
    (again,) = t.client.input.get_inputs_by_uuids([created.scene_uuid])
    assert again.scene_uuid == created.scene_uuid


def test_a_view_link_opens_the_scene_page_after_signing_in(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    created = t.client.cameras.create(cameras_scene(tmp_path, "viewme"), project="p1")
    assert created is not None
    (i,) = t.client.input.query_inputs(project="p1")
    assert i.view_link == f"{live.url}/view/{created.scene_uuid}"
    with httpx.Client(follow_redirects=True) as browser:
        form = browser.get(i.view_link)  # no session yet: the sign-in page, then back here
        assert form.url.path == "/sign-in" and form.url.params["next"] == f"/view/{created.scene_uuid}"
        token = re.search(r'name="_csrf" value="([^"]+)"', form.text)
        assert token is not None
        fields = {"_csrf": token.group(1), "next": form.url.params["next"]}
        fields |= {"client_id": t.cred.record.client_id, "client_secret": t.cred.secret}
        page = browser.post(f"{live.url}/sign-in", data=fields)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert str(page.url) == i.view_link
        assert "viewme" in page.text and "created" in page.text and "b1" in page.text
        assert browser.get(f"{live.url}/view/00000000-0000-4000-8000-000000000000").status_code == 404


def test_a_created_scene_is_placed_in_another_batch_and_counts_there(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    live.world.project(t.org, "p2", ["lane"])
    live.world.batch(t.org, "p2", "x1")
    created = t.client.cameras.create(cameras_scene(tmp_path), project="p1")
    assert created is not None
    (placed,) = t.client.cameras.create_from_scene(created.scene_uuid, project="p2") or []
    assert placed.scene_uuid == created.scene_uuid
    again = t.client.input.create_from_scene(created.scene_uuid, project="p2", batch="x1")
    assert again is not None and again.uuid == placed.uuid
    assert batch_counts(live, t.org, "p2", "x1") == {"created": 1}
    assert [i.uuid for i in t.client.input.query_inputs(project="p2")] == [placed.uuid]


def test_deleting_an_input_takes_it_out_of_its_batch_and_keeps_the_scene(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    created = t.client.cameras.create(cameras_scene(tmp_path), project="p1")
    assert created is not None
    (i,) = t.client.input.query_inputs(project="p1")
    t.client.input.delete_input(i.uuid)
    assert t.client.input.query_inputs(project="p1") == []
    assert batch_counts(live, t.org, "p1", "b1") == {}
    (s,) = t.client.scene.get_scenes_by_uuids([created.scene_uuid])
    assert s.status == "created"
    with pytest.raises(HTTPError) as e:
        t.client.input.delete_input(i.uuid)
    assert e.value.response is not None and e.value.response.status_code == 404


def test_invalidating_a_scene_takes_its_inputs_and_files_with_it_for_good(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    created = t.client.cameras.create(cameras_scene(tmp_path), project="p1")
    assert created is not None
    _, before = stored_scene(live, created.scene_uuid)
    t.client.scene.invalidate_scenes([created.scene_uuid], SceneInvalidatedReason.BAD_CONTENT)
    (s,) = t.client.scene.get_scenes_by_uuids([created.scene_uuid])
    assert s.status == "invalidated:broken-input"
    assert t.client.input.query_inputs(project="p1") == []
    (entry,) = t.client.input.get_inputs("p1", include_invalidated=True)
    assert entry.status == "invalidated:broken-input"
    assert batch_counts(live, t.org, "p1", "b1") == {"invalidated:broken-input": 1}
    assert before[0].blob_key is not None
    assert not live.world.run(blobs(live).exists(before[0].blob_key))
    with pytest.raises(RuntimeError, match="is invalidated:broken-input; only created scenes"):
        t.client.input.create_from_scene(created.scene_uuid, project="p1")
    # Irreversible, and repeating it changes nothing.
    t.client.scene.invalidate_scenes([created.scene_uuid], SceneInvalidatedReason.DUPLICATE)
    (s,) = t.client.scene.get_scenes_by_uuids([created.scene_uuid])
    assert s.status == "invalidated:broken-input"


def test_the_deprecated_input_invalidation_invalidates_the_scene(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    created = t.client.cameras.create(cameras_scene(tmp_path), project="p1")
    assert created is not None
    t.client.input.invalidate_inputs([created.scene_uuid], SceneInvalidatedReason.DUPLICATE)
    (s,) = t.client.scene.get_scenes_by_uuids([created.scene_uuid])
    assert s.status == "invalidated:duplicate"


def test_a_dry_run_validates_and_leaves_no_trace(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    assert t.client.cameras.create(cameras_scene(tmp_path, "dry"), project="p1", dryrun=True) is None
    assert t.client.input.query_inputs(project="p1") == []
    with pytest.raises(HTTPError) as e:
        t.client.scene.get_scenes_by_external_ids(["dry"])
    assert e.value.response is not None and e.value.response.status_code == 404
    assert batch_counts(live, t.org, "p1", "b1") == {}
    # A dry run still validates everything: the same refusals as for real.
    t2 = tenant(live, batches=("b4", "b5"))
    with pytest.raises(RuntimeError, match="name one"):
        t2.client.cameras.create(cameras_scene(tmp_path, "dry"), project="p1", dryrun=True)


def test_a_scene_without_a_project_is_created_with_no_input(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    created = t.client.cameras.create(cameras_scene(tmp_path, "loose"))
    assert created is not None
    (s,) = t.client.scene.get_scenes_by_external_ids(["loose"])
    assert (s.uuid, s.status) == (created.scene_uuid, "created")
    assert t.client.input.query_inputs() == []
    assert batch_counts(live, t.org, "p1", "b1") == {}


def test_another_organizations_scene_is_not_found(live: Live, tmp_path: Path) -> None:
    mine, theirs = tenant(live), tenant(live)
    created = theirs.client.cameras.create(cameras_scene(tmp_path), project="p1")
    assert created is not None
    with pytest.raises(HTTPError) as e:
        mine.client.scene.get_scenes_by_uuids([created.scene_uuid])
    assert e.value.response is not None and e.value.response.status_code == 404
    assert mine.client.input.query_inputs(scene_uuids=[created.scene_uuid]) == []
