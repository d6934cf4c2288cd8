"""The official `kognic-io` client creates scenes and inputs against a real annobatch server, with
real files, and every outcome is asserted on what the client returns or raises and on what the
server stored."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import pytest
from kognic.io.client import KognicIOClient
from kognic.io.model.scene import cameras as cam
from kognic.io.model.scene.resources import Image
from requests import HTTPError

from annobatch.services.accounts import NewCredential
from annobatch.storage.blobs import BlobStore
from annobatch.storage.records import ResourceRecord, SceneRecord
from annobatch.storage.unit_of_work import UnitOfWork
from conftest import Live, unique


def tiny_jpeg() -> bytes:
    """A real baseline JPEG (8x8, grey) of a few hundred bytes: JFIF, the standard quantisation
    and Huffman tables, one block whose DC difference is 0 and whose AC coefficients are all 0."""

    def seg(marker: int, payload: bytes) -> bytes:
        return struct.pack(">HH", 0xFF00 | marker, len(payload) + 2) + payload

    quant = bytes([
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ])  # fmt: skip
    dc = bytes([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]) + bytes(range(12))
    ac = bytes([0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D]) + bytes.fromhex(
        "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a"
        "25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a"
        "838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9ca"
        "d2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa"
    )
    return b"".join([
        b"\xff\xd8",
        seg(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        seg(0xDB, b"\x00" + quant),
        seg(0xC0, b"\x08" + struct.pack(">HH", 8, 8) + b"\x01\x01\x11\x00"),
        seg(0xC4, b"\x00" + dc),
        seg(0xC4, b"\x10" + ac),
        seg(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        b"\x2b",  # DC category 0 ('00'), end of block ('1010'), padded with ones
        b"\xff\xd9",
    ])  # fmt: skip


JPEG = tiny_jpeg()


@dataclass
class Tenant:
    org: int
    cred: NewCredential
    client: KognicIOClient


def tenant(live: Live, project: str = "p1", batches: tuple[str, ...] = ("b1",)) -> Tenant:
    org = live.world.org(unique("org"))
    cred = live.world.credential(org)
    live.world.project(org, project, ["object-detection"])
    for b in batches:
        live.world.batch(org, project, b)
    client = KognicIOClient(
        auth=(cred.record.client_id, cred.secret),
        host=live.url,
        auth_host=live.url,
        workspace_api_host=live.url,
    )
    return Tenant(org, cred, client)


def stored_scene(live: Live, scene_id: str) -> tuple[SceneRecord | None, list[ResourceRecord]]:
    async def go() -> tuple[SceneRecord | None, list[ResourceRecord]]:
        async with live.world.ops.db.transaction() as tx:
            scenes = UnitOfWork(tx).scenes
            return await scenes.get_any_org(scene_id), await scenes.resources(scene_id)

    return live.world.run(go())


def blobs(live: Live) -> BlobStore:
    """The live server's blob store (a local directory, or S3 in `test_inputs_s3_blobs`)."""
    found: BlobStore = live.server.blobs()
    return found


def cameras_scene(tmp_path: Path, external_id: str = "ext-1", sensor: str = "CAM") -> cam.Cameras:
    img = tmp_path / f"{external_id}.front.jpg"
    img.write_bytes(JPEG)
    return cam.Cameras(
        external_id=external_id, frame=cam.Frame(images=[Image(filename=str(img), sensor_name=sensor)])
    )


# ------------------------------------------------------------------------------- cameras


def test_a_cameras_scene_with_no_batch_named_lands_in_the_single_open_batch(
    live: Live, tmp_path: Path
) -> None:
    t = tenant(live)
    created = t.client.cameras.create(cameras_scene(tmp_path), project="p1")
    assert created is not None
    inputs = t.client.input.query_inputs(project="p1")
    assert [(i.scene_uuid, i.scene_external_id) for i in inputs] == [(created.scene_uuid, "ext-1")]
    assert [i.scene_uuid for i in t.client.input.query_inputs(project="p1", batch="b1")] == [
        created.scene_uuid
    ]
    assert inputs[0].view_link == f"{live.url}/view/{created.scene_uuid}"
    (scene,) = t.client.scene.get_scenes_by_uuids([created.scene_uuid])
    assert (scene.status, scene.scene_type, scene.external_id) == ("created", "cameras", "ext-1")


def test_the_uploaded_bytes_are_stored_unchanged_under_the_clients_resource_id(
    live: Live, tmp_path: Path
) -> None:
    t = tenant(live)
    scene = cameras_scene(tmp_path)
    created = t.client.cameras.create(scene, project="p1")
    assert created is not None
    rec, resources = stored_scene(live, created.scene_uuid)
    assert rec is not None and rec.status == "created"
    (r,) = resources
    assert r.resource_id == scene.frame.images[0].resource_id
    assert r.blob_key is not None and r.size == len(JPEG)
    assert live.world.run(blobs(live).read(r.blob_key)) == JPEG
    assert r.content_type == "image/jpeg"


def test_two_open_batches_and_none_named_raise_the_clients_runtime_error_naming_both(
    live: Live, tmp_path: Path
) -> None:
    t = tenant(live, batches=("b4", "b5"))
    with pytest.raises(RuntimeError, match=r"project p1 has 2 open batches \(b4, b5\): name one"):
        t.client.cameras.create(cameras_scene(tmp_path), project="p1")
    assert t.client.input.query_inputs(project="p1") == []


def test_a_named_ready_batch_is_refused_naming_its_status(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    t.client.project.publish_batch("p1", "b1")
    with pytest.raises(
        RuntimeError, match="batch b1 of project p1 is ready; only open batches accept inputs"
    ):
        t.client.cameras.create(cameras_scene(tmp_path), project="p1", batch="b1")


def test_a_named_pending_batch_is_refused_naming_its_status(live: Live, tmp_path: Path) -> None:
    t = tenant(live, batches=())
    live.world.project(t.org, "p2", [])  # nothing to inherit: its first batch starts pending
    live.world.batch(t.org, "p2", "b2")
    with pytest.raises(
        RuntimeError, match="batch b2 of project p2 is pending; only open batches accept inputs"
    ):
        t.client.cameras.create(cameras_scene(tmp_path), project="p2", batch="b2")


def test_an_unknown_batch_is_not_found(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    with pytest.raises(HTTPError) as e:
        t.client.cameras.create(cameras_scene(tmp_path), project="p1", batch="nope")
    assert e.value.response is not None and e.value.response.status_code == 404


def test_images_given_as_bytes_and_as_files_in_one_scene_are_both_stored(live: Live, tmp_path: Path) -> None:
    from kognic.io.resources.scene.file_data import FileData

    t = tenant(live)
    on_disk = tmp_path / "front.cam.jpg"  # dots in the name: the client rewrites its resource id
    on_disk.write_bytes(JPEG)
    in_memory = FileData(data=JPEG + b"\x00", format=FileData.Format.JPG)
    frame = cam.Frame(
        images=[
            Image(filename=str(on_disk), sensor_name="FRONT"),
            Image(filename="rear", sensor_name="REAR", file_data=in_memory),
        ]
    )
    created = t.client.cameras.create(cam.Cameras(external_id="mixed", frame=frame), project="p1")
    assert created is not None
    _, resources = stored_scene(live, created.scene_uuid)
    by_id = {r.resource_id: r for r in resources}
    assert sorted(by_id) == sorted([str(tmp_path / "front_cam.jpg"), "rear.jpg"])
    assert by_id["rear.jpg"].size == len(JPEG) + 1 and by_id[str(tmp_path / "front_cam.jpg")].size == len(
        JPEG
    )
