"""The official `kognic-io` client's v2 scene calls against a real annobatch server (a real socket)
and a real S3 server (SeaweedFS): `create_scene` with local files and with cloud resources,
postponed import (`import_indexed_scene`), `reindex_scene`, and the refusals (a foreign bucket, a
bucket answering 403, a missing file) — on both databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kognic.io.model.scene.scene_request import Frame, ImageResource, LocalFile, Resource, SceneRequest
from test_inputs_official_client import JPEG, Tenant, blobs, stored_scene, tenant

from annobatch.services.identity import operator
from annobatch.services.storage_keys import StorageKeys
from conftest import Live
from s3_server import LOCKED, OTHER, SHARED, Keys, S3Server


def add_storage(live: Live, s3: S3Server, org: int, bucket: str, keys: Keys | None = None) -> None:
    k = keys or s3.admin
    live.world.run(
        live.world.ops.cloud.add(
            operator(org), s3.endpoint, bucket, None, StorageKeys(k.access_key_id, k.secret_access_key)
        )
    )


def request(t: Tenant, resources: list[ImageResource], postpone: bool | None = None) -> SceneRequest:
    ws = t.client.workspace.get_workspaces()[0].id
    frames = [Frame(frame_id=str(i + 1), timestamp_ns=1_000 + i, images=[r]) for i, r in enumerate(resources)]
    return SceneRequest(workspace_id=ws, external_id="v2-ext", frames=frames,
                        postpone_external_resource_import=postpone)  # fmt: skip


def cloud(uri: str, sensor: str = "CAM") -> ImageResource:
    return ImageResource(external_resource_uri=uri, local_file=None, sensor_name=sensor)


def status(t: Tenant, scene_id: str) -> tuple[str, str | None]:
    (scene,) = t.client.scene.get_scenes_by_uuids([scene_id])
    return scene.status, scene.error_message


def no_keys(s3: S3Server, text: str) -> None:
    for k in (s3.admin, s3.reader):
        assert k.access_key_id not in text and k.secret_access_key not in text


def test_create_scene_with_local_files_uploads_and_commits(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    img = tmp_path / "front.jpg"
    img.write_bytes(JPEG)
    res = ImageResource(
        external_resource_uri=None, local_file=LocalFile(filename=str(img)), sensor_name="CAM"
    )
    created = t.client.scene.create_scene(request(t, [res]))
    assert status(t, created.scene_uuid) == ("created", None)
    rec, (r,) = stored_scene(live, created.scene_uuid)
    assert rec is not None and r.resource_id == str(img) and r.size == len(JPEG)
    assert live.world.run(blobs(live).read(r.blob_key or "")) == JPEG


def test_create_scene_with_cloud_resources_reads_the_organizations_bucket(live: Live, s3: S3Server) -> None:
    t = tenant(live)
    add_storage(live, s3, t.org, SHARED)
    p = s3.prefix()
    uris = [s3.put(SHARED, f"{p}/cam/{i}.jpg", JPEG) for i in range(2)]
    created = t.client.scene.create_scene(request(t, [cloud(u) for u in uris]))
    assert status(t, created.scene_uuid) == ("created", None)
    _, resources = stored_scene(live, created.scene_uuid)
    assert [r.external_uri for r in resources] == uris and all(r.blob_key for r in resources)
    summary = t.client.scene.get_scene_summary(created.scene_uuid)
    assert summary.external_id == "v2-ext" and set(summary.cameras or ()) == {"CAM"}


def test_postponed_import_and_reindex(live: Live, s3: S3Server) -> None:
    t = tenant(live)
    add_storage(live, s3, t.org, SHARED)
    p = s3.prefix()
    uri = s3.put(SHARED, f"{p}/img.jpg", JPEG)
    created = t.client.scene.create_scene(request(t, [cloud(uri)], postpone=True))
    sid = created.scene_uuid
    assert status(t, sid) == ("indexed", None)
    assert [r.blob_key for r in stored_scene(live, sid)[1]] == [None]
    made = t.client.input.create_from_scene(sid, project="p1", batch="b1")
    assert made is not None
    t.client.scene.import_indexed_scene(sid)
    assert status(t, sid) == ("created", None)
    (inp,) = t.client.input.query_inputs(project="p1", batch="b1")
    assert inp.scene_uuid == sid
    t.client.scene.reindex_scene(sid)
    assert status(t, sid) == ("indexed", None)
    assert [r.blob_key for r in stored_scene(live, sid)[1]] == [None]
    t.client.scene.import_indexed_scene(sid)
    assert status(t, sid) == ("created", None)
    # Gone from the bucket: the next import fails the scene, saying which file.
    t.client.scene.reindex_scene(sid)
    s3.delete(SHARED, f"{p}/img.jpg")
    t.client.scene.import_indexed_scene(sid)
    state, message = status(t, sid)
    assert state == "failed" and uri in (message or "") and "does not exist" in (message or "")


def test_bad_cloud_resources_are_refused_naming_the_uri(live: Live, s3: S3Server) -> None:
    t = tenant(live)
    add_storage(live, s3, t.org, SHARED)
    add_storage(live, s3, t.org, LOCKED, s3.reader)  # keys that may not read this bucket: 403
    other = live.world.org("someone-else-" + s3.prefix())
    add_storage(live, s3, other, OTHER)
    p = s3.prefix()
    foreign = s3.put(OTHER, f"{p}/img.jpg", JPEG)
    locked = s3.put(LOCKED, f"{p}/img.jpg", JPEG)
    missing = f"s3://{SHARED}/{p}/not-there.jpg"
    for uri, words in (
        (foreign, "outside the organization's configured storage"),
        (locked, "403"),
        (missing, "does not exist"),
        ("gs://elsewhere/img.jpg", "outside"),
    ):
        with pytest.raises(RuntimeError) as e:
            t.client.scene.create_scene(request(t, [cloud(uri)]))
        assert uri in str(e.value) and words in str(e.value), str(e.value)
        no_keys(s3, str(e.value))
    with pytest.raises(RuntimeError) as e:
        t.client.scene.create_scene(request(t, [cloud(locked)], postpone=True))
    assert locked in str(e.value) and "403" in str(e.value)


OPENLABEL = b'{"openlabel": {"metadata": {"schema_version": "1.0.0"}}}'


def test_pre_annotations_from_cloud_resources(live: Live, s3: S3Server) -> None:
    t = tenant(live)
    add_storage(live, s3, t.org, SHARED)
    p = s3.prefix()
    scene = t.client.scene.create_scene(request(t, [cloud(s3.put(SHARED, f"{p}/img.jpg", JPEG))])).scene_uuid
    doc = s3.put(SHARED, f"{p}/pre.json", OPENLABEL)
    pa = t.client.pre_annotation
    now = pa.create_from_cloud_resource(scene, "read-now", doc, postpone_import=False)
    assert pa.get_with_content(uuid=now).content.openlabel.metadata.schema_version == "1.0.0"
    later = pa.create_from_cloud_resource(scene, "read-later", doc)  # postponed by default
    (listed,) = pa.list(ids=[later])
    assert listed["status"] == "indexed"
    pa.make_indexed_pre_annotation_available(later)
    assert pa.get_with_content(uuid=later).external_id == "read-later"
    # Gone before it is made available: it fails, saying which file.
    gone = pa.create_from_cloud_resource(scene, "gone", s3.put(SHARED, f"{p}/gone.json", OPENLABEL))
    s3.delete(SHARED, f"{p}/gone.json")
    pa.make_indexed_pre_annotation_available(gone)
    (failed,) = pa.list(ids=[gone])
    assert failed["status"] == "failed"
    # Refused at once: outside the storage, or missing.
    for uri in (s3.put(OTHER, f"{p}/pre.json", OPENLABEL), f"s3://{SHARED}/{p}/none.json"):
        for postpone in (True, False):
            with pytest.raises(RuntimeError) as e:
                pa.create_from_cloud_resource(scene, f"bad-{postpone}", uri, postpone_import=postpone)
            assert uri in str(e.value)
            no_keys(s3, str(e.value))


def imu_file(start: int, end: int) -> bytes:
    """IMU samples every ns from `start` to `end`, as the v1 API's imuData."""
    pose = {
        "position": {"x": 1.0, "y": 2.0, "z": 0.0},
        "rotationQuaternion": {"x": 0, "y": 0, "z": 0, "w": 1},
    }
    return json.dumps([{"timestamp": t, **pose} for t in range(start, end + 1)]).encode()


def with_imu(t: Tenant, images: list[ImageResource], imu: Resource) -> SceneRequest:
    req = request(t, images)
    req.imudata_resource = imu
    return req


def test_imu_data_as_a_local_file_is_uploaded_and_checked(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    images = []
    for i in range(2):
        img = tmp_path / f"front-{i}.jpg"
        img.write_bytes(JPEG)
        images.append(
            ImageResource(external_resource_uri=None, local_file=LocalFile(str(img)), sensor_name="CAM")
        )
    good = tmp_path / "imu.json"
    good.write_bytes(imu_file(900, 1100))  # the frames are at 1000 and 1001
    created = t.client.scene.create_scene(with_imu(t, images, Resource(None, LocalFile(str(good)))))
    assert status(t, created.scene_uuid) == ("created", None)
    _, resources = stored_scene(live, created.scene_uuid)
    (kept,) = [r for r in resources if r.kind == "imu"]
    assert kept.frame_id is None and kept.size == good.stat().st_size
    short = tmp_path / "short.json"
    short.write_bytes(imu_file(900, 1000))  # ends before the second frame
    t2 = t.client.scene.create_scene(with_imu(t, images, Resource(None, LocalFile(str(short))))).scene_uuid
    state, message = status(t, t2)
    assert state == "failed" and "unix timestamp 1001 is outside the IMU data (900 to 1000)" in (
        message or ""
    )
    broken = tmp_path / "broken.json"
    broken.write_bytes(b'[{"timestamp": 1000}]')
    t3 = t.client.scene.create_scene(with_imu(t, images, Resource(None, LocalFile(str(broken))))).scene_uuid
    state, message = status(t, t3)
    assert state == "failed" and "IMU sample 0: position" in (message or "")


def test_imu_data_in_the_organizations_bucket(live: Live, s3: S3Server) -> None:
    t = tenant(live)
    add_storage(live, s3, t.org, SHARED)
    p = s3.prefix()
    images = [cloud(s3.put(SHARED, f"{p}/cam/{i}.jpg", JPEG)) for i in range(2)]
    imu = Resource(s3.put(SHARED, f"{p}/imu.json", imu_file(1000, 1001)), None)
    created = t.client.scene.create_scene(with_imu(t, images, imu))
    assert status(t, created.scene_uuid) == ("created", None)
    # Postponed: the IMU file stays in the bucket until the import reads and checks it.
    later = with_imu(t, images, Resource(s3.put(SHARED, f"{p}/late.json", imu_file(1001, 1001)), None))
    later.postpone_external_resource_import = True
    sid = t.client.scene.create_scene(later).scene_uuid
    assert status(t, sid) == ("indexed", None)
    t.client.scene.import_indexed_scene(sid)
    state, message = status(t, sid)
    assert state == "failed" and "unix timestamp 1000 is outside the IMU data" in (message or "")
