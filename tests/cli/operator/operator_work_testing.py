"""Helpers for the tests of the annotation-work commands: a project with scenes committed into a
batch (through the services, files in the data directory's blob store, as the CLI finds them), a
valid OpenLABEL document, workforce credentials files."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
from operator_testing import cli, ok_json

from annobatch import schemas
from annobatch.domain import SceneType
from annobatch.services import Services
from annobatch.services.identity import operator
from annobatch.services.transactions import Write, reading
from annobatch.storage.blobs import open_blob_store
from annobatch.storage.records import InputRecord
from conftest import World

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) + b"\xff\xd9"


def openlabel(classes: tuple[str, ...] = ("car",), stream: str = "CAM") -> dict[str, Any]:
    """A small valid OpenLABEL 1.0 document: one box per class in frame 0."""
    objects = {str(i): {"name": f"{c}-{i}", "type": c} for i, c in enumerate(classes, 1)}
    boxes = {
        str(i): {
            "object_data": {"bbox": [{"name": "box", "val": [10.0 * i, 20.0, 40.0, 30.0], "stream": stream}]}
        }
        for i in range(1, len(classes) + 1)
    }
    frame = {"frame_properties": {"timestamp": 0, "streams": {stream: {}}}, "objects": boxes}
    return {
        "openlabel": {"metadata": {"schema_version": "1.0.0"}, "objects": objects, "frames": {"0": frame}}
    }


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value))
    return path


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


class Work:
    """An organization `acme` with project `p1` (types given) and batch `b1`; scenes committed
    into it through the services, their files in `data`'s blob store."""

    def __init__(self, world: World, database_url: str, data: Path, types: list[str] | None = None) -> None:
        self.world, self.url, self.data = world, database_url, data
        self.org = world.org("acme")
        self.caller = operator(self.org)
        self.store = open_blob_store(data)
        self.ops = Services.over(world.ops.db, self.store)
        world.project(self.org, "p1", types or ["object-detection"])
        world.batch(self.org, "p1", "b1")
        self.scene_ids: list[str] = []

    def cli(self, *args: str) -> Any:
        return cli(self.url, "--data", str(self.data), *args)

    def ok(self, *args: str) -> Any:
        return ok_json(self.url, "--data", str(self.data), *args)

    def scene(self, external_id: str, batch: str = "b1") -> str:
        """A committed camera scene in `batch`: its uuid."""

        async def go() -> str:
            sid = await self.ops.scenes.initialize(self.caller, None)
            image = {"filename": "a.jpg", "resourceId": "a.jpg", "sensorName": "CAM"}
            body = msgspec.convert(
                {"externalId": external_id, "frame": {"images": [image]}, "internalId": sid},
                schemas.CamerasScene,
            )
            await self.ops.scenes.create_scene(
                self.caller, None, SceneType.CAMERAS, body, project="p1", batch=batch, write=Write()
            )
            blob = await self.store.put(f"scenes/{sid}/0-{uuid.uuid4().hex[:6]}", _chunks(JPEG))
            await self.ops.scenes.record_upload(sid, 0, blob, "image/jpeg")
            scene = await self.ops.scenes.commit(self.caller, sid)
            assert scene.status == "created", scene
            self.scene_ids.append(sid)
            return sid

        return self.world.run(go())

    def member(self, role: str, name: str, path: Path) -> int:
        """A workforce member of `acme`, made with the CLI, added to `p1`: its user id."""
        made = self.ok("workforce", "add", "--org", "acme", "--role", role, name, "--out", str(path))
        self.ok("project", "members", "add", "--org", "acme", "p1", str(made["userId"]))
        return int(made["userId"])

    def inputs(self) -> list[InputRecord]:
        async def go() -> list[InputRecord]:
            async with reading(self.world.ops.db) as uow:
                found = []
                for sid in self.scene_ids:
                    found += await uow.inputs.of_scene(sid)
                return found

        return self.world.run(go())

    def batch_status(self, batch: str = "b1") -> str:
        listed = self.ok("batch", "list", "--org", "acme", "p1")
        return str(next(b["status"] for b in listed if b["id"] == batch))
