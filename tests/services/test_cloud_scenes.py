"""v2 scenes of cloud resources against a real S3 server (SeaweedFS): staff configure an
organization's bucket; scenes read their files from it (at create, or at import when postponed);
reindexing drops the copies; every refusal names the URI and never a key (both databases)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import msgspec
import pytest

from annobatch import schemas
from annobatch.domain import BatchAction, Conflict, DomainError, InvalidInput, NotFound, Role, SceneStatus
from annobatch.services import Services
from annobatch.services.identity import Caller, operator
from annobatch.services.storage_keys import StorageKeys
from annobatch.services.transactions import Write
from annobatch.storage.blobs import LocalBlobStore
from annobatch.storage.database import Database
from conftest import World
from s3_server import LOCKED, OTHER, READER_BUCKET, SHARED, S3Server

JPEG = b"\xff\xd8\xff\xe0" + bytes(200)


class Cloud:
    def __init__(self, db: Database, runner: asyncio.Runner, blobs: Path, s3: S3Server, world: World) -> None:
        self.ops = Services.over(db, LocalBlobStore(blobs))
        self.runner = runner
        self.s3 = s3
        self.store = LocalBlobStore(blobs)
        self.world = world
        self.org = world.org("acme")
        self.caller = operator(self.org)
        self.bucket = SHARED
        self.p = s3.prefix()
        self.add(self.org, self.bucket)

    def run(self, coro: Any) -> Any:
        return self.runner.run(coro)

    def add(self, org: int, bucket: str, keys: Any = None) -> None:
        k = keys or self.s3.admin
        self.run(
            self.ops.cloud.add(
                operator(org),
                self.s3.endpoint,
                bucket,
                None,
                StorageKeys(k.access_key_id, k.secret_access_key),
            )
        )

    def create(self, uris: list[str], *, postpone: bool = False, org: int | None = None, **kw: Any) -> Any:
        frames = [
            {"id": str(i + 1), "timestampNs": 1000 + i, "images": [{"resource": {"sensorName": "CAM", **r}}]}
            for i, r in enumerate(
                {"externalResourceUri": u} if "://" in u else {"localFilename": u} for u in uris
            )
        ]
        body = msgspec.convert(
            {
                "externalId": "ext-1",
                "convertedSpecification": {"frames": frames},
                "postponeExternalResourceImport": postpone,
            },
            schemas.SceneRequestV2,
        )
        caller = operator(org) if org is not None else self.caller
        return self.run(self.ops.scenes_v2.create(caller, body, kw.get("write", Write())))

    def status(self, scene: str, status: str, org: int | None = None) -> Any:
        caller = operator(org) if org is not None else self.caller
        return self.run(self.ops.scenes_v2.change_status(caller, scene, status, Write()))

    def resources(self, scene: str) -> Any:
        async def go() -> Any:
            async with self.ops.db.transaction() as tx:
                from annobatch.storage.unit_of_work import UnitOfWork

                return await UnitOfWork(tx).scenes.resources(scene)

        return self.run(go())


@pytest.fixture
def c(db: Database, runner: asyncio.Runner, tmp_path: Path, s3: S3Server, world: World) -> Cloud:
    return Cloud(db, runner, tmp_path / "blobs", s3, world)


def refused(c: Cloud, fn: Any, *args: Any, **kw: Any) -> DomainError:
    with pytest.raises(DomainError) as e:
        fn(*args, **kw)
    text = e.value.message
    for k in (c.s3.admin, c.s3.reader):
        assert k.access_key_id not in text and k.secret_access_key not in text
    return e.value


def test_storage_is_listed_without_keys_and_kept_sealed(c: Cloud) -> None:
    views = c.run(c.ops.cloud.list(c.caller))
    assert [(v.bucket, v.endpoint) for v in views] == [(c.bucket, c.s3.endpoint)]
    assert c.s3.admin.secret_access_key not in repr(views)

    async def sealed() -> str:
        async with c.ops.db.transaction() as tx:
            from annobatch.storage.unit_of_work import UnitOfWork

            (row,) = await UnitOfWork(tx).storage_credentials.of_org(c.org)
            return row.sealed_keys

    stored = c.run(sealed())
    assert c.s3.admin.secret_access_key not in stored and c.s3.admin.access_key_id not in stored
    e = refused(c, c.add, c.org, c.bucket)
    assert e.code == "storage-exists"
    c.run(c.ops.cloud.remove(c.caller, c.bucket))
    assert c.run(c.ops.cloud.list(c.caller)) == []
    assert refused(c, lambda: c.run(c.ops.cloud.remove(c.caller, c.bucket))).code == "storage-not-found"


def test_cloud_resources_are_copied_at_create(c: Cloud) -> None:
    uri = c.s3.put(c.bucket, f"{c.p}/run1/img1.jpg", JPEG)
    created = c.create([uri])
    assert created.scene.status == SceneStatus.CREATED and created.uploads == []
    (r,) = c.resources(created.scene.id)
    assert r.external_uri == uri and r.blob_key is not None and not r.upload
    assert c.run(c.store.read(r.blob_key)) == JPEG


def test_a_bad_cloud_file_fails_the_scene_naming_it(c: Cloud) -> None:
    uri = c.s3.put(c.bucket, f"{c.p}/run1/not-an-image.jpg", b"hello")
    created = c.create([uri])
    assert created.scene.status == SceneStatus.FAILED
    assert "not-an-image.jpg" in (created.scene.error_message or "")


def test_refusals_name_the_uri_and_no_key(c: Cloud, tmp_path: Path) -> None:
    other = c.world.org("other")
    c.add(other, OTHER)
    foreign = c.s3.put(OTHER, f"{c.p}/x.jpg", JPEG)
    e = refused(c, c.create, [foreign])
    assert isinstance(e, InvalidInput) and foreign in e.message and e.code == "outside-storage"
    e = refused(c, c.create, ["gs://somewhere/x.jpg"])
    assert isinstance(e, InvalidInput) and "gs://somewhere/x.jpg" in e.message
    missing = f"s3://{c.bucket}/{c.p}/no/such.jpg"
    e = refused(c, c.create, [missing])
    assert isinstance(e, InvalidInput) and missing in e.message and e.code == "cloud-resource-missing"
    # A bucket the configured keys may not read answers 403.
    c.add(c.org, LOCKED, c.s3.reader)
    uri = c.s3.put(LOCKED, f"{c.p}/x.jpg", JPEG)
    e = refused(c, c.create, [uri])
    assert (
        isinstance(e, InvalidInput)
        and uri in e.message
        and "403" in e.message
        and e.code == "cloud-access-denied"
    )
    # Nothing was kept of the refused creates.
    assert not list((tmp_path / "blobs").rglob("*-*")) or all(
        p.is_dir() for p in (tmp_path / "blobs").rglob("*")
    )


def test_the_reader_bucket_reads_with_restricted_keys(c: Cloud) -> None:
    uri = c.s3.put(READER_BUCKET, f"{c.p}/img.jpg", JPEG)
    c.add(c.org, READER_BUCKET, c.s3.reader)
    assert c.create([uri]).scene.status == SceneStatus.CREATED


def test_postponed_import_reindex_and_gone_files(c: Cloud) -> None:
    uri = c.s3.put(c.bucket, f"{c.p}/p/img.jpg", JPEG)
    created = c.create([uri], postpone=True)
    sid = created.scene.id
    assert created.scene.status == SceneStatus.INDEXED
    assert [r.blob_key for r in c.resources(sid)] == [None]
    # An input made from the indexed scene waits with it, and starts work once it is imported.
    c.world.project(c.org, "p1", ["od"])
    c.world.batch(c.org, "p1", "b1")
    inp = c.run(c.ops.inputs.create_input(c.caller, sid, "p1", "b1", Write()))
    assert inp.status == SceneStatus.INDEXED
    done = c.status(sid, "created")
    assert done.status == SceneStatus.CREATED
    (r,) = c.resources(sid)
    assert c.run(c.store.read(r.blob_key)) == JPEG

    async def tasks() -> int:
        async with c.ops.db.transaction() as tx:
            from annobatch.storage.unit_of_work import UnitOfWork

            return len(await UnitOfWork(tx).tasks.of_input(inp.id))

    assert c.run(tasks()) == 1
    assert c.status(sid, "created").status == SceneStatus.CREATED  # importing again changes nothing
    # Reindexing drops the copy; the file stays in the bucket.
    key = r.blob_key
    assert c.status(sid, "indexed").status == SceneStatus.INDEXED
    assert [x.blob_key for x in c.resources(sid)] == [None]
    assert not c.run(c.store.exists(key))
    # The file is gone from the bucket: the import fails the scene, saying so.
    c.s3.delete(c.bucket, f"{c.p}/p/img.jpg")
    failed = c.status(sid, "created")
    assert failed.status == SceneStatus.FAILED
    assert uri in (failed.error_message or "") and "does not exist" in (failed.error_message or "")
    assert c.run(tasks()) == 1


def test_status_changes_refused(c: Cloud) -> None:
    uri = c.s3.put(c.bucket, f"{c.p}/q/img.jpg", JPEG)
    sid = c.create([uri], postpone=True).scene.id
    other = c.world.org("other2")
    assert isinstance(refused(c, c.status, sid, "created", org=other), NotFound)
    assert c.status(sid, "indexed").status == SceneStatus.INDEXED  # indexed already: nothing to do
    assert isinstance(refused(c, c.status, sid, "processing"), InvalidInput)
    local = c.create(["a.jpg"])
    assert local.scene.status == SceneStatus.PENDING and [u.resource_id for u in local.uploads] == ["a.jpg"]
    assert isinstance(refused(c, c.status, local.scene.id, "indexed"), Conflict)
    e = refused(c, c.create, ["a.jpg", uri], postpone=True)
    assert e.code == "postpone-needs-cloud-resources"


def test_dry_run_keeps_nothing(c: Cloud, tmp_path: Path) -> None:
    uri = c.s3.put(c.bucket, f"{c.p}/d/img.jpg", JPEG)
    created = c.create([uri], write=Write(dry_run=True))
    assert created.scene.status == SceneStatus.CREATED
    with pytest.raises(DomainError):
        c.status(created.scene.id, "indexed")
    assert not [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]


def test_an_endpoint_that_does_not_answer_is_a_400_naming_the_uri(c: Cloud) -> None:
    async def add() -> None:
        keys = StorageKeys(c.s3.admin.access_key_id, c.s3.admin.secret_access_key)
        await c.ops.cloud.add(c.caller, "http://127.0.0.1:9", "nobody-home", None, keys)

    c.run(add())
    e = refused(c, c.create, ["s3://nobody-home/x.jpg"])
    assert (
        isinstance(e, InvalidInput)
        and e.code == "cloud-unreachable"
        and "s3://nobody-home/x.jpg" in e.message
    )


def test_keys_sealed_under_another_signing_key_do_not_open(c: Cloud) -> None:
    from annobatch.services.storage_keys import KeySealer

    sealed = KeySealer.from_signing_key("one key").seal(c.org, "b", StorageKeys("a", "s"))
    assert KeySealer.from_signing_key("one key").open(c.org, "b", sealed).secret_access_key == "s"
    for sealer, org, bucket in ((KeySealer.from_signing_key("another"), c.org, "b"),
                                (KeySealer.from_signing_key("one key"), c.org + 1, "b")):  # fmt: skip
        with pytest.raises(InvalidInput) as e:
            sealer.open(org, bucket, sealed)
        assert e.value.code == "storage-keys-unreadable"


def test_a_scene_mixing_local_files_and_cloud_resources(c: Cloud) -> None:
    uri = c.s3.put(c.bucket, f"{c.p}/m/img.jpg", JPEG)
    created = c.create(["local.jpg", uri])
    assert created.scene.status == SceneStatus.PENDING
    assert [u.resource_id for u in created.uploads] == ["local.jpg"]
    local, remote = c.resources(created.scene.id)
    assert local.blob_key is None and remote.blob_key is not None and remote.external_uri == uri

    async def chunks() -> Any:
        yield JPEG

    async def upload_and_commit() -> Any:
        blob = await c.store.put(f"scenes/{created.scene.id}/0-x", chunks())
        await c.ops.scenes.record_upload(created.scene.id, 0, blob, "image/jpeg")
        return await c.ops.scenes.commit(c.caller, created.scene.id)

    assert c.run(upload_and_commit()).status == SceneStatus.CREATED


def test_reindexing_hands_back_held_tasks_until_the_scene_is_imported_again(c: Cloud) -> None:
    uri = c.s3.put(c.bucket, f"{c.p}/held/img.jpg", JPEG)
    sid = c.create([uri]).scene.id
    c.world.project(c.org, "p1", ["od"])
    c.world.batch(c.org, "p1", "b1")
    c.run(c.ops.inputs.create_input(c.caller, sid, "p1", "b1", Write()))
    c.run(c.ops.batches.transition_batch(c.caller, "p1", "b1", BatchAction.PUBLISH))
    cred = c.run(c.ops.workforce.create_member(c.org, "annotator", "Ann")).record
    c.run(c.ops.workforce.add_to_project(c.caller, "p1", cred.user_id))
    ann = Caller(cred.client_id, c.org, c.org, Role.ANNOTATOR, None, cred.email, cred.user_id)
    held = c.run(c.ops.work.claim(ann, "p1"))
    c.run(
        c.ops.work.save_draft(
            ann, held.task.id, {"od": {"openlabel": {"metadata": {"schema_version": "1.0.0"}}}}
        )
    )
    c.status(sid, "indexed")
    (task,) = c.run(c.ops.work.list_tasks(c.caller))
    assert (task.status, task.holder, task.draft is not None) == ("todo", None, True)
    with pytest.raises(Conflict):  # nothing to claim while its files are gone
        c.run(c.ops.work.claim(ann, "p1"))
    with pytest.raises(DomainError):  # and the former holder cannot submit it
        c.run(c.ops.work.submit(ann, held.task.id, {}))
    c.status(sid, "created")
    again = c.run(c.ops.work.claim(ann, "p1"))
    assert again.task.id == held.task.id and again.task.draft is not None


def test_an_import_that_cannot_reach_its_bucket_is_refused_and_can_be_asked_again(c: Cloud) -> None:
    uri = c.s3.put(c.bucket, f"{c.p}/later/img.jpg", JPEG)
    sid = c.create([uri], postpone=True).scene.id
    c.run(c.ops.cloud.remove(c.caller, c.bucket))
    e = refused(c, c.status, sid, "created")
    assert isinstance(e, InvalidInput) and uri in e.message and "outside" in e.message
    (scene,) = c.run(c.ops.scenes.scenes(c.caller, uuids=[sid]))
    assert scene.status == SceneStatus.PROCESSING and scene.error_message is None
    c.add(c.org, c.bucket)  # the storage is configured again: the same import goes through
    assert c.status(sid, "created").status == SceneStatus.CREATED
