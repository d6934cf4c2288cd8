"""`client.annotation.download`: one OpenLABEL file per input, several at once, and a second run
writes only what is new."""

from __future__ import annotations

import json
from pathlib import Path

from sdk_scenes import delivering, jpeg

from annobatch.model.scene import cameras as cam
from annobatch.model.scene.resources import Image
from conftest import Live


def test_a_projects_annotations_are_downloaded_one_file_per_input_and_resumed(
    live: Live, tmp_path: Path
) -> None:
    d = delivering(live)
    client = d.tenant.sdk(resume_dir=False)
    scenes = [
        cam.Cameras(
            external_id=f"dl-{n}", frame=cam.Frame(images=[Image(filename=jpeg(tmp_path / f"{n}.jpg"))])
        )
        for n in range(5)
    ]
    results = list(client.create_scenes(scenes, project="p1", batch="b1", workers=2))
    assert sorted(r.status for r in results) == ["created"] * 5
    inputs = client.input.query_inputs(project="p1")
    for i in inputs[:3]:
        d.deliver(i.uuid, i.scene_uuid, "object-detection", note=i.scene_external_id)
    to = tmp_path / "annotations"

    first = client.annotation.download("p1", "object-detection", batch="b1", to=to, workers=3)

    assert sorted(r.status for r in first) == ["written"] * 3
    assert sorted(p.name for p in to.iterdir()) == sorted(f"{i.scene_uuid}.json" for i in inputs[:3])
    for i in inputs[:3]:
        document = json.loads((to / f"{i.scene_uuid}.json").read_text())
        assert document["openlabel"]["metadata"]["note"] == i.scene_external_id

    for i in inputs[3:]:
        d.deliver(i.uuid, i.scene_uuid, "object-detection", note=i.scene_external_id)
    (to / f"{inputs[0].scene_uuid}.json.part").write_text("{half")  # an earlier run cut short

    second = client.annotation.download("p1", "object-detection", to=to, workers=3)

    assert sorted((r.scene_uuid, r.status) for r in second) == sorted(
        [(i.scene_uuid, "skipped") for i in inputs[:3]] + [(i.scene_uuid, "written") for i in inputs[3:]]
    )
    assert len(list(to.glob("*.json"))) == 5


def test_a_newer_delivery_replaces_the_downloaded_file(live: Live, tmp_path: Path) -> None:
    d = delivering(live)
    client = d.tenant.sdk(resume_dir=False)
    made = client.cameras.create(
        cam.Cameras(external_id="v", frame=cam.Frame(images=[Image(filename=jpeg(tmp_path / "v.jpg"))])),
        project="p1",
    )
    assert made is not None and made.request_input_uuid is not None
    d.deliver(made.request_input_uuid, made.scene_uuid, "object-detection", note="first")
    client.annotation.download("p1", "object-detection", to=tmp_path / "out")
    d.seed.run(_retire_current(d))
    d.deliver(made.request_input_uuid, made.scene_uuid, "object-detection", note="second")

    (again,) = client.annotation.download("p1", "object-detection", to=tmp_path / "out")

    assert again.status == "written"
    assert json.loads(again.path.read_text())["openlabel"]["metadata"]["note"] == "second"


async def _retire_current(d: object) -> None:
    """The input's earlier delivery is no longer the current one (as a new delivery makes it)."""
    import sqlalchemy as sa

    from annobatch.storage import tables as t
    from annobatch.storage.database import Query
    from annobatch.storage.queries._sql import b

    seed, org = d.seed, d.tenant.org  # type: ignore[attr-defined]
    versions = t.annotation_versions
    retire = sa.update(versions).where(versions.c.organization_id == b("org")).values(current=False)
    async with seed.db.transaction(write=True) as tx:
        await tx.execute(Query(retire), {"org": org})
