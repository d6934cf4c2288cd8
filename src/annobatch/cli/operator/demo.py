"""`annobatch demo`: a data directory with a demo organization, its projects and batches and a
credentials file, then a server, and the lines that point the clients at it.

Re-running it reuses what exists: the organization, projects and batches are created only when
missing, and the credentials file is kept while it still works."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from annobatch import CREDENTIALS_ENV, HOST_ENV
from annobatch.cli.operator.base import common_options, connect, env, shown_url
from annobatch.cli.operator.org import credentials_document, write_credentials
from annobatch.cli.operator.serve import prepare, run_server
from annobatch.domain import BatchAction, NotFound
from annobatch.services import Services
from annobatch.services.identity import operator
from annobatch.storage.database import open_database
from annobatch.storage.records import OrganizationRecord

DEMO_ORG = "demo"
CREDENTIALS_FILE = "demo-credentials.json"


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


async def _usable_credentials(ops: Services, org: int, path: Path) -> dict[str, Any] | None:
    """The credentials file's contents when it still gets a token for the demo organization."""
    try:
        doc = json.loads(path.read_text())
        client_id, secret = str(doc["clientId"]), str(doc["clientSecret"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    rec = await ops.accounts.usable_credential(client_id, secret)
    usable = rec is not None and rec.organization_id == org
    return doc if usable else None


async def _demo_credentials(ops: Services, org: int, path: Path) -> tuple[dict[str, Any], bool]:
    doc = await _usable_credentials(ops, org, path)
    if doc is not None:
        return doc, False
    new = await ops.accounts.create_credential(
        org, workspace=None, staff=False, email="developer@demo.annobatch.local"
    )
    doc = credentials_document(new)
    write_credentials(path, doc)
    return doc, True


@dataclass(frozen=True)
class DemoWorld:
    org: OrganizationRecord
    credentials: dict[str, Any]
    new_credentials: bool
    projects: list[tuple[str, str, list[tuple[str, str]], list[str]]]


async def seed(url: str, credentials_path: Path) -> DemoWorld:
    """Create what is missing of the demo organization, its projects, batches and credentials."""
    db = open_database(url)
    await connect(db, url)
    try:
        ops = Services.over(db)
        org = await _demo_org(ops)
        for spec in DEMO_PROJECTS:
            await _demo_project(ops, org.id, spec)
        doc, new = await _demo_credentials(ops, org.id, credentials_path)
        caller = operator(org.id)
        projects = []
        for p in await ops.projects.list_projects(caller):
            batches = [
                (b.external_id, b.status) for b in await ops.batches.list_batches(caller, p.external_id)
            ]
            types = await ops.projects.project_annotation_types(caller, p.external_id)
            projects.append((p.external_id, p.status, batches, types))
        return DemoWorld(org, doc, new, projects)
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
    lines += [
        "",
        "The official client (pip install kognic-io==2.19.0 in an environment of its own: "
        "it ships a kognicutil too):",
        "",
        "    from kognic.io.client import KognicIOClient",
        f'    client = KognicIOClient(auth="{creds}", host="{url}", auth_host="{url}", '
        f'workspace_api_host="{url}")',
        "    client.project.get_projects()",
        '    client.project.get_project_batches("highway")',
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
        "",
        f"Serving on {url}; Ctrl-C stops it.",
    ]
    return "\n".join(lines)


@click.command()
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@common_options
def demo(port: int) -> None:
    """Set up a demo organization with projects, batches and credentials, then serve it."""
    e = env()
    host = "127.0.0.1"
    settings = prepare(e, False, host, port)
    path = e.data / CREDENTIALS_FILE
    world = asyncio.run(seed(settings.database_url, path))
    url = f"http://{host}:{port}"
    data = display_path(e.data)
    if e.database_url:
        where, location = f"--database-url {shown_url(e.database_url)}", shown_url(e.database_url)
    else:
        where, location = f"--data {data}", f"{data}/"
    click.echo(instructions(world, display_path(path), location, url, port == 8000, where))
    sys.stdout.flush()
    run_server(settings, host, port, 1)
