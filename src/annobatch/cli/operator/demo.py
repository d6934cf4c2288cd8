"""`annobatch demo`: a data directory with a demo organization, its projects and batches and a
credentials file, then a server, and the lines that point the clients at it.

Annotation work is part of the tour: a workforce (an annotator and a reviewer, each with a
credentials file, members of project `crossings`) has worked on batch `2024-w10` through the work
service, as any annotation tool would through the workforce API: some of its inputs are
annotated, reviewed and delivered, one awaits review, the rest are not started. The official client
downloads the delivered annotations; the client has accepted the first of them (a client review).
Batch `2024-w11`, left open, has one input made from a pre-annotation.

Re-running it reuses what exists: the organization, projects and batches are created only when
missing, and the credentials files are kept while they still work."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import msgspec

from annobatch import CREDENTIALS_ENV, HOST_ENV, schemas
from annobatch.cli.operator.base import common_options, connect, env, shown_url
from annobatch.cli.operator.demo_pictures import street_boxes, street_png
from annobatch.cli.operator.org import credentials_document, write_credentials
from annobatch.cli.operator.serve import prepare, run_server
from annobatch.domain import BatchAction, NotFound, Role, SceneType
from annobatch.services import Services
from annobatch.services.identity import Caller, operator
from annobatch.services.transactions import Write
from annobatch.storage.blobs import BlobStore, open_blob_store
from annobatch.storage.database import open_database
from annobatch.storage.records import CredentialRecord, OrganizationRecord

DEMO_ORG = "demo"
CREDENTIALS_FILE = "demo-credentials.json"
ANNOTATOR_FILE = "demo-annotator.json"
REVIEWER_FILE = "demo-reviewer.json"

#: The project and batch the demo's workforce works on.
WORK_PROJECT = "crossings"
WORK_BATCH = "2024-w10"
WORK_TYPE = "object-detection"
WORK_CLASSES = ["car", "pedestrian", "cyclist"]
#: Scenes of the annotated batch: the first DELIVERED are annotated, reviewed and delivered, the
#: next one is annotated and waits for its review, the rest are not started.
WORK_SCENES = [f"crossing-{i:03d}" for i in range(1, 7)]
DELIVERED = 3
#: A second, small batch of the work project, left open: its one input starts from a
#: pre-annotation (the client's model output), so its annotate task's draft is that document.
PRE_BATCH = "2024-w11"
PRE_SCENE = "crossing-101"
PRE_EXTERNAL_ID = "model-v1"


@dataclass(frozen=True)
class DemoProject:
    project: str
    title: str
    description: str
    annotation_types: list[str]
    #: Each batch with the moves that bring it to the state it shows.
    batches: list[tuple[str, list[BatchAction]]]


DEMO_PROJECTS = [
    DemoProject(
        "highway",
        "Highway scenes",
        "Camera and lidar captures from highway driving",
        ["object-detection", "lane-marking"],
        [
            ("2024-w01", [BatchAction.PUBLISH, BatchAction.START, BatchAction.COMPLETE]),
            ("2024-w02", [BatchAction.PUBLISH]),
            ("2024-w03", []),
        ],
    ),
    DemoProject(
        "parking",
        "Parking garages",
        "Low-speed manoeuvres; its first batch inherits the default annotation types",
        ["object-detection", "semantic-segmentation"],
        [],
    ),
    DemoProject(
        WORK_PROJECT,
        "Urban crossings",
        "Pedestrians and cyclists at crossings; its workforce is at work on 2024-w10",
        [WORK_TYPE],
        [],  # its batch is made with the work (`_demo_work`)
    ),
    DemoProject(
        "night-drive",
        "Night driving",
        "Being set up: no annotation types yet, so its first batch waits as pending",
        [],
        [("pilot", [])],
    ),
]


async def _demo_org(ops: Services) -> OrganizationRecord:
    try:
        return await ops.accounts.find_organization(DEMO_ORG)
    except NotFound:
        org, _ = await ops.accounts.create_organization(DEMO_ORG)
        return org


async def _demo_project(ops: Services, org: int, spec: DemoProject) -> None:
    caller = operator(org)
    try:
        await ops.projects.get_project(caller, spec.project)
    except NotFound:
        await ops.projects.create_project(
            caller, spec.project, title=spec.title, description=spec.description,
            annotation_types=spec.annotation_types,
        )  # fmt: skip
    for batch, moves in spec.batches:
        try:
            await ops.batches.get_batch(caller, spec.project, batch)
        except NotFound:
            await ops.batches.create_batch(caller, spec.project, batch)
            for move in moves:
                await ops.batches.transition_batch(caller, spec.project, batch, move)


async def _usable_credentials(
    ops: Services, org: int, path: Path, role: Role = Role.CLIENT
) -> tuple[dict[str, Any], CredentialRecord] | None:
    """The credentials file's contents (and its credential) when it still gets a token for the
    demo organization, with this role."""
    try:
        doc = json.loads(path.read_text())
        client_id, secret = str(doc["clientId"]), str(doc["clientSecret"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    rec = await ops.accounts.usable_credential(client_id, secret)
    usable = rec is not None and rec.organization_id == org and rec.role == role.value
    return (doc, rec) if usable and rec is not None else None


async def _demo_credentials(ops: Services, org: int, path: Path) -> tuple[dict[str, Any], bool]:
    kept = await _usable_credentials(ops, org, path)
    if kept is not None:
        return kept[0], False
    new = await ops.accounts.create_credential(
        org, workspace=None, staff=False, email="developer@demo.annobatch.local"
    )
    doc = credentials_document(new)
    write_credentials(path, doc)
    return doc, True


async def _demo_member(ops: Services, org: int, role: Role, name: str, path: Path) -> tuple[Caller, bool]:
    """A workforce credential (its file kept while it works), member of the work project; acting
    as it, the demo does its share of the work."""
    kept = await _usable_credentials(ops, org, path, role)
    if kept is not None:
        rec, new = kept[1], False
    else:
        made = await ops.workforce.create_member(org, role.value, name)
        write_credentials(path, credentials_document(made))
        rec, new = made.record, True
    caller = operator(org)
    if rec.user_id not in {m.user_id for m in await ops.workforce.project_members(caller, WORK_PROJECT)}:
        await ops.workforce.add_to_project(caller, WORK_PROJECT, rec.user_id)
    member = Caller(rec.client_id, org, org, role, rec.workspace_id, rec.email, user_id=rec.user_id)
    return member, new


def _picture(scene: int) -> tuple[int, bool]:
    """Scene number `scene`'s street: the car a little further on in each, a cyclist in every
    other one (shift, cyclist)."""
    return 20 * (scene - 1), scene % 2 == 1


def demo_annotation(scene: int) -> dict[str, Any]:
    """An OpenLABEL document for scene number `scene`: a box around each thing in its picture
    (a car and a pedestrian, a cyclist too in every other scene), in the camera image of frame 0."""
    boxes = street_boxes(*_picture(scene))
    objects = {f"{i}": {"name": f"{c}-{i}", "type": c} for i, c in enumerate(boxes, 1)}
    frame_objects = {
        f"{i}": {"object_data": {"bbox": [{"name": "box", "stream": "CAM", "val": val}]}}
        for i, val in enumerate(boxes.values(), 1)
    }
    frame = {"frame_properties": {"timestamp": 0, "streams": {"CAM": {}}}, "objects": frame_objects}
    return {
        "openlabel": {"metadata": {"schema_version": "1.0.0"}, "objects": objects, "frames": {"0": frame}}
    }


async def _one_chunk(data: bytes) -> Any:
    yield data


async def _demo_scene(
    ops: Services,
    store: BlobStore,
    caller: Caller,
    external_id: str,
    number: int,
    batch: str | None = WORK_BATCH,
) -> str:
    """A committed camera scene of one image (scene number `number`'s street) in the work batch
    (in no project with `batch=None`), made as the official client makes one (initialize, create,
    upload, commit), in process. Answers its uuid."""
    sid = await ops.scenes.initialize(caller, None)
    image = {"filename": "CAM.png", "resourceId": "CAM.png", "sensorName": "CAM"}
    body = msgspec.convert(
        {"externalId": external_id, "frame": {"images": [image]}, "internalId": sid}, schemas.CamerasScene
    )
    await ops.scenes.create_scene(
        caller, None, SceneType.CAMERAS, body, project=WORK_PROJECT if batch else None, batch=batch,
        write=Write(),
    )  # fmt: skip
    blob = await store.put(f"scenes/{sid}/0-demo", _one_chunk(street_png(*_picture(number))))
    await ops.scenes.record_upload(sid, 0, blob, "image/png")
    await ops.scenes.commit(caller, sid)
    return sid


async def _demo_work(
    ops: Services, store: BlobStore, org: int, annotator: Caller, reviewer: Caller
) -> tuple[str, str] | None:
    """The annotated batch, made once: its scenes, then the workforce's work through the work
    service (claims, submissions, reviews), which delivers and moves the batch by itself. Answers
    the client review of the first delivered annotation (review id, annotation id) when made."""
    caller = operator(org)
    try:
        await ops.batches.get_batch(caller, WORK_PROJECT, WORK_BATCH)
        return None
    except NotFound:
        pass
    await ops.workforce.set_classes(caller, WORK_PROJECT, WORK_TYPE, WORK_CLASSES)
    await ops.batches.create_batch(caller, WORK_PROJECT, WORK_BATCH, title="Week 10")
    for number, external_id in enumerate(WORK_SCENES, 1):
        await _demo_scene(ops, store, caller, external_id, number)
    await ops.batches.transition_batch(caller, WORK_PROJECT, WORK_BATCH, BatchAction.PUBLISH)
    first: str | None = None
    for n in range(DELIVERED + 1):
        task = await ops.work.claim(annotator, project=WORK_PROJECT)
        [made] = await ops.work.submit(annotator, task.task.id, {WORK_TYPE: demo_annotation(n + 1)})
        first = first or made.id
        if n < DELIVERED:
            review = await ops.work.claim(reviewer, project=WORK_PROJECT)
            await ops.work.review(reviewer, review.task.id, True, [])
    # The client accepts the first delivered annotation: a client review; the input stays completed.
    assert first is not None
    client_review = await ops.work.client_review(caller, first, True)
    return client_review.id, first


async def _demo_pre_annotated(ops: Services, store: BlobStore, org: int) -> None:
    """The open batch PRE_BATCH, made once: a scene, a pre-annotation of it, and the input made
    from that pre-annotation (its annotate task's draft starts from it once the batch is
    published)."""
    caller = operator(org)
    try:
        await ops.batches.get_batch(caller, WORK_PROJECT, PRE_BATCH)
        return
    except NotFound:
        pass
    await ops.batches.create_batch(caller, WORK_PROJECT, PRE_BATCH, title="Week 11")
    number = len(WORK_SCENES) + 1
    sid = await _demo_scene(ops, store, caller, PRE_SCENE, number, batch=None)
    document = demo_annotation(number)
    pre = await ops.pre_annotations.create(caller, sid, PRE_EXTERNAL_ID, document)
    await ops.inputs.create_input(caller, None, WORK_PROJECT, PRE_BATCH, Write(), pre_annotation_id=pre.id)


@dataclass(frozen=True)
class DemoWorld:
    org: OrganizationRecord
    credentials: dict[str, Any]
    new_credentials: bool
    projects: list[tuple[str, str, list[tuple[str, str]], list[str]]]
    #: The workforce's credentials files: (role, user id, new?)
    workforce: list[tuple[str, int, bool]]
    #: The client review the demo made this run (review id, annotation id), if it made one.
    review: tuple[str, str] | None = None


async def seed(url: str, credentials_path: Path, data: Path | None = None) -> DemoWorld:
    """Create what is missing of the demo organization, its projects, batches and credentials, its
    workforce (credentials files beside `credentials_path`) and their work (files in `data`'s
    blob store; default: the directory of `credentials_path`)."""
    db = open_database(url)
    await connect(db, url)
    try:
        store = open_blob_store(data or credentials_path.parent)
        ops = Services.over(db, store)
        org = await _demo_org(ops)
        for spec in DEMO_PROJECTS:
            await _demo_project(ops, org.id, spec)
        doc, new = await _demo_credentials(ops, org.id, credentials_path)
        annotator, new_annotator = await _demo_member(
            ops, org.id, Role.ANNOTATOR, "Ada Annotator", credentials_path.parent / ANNOTATOR_FILE
        )
        reviewer, new_reviewer = await _demo_member(
            ops, org.id, Role.REVIEWER, "Rex Reviewer", credentials_path.parent / REVIEWER_FILE
        )
        review = await _demo_work(ops, store, org.id, annotator, reviewer)
        await _demo_pre_annotated(ops, store, org.id)
        workforce = [
            ("annotator", annotator.user_id, new_annotator),
            ("reviewer", reviewer.user_id, new_reviewer),
        ]
        caller = operator(org.id)
        projects = []
        for p in await ops.projects.list_projects(caller):
            batches = [
                (b.external_id, b.status) for b in await ops.batches.list_batches(caller, p.external_id)
            ]
            types = await ops.projects.project_annotation_types(caller, p.external_id)
            projects.append((p.external_id, p.status, batches, types))
        return DemoWorld(org, doc, new, projects, workforce, review)
    finally:
        await db.close()


def display_path(path: Path) -> str:
    """`path` as the user would type it: relative to the working directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _script(name: str) -> str:
    """How to call one of our scripts from here: bare when it is on PATH, else by its path."""
    beside = Path(sys.executable).parent / name
    if beside.exists() and shutil.which(name) != str(beside):
        return display_path(beside)
    return name


def instructions(world: DemoWorld, creds: str, data: str, url: str, default_port: bool, where: str) -> str:
    """What the demo made, and the lines that point each client at it. `where` is the operator
    CLI's option naming the database (`--data DIR`, or `--database-url URL` without password)."""
    lines = [
        f"annobatch demo: organization {world.org.name!r} (id {world.org.id}) in {data}",
        f"  credentials {creds} ({'new' if world.new_credentials else 'kept'}; client id "
        f"{world.credentials['clientId']})",
    ]
    for project, status, batches, types in world.projects:
        shown = ", ".join(f"{b} {s}" for b, s in batches) or "no batches yet"
        lines.append(f"  project {project:<12} {status:<8} {shown}  [types: {', '.join(types) or 'none'}]")
    sdk_host = "" if default_port else f', host="{url}"'
    annobatch, kognicutil = _script("annobatch"), _script("kognicutil")
    folder = str(Path(creds).parent)
    annotator_file, reviewer_file = f"{folder}/{ANNOTATOR_FILE}", f"{folder}/{REVIEWER_FILE}"
    lines += [
        f"  workforce of {WORK_PROJECT}: "
        + ", ".join(
            f"{role} {annotator_file if role == 'annotator' else reviewer_file} (user id {uid})"
            for role, uid, _ in world.workforce
        ),
    ]
    if world.review is not None:
        lines.append(
            f"  client review {world.review[0]}: accepted annotation {world.review[1]} "
            f"({WORK_SCENES[0]}, {WORK_BATCH})"
        )
    lines += [
        "",
        "The official client (pip install kognic-io==2.19.0 in an environment of its own: "
        "it ships a kognicutil too):",
        "",
        "    from kognic.io.client import KognicIOClient",
        f'    client = KognicIOClient(auth="{creds}", host="{url}", auth_host="{url}",',
        f'        workspace_api_host="{url}", order_execution_api_host="{url}",',
        f'        annotation_integration_api_host="{url}", project_management_api_host="{url}")',
        "    client.project.get_projects()",
        '    client.project.get_project_batches("highway")',
        f'    client.request.get_requests(project_id="{WORK_PROJECT}", include_input_progress_counts=True)',
        f'    for a in client.annotation.get_project_annotations("{WORK_PROJECT}", "{WORK_TYPE}"):',
        '        print(a.scene_uuid, a.annotation_type, len(a.content["openlabel"]["objects"]))',
        "",
        "The annobatch SDK:",
        "",
        f'    from annobatch import Client; client = Client(auth="{creds}"{sdk_host})',
        "    client.project.get_projects()",
        "",
        "kognicutil:",
        "",
        f"    export {CREDENTIALS_ENV}={creds} {HOST_ENV}={url}",
        f"    {kognicutil} projects",
        f"    {kognicutil} project highway --batches",
        "",
        "The operator CLI:",
        "",
        f"    {annobatch} {where} project list",
        f"    {annobatch} {where} batch list --org {world.org.name} highway",
        f"    {annobatch} {where} tasks list --org {world.org.name} --project {WORK_PROJECT}",
        f"    {annobatch} {where} tasks next --credentials {reviewer_file}",
        "",
        f"The dashboard: {url}/sign-in (the client id and secret of {creds}; the workforce's too)",
        f"Serving on {url}; Ctrl-C stops it.",
    ]
    return "\n".join(lines)


@click.command()
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@common_options
def demo(port: int) -> None:
    """Set up a demo organization with projects, batches, credentials and a workforce at work, then
    serve it."""
    e = env()
    host = "127.0.0.1"
    settings = prepare(e, False, host, port)
    path = e.data / CREDENTIALS_FILE
    world = asyncio.run(seed(settings.database_url, path, settings.data_dir))
    url = f"http://{host}:{port}"
    data = display_path(e.data)
    if e.database_url:
        where, location = f"--database-url {shown_url(e.database_url)}", shown_url(e.database_url)
    else:
        where, location = f"--data {data}", f"{data}/"
    click.echo(instructions(world, display_path(path), location, url, port == 8000, where))
    sys.stdout.flush()
    run_server(settings, host, port, 1)
