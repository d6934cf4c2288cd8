"""Pre-annotations through the services: created (validated, fitted to the scene, its document in
the blob store), listed, resolved, deleted, made available from a cloud reader; inputs that start
from one (the annotator's draft) and the rule that it changes only before annotation starts;
automatic reviews and the client's feedback checked against the annotation. Both databases."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from annobatch.domain import Conflict, InvalidInput, NotFound, Role
from annobatch.services.identity import Caller
from annobatch.services.pre_annotations import PreAnnotationService
from annobatch.services.transactions import Write, writing
from annobatch.storage.database import Database
from annobatch.storage.queries.pre_annotations import PreAnnotationFilter
from annobatch.storage.records import PreAnnotationRecord, ResourceRecord, SceneRecord, now_micros
from annobatch.storage.scope import Scope
from annobatch.storage.unit_of_work import UnitOfWork
from work_world import WorkWorld

TYPES = ["od", "lanes"]


def doc(*objects: str, stream: str = "CAM", frame_id: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"timestamp": 0, "streams": {stream: {}}}
    if frame_id is not None:
        props["external_id"] = frame_id
    return {
        "openlabel": {
            "metadata": {"schema_version": "1.0.0"},
            "objects": {o: {"name": o, "type": "car"} for o in objects},
            "frames": {"0": {"frame_properties": props}},
            "streams": {stream: {"type": "camera", "description": ""}},
        }
    }


@pytest.fixture
def w(db: Database, runner: asyncio.Runner, tmp_path: Path) -> WorkWorld:
    return WorkWorld(db, runner, tmp_path / "blobs")


def scene(
    w: WorkWorld, frames: list[str] | None = None, sensors: tuple[str, ...] = ("CAM",), org: int | None = None
) -> str:
    """A created scene with files of the given sensors (frames: a sequence's frame ids)."""
    sid = str(uuid.uuid4())

    async def go() -> None:
        async with writing(w.db) as uow:
            o = org or w.org
            ws = (await uow.workspaces.of(o))[0]
            spec = {"frames": [{"frameId": f} for f in frames] if frames else [{"unixTimestamp": None}]}
            now = now_micros()
            rec = SceneRecord(
                sid, o, ws.id, f"s-{sid[:6]}", "cameras", "created", None, None, None, None, False,
                json.dumps(spec), "fp", None, now, now, False,
            )  # fmt: skip
            resources = [
                ResourceRecord(
                    sid, n, f"{s}.jpg", f"{s}.jpg", s, "image", None, True, None, None, None, None, None
                )
                for n, s in enumerate(sensors)
            ]
            await uow.scenes.create(rec, resources)

    w.run(go())
    return sid


def rows(w: WorkWorld) -> list[PreAnnotationRecord]:
    async def page() -> list[PreAnnotationRecord]:
        async with w.db.transaction() as tx:
            found = await UnitOfWork(tx).pre_annotations.page(Scope(w.org), PreAnnotationFilter(), 0, 1000)
            return [r.pre for r in found]

    return w.run(page())


def blob_files(w: WorkWorld) -> list[Path]:
    root = w.store.root / "pre-annotations"  # type: ignore[attr-defined]
    return sorted(p for p in root.rglob("*.json")) if root.exists() else []


def test_a_pre_annotation_is_validated_fitted_stored_listed_and_resolved(w: WorkWorld) -> None:
    client, pre = w.client(), w.ops.pre_annotations
    sid = scene(w, ["f1", "f2"], ("CAM", "lidar"))
    made = w.run(pre.create(client, sid, "m1", doc("1", frame_id="f2")))
    assert (made.scene_id, made.external_id, made.status) == (sid, "m1", "available")
    assert len(blob_files(w)) == 1
    resolved = w.run(pre.resolved(client, made.id))
    assert resolved.content == doc("1", frame_id="f2") and resolved.pre.id == made.id
    listed, more = w.run(pre.list(client, scene_ids=[sid]))
    assert [(r.pre.id, r.scene_external_id) for r in listed] == [(made.id, f"s-{sid[:6]}")] and not more

    # refused, with nothing kept: not OpenLABEL, a stream or frame the scene lacks, a taken external id
    for bad, message in [
        ({"openlabel": {}}, "the pre-annotation is not valid OpenLABEL: at openlabel.metadata"),
        (doc("1", stream="RADAR"), "stream 'RADAR' is not a sensor of the scene (its sensors: CAM, lidar)"),
        (doc("1", frame_id="f9"), "names frame 'f9', which the scene does not have"),
    ]:
        with pytest.raises(InvalidInput) as e:
            w.run(pre.create(client, sid, None, bad))
        assert message in e.value.message
    with pytest.raises(Conflict) as taken:
        w.run(pre.create(client, sid, "m1", doc("1")))
    assert taken.value.code == "pre-annotation-exists"
    assert [r.id for r in rows(w)] == [made.id] and len(blob_files(w)) == 1


def test_a_dry_run_keeps_nothing_and_a_repeated_key_answers_the_first(w: WorkWorld) -> None:
    client, pre = w.client(), w.ops.pre_annotations
    sid = scene(w)
    dry = w.run(pre.create(client, sid, "m", doc("1"), write=Write(dry_run=True)))
    assert dry.id and rows(w) == [] and blob_files(w) == []
    first = w.run(pre.create(client, sid, "m", doc("1"), write=Write(idempotency_key="k1")))
    again = w.run(pre.create(client, sid, "m", doc("1"), write=Write(idempotency_key="k1")))
    assert first.id == again.id and [r.id for r in rows(w)] == [first.id] and len(blob_files(w)) == 1


def test_other_organizations_and_the_workforce_find_nothing(w: WorkWorld) -> None:
    client, pre = w.client(), w.ops.pre_annotations
    made = w.run(pre.create(client, scene(w), None, doc("1")))
    other_org = w.run(w.ops.accounts.create_organization("globex"))[0].id
    stranger = Caller("x", other_org, other_org, Role.CLIENT, None, "x@x", 1)
    with pytest.raises(NotFound):
        w.run(pre.create(stranger, made.scene_id, None, doc("1")))
    with pytest.raises(NotFound):
        w.run(pre.resolved(stranger, made.id))
    with pytest.raises(NotFound):
        w.run(pre.delete(stranger, made.id))
    assert w.run(pre.list(stranger)) == ([], False)
    with pytest.raises(NotFound):
        w.run(pre.resolved(w.member(), made.id))


def test_the_listing_filters_and_pages(w: WorkWorld) -> None:
    client, pre = w.client(), w.ops.pre_annotations
    s1, s2 = scene(w), scene(w)
    made = [w.run(pre.create(client, s, f"m{n}", doc("1"))).id for n, s in enumerate([s1, s1, s2])]
    page, more = w.run(pre.list(client, limit=2))
    assert [r.pre.id for r in page] == made[:2] and more
    page, more = w.run(pre.list(client, offset=2, limit=2))
    assert [r.pre.id for r in page] == made[2:] and not more
    assert [r.pre.id for r in w.run(pre.list(client, external_ids=["m1", "m2"]))[0]] == made[1:]
    assert [r.pre.id for r in w.run(pre.list(client, scene_ids=[s2]))[0]] == made[2:]
    assert [r.pre.id for r in w.run(pre.list(client, ids=[made[0], "not-a-uuid"]))[0]] == made[:1]
    assert w.run(pre.list(client, ids=["not-a-uuid"])) == ([], False)
    assert w.run(pre.list(client, statuses=["indexed"])) == ([], False)
    with pytest.raises(InvalidInput):
        w.run(pre.list(client, statuses=["nope"]))


def test_an_input_starts_from_its_pre_annotation_until_annotation_starts(w: WorkWorld) -> None:
    client, pre = w.client(), w.ops.pre_annotations
    sid = scene(w)
    p1 = w.run(pre.create(client, sid, "a", doc("1"))).id
    p2 = w.run(pre.create(client, sid, "b", doc("2"))).id
    other = w.run(pre.create(client, scene(w), None, doc("3"))).id
    row = w.run(w.ops.inputs.create_input(client, None, "p1", "b1", Write(), pre_annotation_id=p1))
    assert row.scene_id == sid
    with pytest.raises(InvalidInput, match="is for scene"):
        w.run(w.ops.inputs.update_pre_annotation(client, row.id, other))
    with pytest.raises(InvalidInput, match="is for scene"):
        w.run(w.ops.inputs.create_input(client, sid, "p1", "b1", Write(), pre_annotation_id=other))
    w.run(w.ops.inputs.update_pre_annotation(client, row.id, p2))
    with pytest.raises(Conflict) as in_use:
        w.run(pre.delete(client, p2))
    assert in_use.value.code == "pre-annotation-in-use"
    w.run(pre.delete(client, p1))  # no longer used
    assert len(blob_files(w)) == 2
    assert [e for e in w.events("input.pre-annotation-set")][-1][1] == client.email

    w.publish()
    detail = w.run(w.ops.work.claim(w.member()))
    assert detail.input.id == row.id and detail.pre_annotation == p2
    assert detail.draft == {t: doc("2") for t in TYPES}
    # after the start, even a pre-annotation of the input's own scene is refused
    p3 = w.run(pre.create(client, sid, "c", doc("4"))).id
    with pytest.raises(Conflict) as started:
        w.run(w.ops.inputs.update_pre_annotation(client, row.id, p3))
    assert started.value.code == "annotation-started"

    # a saved draft wins over the pre-annotation
    w.run(w.ops.work.save_draft(w.staff, detail.task.id, {"od": doc("9")}))
    assert w.run(w.ops.work.task(w.staff, detail.task.id)).draft == {"od": doc("9")}

    # deleting the input frees the pre-annotation
    w.run(w.ops.inputs.delete_input(w.staff, row.id, Write()))
    w.run(pre.delete(client, p2))


def test_the_blob_sweep_keeps_pre_annotation_blobs(w: WorkWorld) -> None:
    made = w.run(w.ops.pre_annotations.create(w.client(), scene(w), None, doc("1")))
    assert made.blob_key is not None

    async def referenced() -> set[str]:
        async with w.db.transaction() as tx:
            return await UnitOfWork(tx).blob_deletions.referenced([made.blob_key or "", "nothing"])

    assert w.run(referenced()) == {made.blob_key}


def test_an_indexed_pre_annotation_is_made_available_by_the_cloud_reader(w: WorkWorld) -> None:
    client = w.client()
    sid = scene(w)
    documents = {"good": doc("1"), "bad": doc("1", stream="RADAR")}

    async def reader(caller: Caller, rec: PreAnnotationRecord) -> bytes:
        return json.dumps(documents[rec.external_resource_id or ""]).encode()

    pre = PreAnnotationService(w.db, w.store, reader)
    good = w.run(pre.create(client, sid, "g", None, status="indexed", external_resource_id="good"))
    bad = w.run(pre.create(client, sid, "b", None, status="indexed", external_resource_id="bad"))
    assert good.status == "indexed" and good.blob_key is None
    with pytest.raises(Conflict):
        w.run(pre.resolved(client, good.id))
    with pytest.raises(Conflict):
        w.run(PreAnnotationService(w.db, w.store).make_available(client, good.id, "processing"))  # no reader
    # The services' own reader reads the organization's bucket: a URI outside its storage is a 400,
    # and the pre-annotation stays indexed, to be made available once the storage is configured.
    outside = w.run(w.ops.pre_annotations.create(client, sid, "o", None, status="indexed",
                                                 external_resource_id="s3://nowhere/doc.json"))  # fmt: skip
    with pytest.raises(InvalidInput) as refused:
        w.run(w.ops.pre_annotations.make_available(client, outside.id, "processing"))
    assert "outside the organization's configured storage" in refused.value.message
    assert w.run(w.ops.pre_annotations.get(client, outside.id)).status == "indexed"
    with pytest.raises(InvalidInput):
        w.run(pre.make_available(client, good.id, "available"))
    done = w.run(pre.make_available(client, good.id, "processing"))
    assert done.status == "available" and w.run(pre.resolved(client, good.id)).content == doc("1")
    failed = w.run(pre.make_available(client, bad.id, "processing"))
    assert failed.status == "failed" and "stream 'RADAR'" in (failed.error_message or "")
    with pytest.raises(InvalidInput):
        w.run(pre.create(client, sid, "x", None, status="indexed"))


def delivered(w: WorkWorld) -> tuple[str, str, Caller]:
    """An input delivered (annotated with objects 1 and 2, reviewed): (input, its od version, client)."""
    (iid,) = w.inputs(1)
    w.publish()
    ann, rev = w.member(), w.member("reviewer")
    task = w.run(w.ops.work.claim(ann)).task
    docs = {"od": doc("1", "2"), "lanes": doc()}
    w.run(w.ops.work.submit(ann, task.id, docs))
    review = w.run(w.ops.work.claim(rev)).task
    w.run(w.ops.work.review(rev, review.id, True))
    od = w.run(w.ops.deliveries.for_input(w.client(), iid))
    assert od.row.annotation_type == "od"
    return iid, od.id, w.client()


def test_automatic_reviews_are_posted_by_the_workforce_and_read_by_the_client(w: WorkWorld) -> None:
    iid, _, client = delivered(w)
    rev = w.member("reviewer")
    made = w.run(w.ops.work.auto_review(rev, iid, False, [{"errorTypeId": "wrong-class", "objectId": "2"}]))
    assert made.automatic and made.input_id == iid
    w.run(w.ops.work.auto_review(w.staff, iid, True))
    found = w.run(w.ops.deliveries.auto_reviews(client, iid))
    assert [(d.review.id, d.feedback) for d in found][:1] == [
        (made.id, [{"errorTypeId": "wrong-class", "errorTypeName": "Wrong class", "objectId": "2"}])
    ]
    assert len(found) == 2
    with pytest.raises(InvalidInput, match="feedback item 0: object '7' is not in annotation"):
        w.run(w.ops.work.auto_review(rev, iid, False, [{"errorTypeId": "wrong-class", "objectId": "7"}]))
    with pytest.raises(InvalidInput, match="error type missing-object names no object"):
        w.run(w.ops.work.auto_review(rev, iid, False, [{"errorTypeId": "missing-object", "objectId": "1"}]))
    with pytest.raises(NotFound):
        w.run(w.ops.work.auto_review(client, iid, True))
    with pytest.raises(NotFound):
        w.run(w.ops.work.auto_review(w.member("reviewer", project=None), iid, True))
    assert len(w.run(w.ops.deliveries.auto_reviews(client, iid))) == 2
    assert w.events("input.auto-reviewed")


def test_a_clients_feedback_must_fit_the_annotation_and_a_refusal_changes_nothing(w: WorkWorld) -> None:
    iid, aid, client = delivered(w)
    for item, message in [
        ({"errorTypeId": "wrong-class", "objectId": "3"}, "object '3' is not in annotation"),
        ({"errorTypeId": "other", "frameId": "f1"}, "frame 'f1' is not in annotation"),
        ({"errorTypeId": "other", "sensorId": "RADAR"}, "sensor 'RADAR' is not in annotation"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            w.run(w.ops.work.client_review(client, aid, False, [item], "correct"))
    assert w.run(w.ops.deliveries.request_input(client, iid)).input.work_status == "completed"
    ok = [{"errorTypeId": "wrong-class", "objectId": "2", "frameId": "0", "sensorId": "CAM"}]
    w.run(w.ops.work.client_review(client, aid, False, ok, "correct"))


def test_the_v1_create_from_scene_starts_from_the_scenes_latest_pre_annotation(w: WorkWorld) -> None:
    client, pre = w.client(), w.ops.pre_annotations
    sid, bare = scene(w), scene(w)
    w.run(pre.create(client, sid, "old", doc("1")))
    newest = w.run(pre.create(client, sid, "new", doc("2"))).id
    row = w.run(w.ops.inputs.create_input(client, sid, "p1", "b1", Write(), latest_pre_annotation=True))
    plain = w.run(w.ops.inputs.create_input(client, bare, "p1", "b1", Write(), latest_pre_annotation=True))
    w.publish()
    first = w.run(w.ops.work.claim(w.member()))
    second = w.run(w.ops.work.claim(w.member()))
    by_input = {first.input.id: first, second.input.id: second}
    assert by_input[row.id].pre_annotation == newest and by_input[row.id].draft == {
        t: doc("2") for t in TYPES
    }
    assert by_input[plain.id].pre_annotation is None and by_input[plain.id].draft is None
