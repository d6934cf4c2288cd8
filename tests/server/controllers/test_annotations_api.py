"""The five annotation reads of the official client: only delivered versions, each with a
short-lived signed URL of its content (or the content itself), within the caller's organization."""

from __future__ import annotations

from work_testing import Work, work

from annobatch.services.deliveries import request_uid

__all__ = ["work"]  # the fixture


def test_an_annotation_by_id_names_its_input_scene_request_and_a_signed_url(work: Work) -> None:
    scene, iid = work.created_input("a", work_status="completed")
    aid = work.seed.version(work.batch, iid, scene, "object-detection", org=work.org, note="v1")
    body = work.ok(f"/v1/annotations/{aid}")
    assert "metadata" not in body
    a = body["data"]
    rid = request_uid(work.batch.id)
    assert (a["id"], a["sceneId"], a["requestInputId"], a["requestId"], a["requestUid"]) == (
        aid,
        scene,
        iid,
        rid,
        rid,
    )
    assert a["isPreliminary"] is False and a["expiresAt"] and a["created"]
    assert a["signedUrl"].startswith(f"http://testserver.local/v1/downloads/annotations/{aid}?expires=")
    assert work.download(a["signedUrl"])["openlabel"]["metadata"]["note"] == "v1"
    assert work.ok(f"/v1/annotations/{aid}?isoBoxes=true")["data"]["id"] == aid


def test_a_preliminary_annotation_is_found_by_id_and_says_so(work: Work) -> None:
    scene, iid = work.created_input("a", work_status="in_progress")
    aid = work.seed.version(work.batch, iid, scene, "object-detection", org=work.org, preliminary=True)
    assert work.ok(f"/v1/annotations/{aid}")["data"]["isPreliminary"] is True


def test_a_version_not_delivered_is_not_found(work: Work) -> None:
    scene, iid = work.created_input("a", work_status="in_progress")
    aid = work.seed.version(work.batch, iid, scene, "object-detection", org=work.org, delivered=False)
    for path in (f"/v1/annotations/{aid}", f"/v2/inputs/{iid}/annotation",
                 f"/v1/annotations/inputs/{scene}/annotation-type/object-detection"):  # fmt: skip
        assert work.get(path).status_code == 404, path
    assert work.ok(f"/v2/scenes/{scene}/annotations")["data"] == []
    assert work.ok("/v1/annotations/projects/p1/annotation-type/object-detection/search")["data"] == []


def test_an_inputs_annotation_is_its_batchs_first_type_that_has_one(work: Work) -> None:
    scene, iid = work.created_input("a", work_status="completed")
    work.seed.version(work.batch, iid, scene, "lanes", org=work.org, note="lanes")
    od = work.seed.version(work.batch, iid, scene, "object-detection", org=work.org, note="od")
    a = work.ok(f"/v2/inputs/{iid}/annotation")["data"]
    assert (a["inputUuid"], a["sceneUuid"], a["requestUid"]) == (iid, scene, request_uid(work.batch.id))
    assert a["uri"].split("?")[0].endswith(od)
    assert work.download(a["uri"])["openlabel"]["metadata"]["note"] == "od"
    assert (
        work.ok(f"/v2/inputs/{iid}/annotation?useDefaultCartesian=true")["data"]["uri"].split("?")[0]
        == a["uri"].split("?")[0]
    )


def test_a_scenes_annotations_are_every_current_version(work: Work) -> None:
    scene, iid = work.created_input("a", work_status="completed")
    old = work.seed.version(work.batch, iid, scene, "lanes", org=work.org, current=False)
    lanes = work.seed.version(work.batch, iid, scene, "lanes", org=work.org)
    od = work.seed.version(work.batch, iid, scene, "object-detection", org=work.org)
    found = work.ok(f"/v2/scenes/{scene}/annotations")["data"]
    assert [a["uri"].split("?")[0].rsplit("/", 1)[1] for a in found] == [lanes, od]
    assert all(a["inputUuid"] == iid and a["sceneUuid"] == scene for a in found)
    assert old not in str(found)


def test_a_scenes_annotation_of_one_type_comes_with_its_content(work: Work) -> None:
    scene, iid = work.created_input("a", work_status="completed")
    work.seed.version(work.batch, iid, scene, "object-detection", org=work.org, note="od")
    a = work.ok(f"/v1/annotations/inputs/{scene}/annotation-type/object-detection")["data"]
    assert (a["inputUuid"], a["annotationType"], a["isPreliminary"]) == (scene, "object-detection", False)
    assert a["content"]["openlabel"]["metadata"]["note"] == "od"
    r = work.get(f"/v1/annotations/inputs/{scene}/annotation-type/lanes")
    assert (r.status_code, r.json()["code"]) == (404, "annotation-not-found")


def test_a_projects_annotations_of_one_type_page_by_page_and_per_batch(work: Work) -> None:
    b2 = work.seed.batch(work.org, "p1", "b2")
    made = []
    for i in range(5):
        scene, iid = work.created_input(f"s{i}", work_status="completed")
        made.append(work.seed.version(work.batch, iid, scene, "object-detection", org=work.org))
    scene = work.seed.scene(work.org, work.workspace, "other")
    iid = work.seed.input(b2, scene, org=work.org, work_status="completed")
    in_b2 = work.seed.version(b2, iid, scene, "object-detection", org=work.org)
    work.seed.version(b2, iid, scene, "lanes", org=work.org)

    def all_pages(path: str) -> list[str]:
        seen, cursor = [], None
        while True:
            page = work.ok(path + (f"?cursorId={cursor}&limit=2" if cursor else "?limit=2"))
            seen += [a["uri"].split("?")[0].rsplit("/", 1)[1] for a in page["data"]]
            assert all(a["annotationType"] == "object-detection" for a in page["data"])
            cursor = page["metadata"]["nextCursorId"]
            if cursor is None:
                return seen

    assert all_pages("/v1/annotations/projects/p1/annotation-type/object-detection/search") == sorted(
        [*made, in_b2]
    )
    assert all_pages(
        "/v1/annotations/projects/p1/batch/b1/annotation-type/object-detection/search"
    ) == sorted(made)
    assert all_pages("/v1/annotations/projects/p1/batch/b2/annotation-type/object-detection/search") == [
        in_b2
    ]
    assert work.ok("/v1/annotations/projects/p1/annotation-type/nothing/search") == {
        "data": [], "metadata": {"nextCursorId": None}
    }  # fmt: skip


def test_another_organization_finds_none_of_them(work: Work) -> None:
    scene, iid = work.created_input("a", work_status="completed")
    aid = work.seed.version(work.batch, iid, scene, "object-detection", org=work.org)
    for path in (f"/v1/annotations/{aid}", f"/v2/inputs/{iid}/annotation", f"/v2/scenes/{scene}/annotations",
                 f"/v1/annotations/inputs/{scene}/annotation-type/object-detection",
                 "/v1/annotations/projects/p1/batch/b1/annotation-type/object-detection/search"):  # fmt: skip
        r = work.get(path, work.stranger)
        assert r.status_code == 404, (path, r.text)
        assert r.json()["code"].endswith("not-found") and "signedUrl" not in r.text
    # globex has a project p1 of its own: an empty page, nothing of acme's
    assert (
        work.get("/v1/annotations/projects/p1/annotation-type/object-detection/search", work.stranger).json()[
            "data"
        ]
        == []
    )


def test_bad_input_is_4xx_naming_the_rule(work: Work) -> None:
    for path in ("/v1/annotations/nope", "/v2/inputs/nope/annotation", "/v2/scenes/nope/annotations",
                 "/v1/annotations/inputs/nope/annotation-type/x",
                 "/v1/annotations/projects/p1/annotation-type/x/search?cursorId=garbage",
                 "/v1/annotations/projects/p1/annotation-type/x/search?limit=0",
                 "/v1/annotations/projects/bad%20id!/annotation-type/x/search"):  # fmt: skip
        r = work.get(path)
        assert 400 <= r.status_code < 500 and r.json()["message"], (path, r.text)
    r = work.get("/v1/annotations/projects/p1/batch/b9/annotation-type/x/search")
    assert r.status_code == 404 and "b9" in r.json()["message"]
