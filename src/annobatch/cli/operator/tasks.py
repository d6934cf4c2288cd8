"""`annobatch tasks`: the work on inputs, from a terminal. `tasks list` is the operator's view (staff,
for one organization or all); `next`, `submit`, `review` and `give-up` act as a workforce member,
with the credentials file `annobatch workforce add` wrote: what any annotation tool does through
the workforce API, without a server."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from annobatch.cli._tables import print_json
from annobatch.cli.operator.base import OperatorError, common_options, env, info, iso, print_table, run, when
from annobatch.domain import Role
from annobatch.domain.tasks import TaskStatus
from annobatch.domain.workflow import TaskKind
from annobatch.services import Services
from annobatch.services.identity import Caller, operator
from annobatch.services.task_queue import MAX_TASK_PAGE
from annobatch.services.transactions import Write, reading
from annobatch.storage.records import InputRow, OrganizationRecord, TaskRecord
from annobatch.storage.scope import Scope

T = TypeVar("T")

CREDENTIALS_OPTION = click.option(
    "--credentials", "credentials_file", required=True, metavar="FILE",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The workforce member's credentials file (`annobatch workforce add --out FILE`).",
)  # fmt: skip
DRY_RUN = click.option("--dry-run", is_flag=True, help="Check everything, change nothing.")
DRY_RUN_NOTE = " (dry run: nothing changed)"


def read_credentials(path: Path) -> tuple[str, str]:
    try:
        doc = json.loads(path.read_text())
        return str(doc["clientId"]), str(doc["clientSecret"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise OperatorError(f"{path} is not a credentials file (clientId, clientSecret): {e}") from None


async def caller_of(ops: Services, path: Path) -> Caller:
    """Who the credentials file names, checked against the database as the token endpoint checks
    it: the secret matches, the credential is neither revoked nor expired."""
    client_id, secret = read_credentials(path)
    rec = await ops.accounts.usable_credential(client_id, secret)
    if rec is None:
        raise OperatorError(
            f"the credential in {path} is unknown, revoked or expired (or its secret is wrong)"
        )
    return Caller(
        rec.client_id, rec.organization_id, rec.organization_id, Role(rec.role), rec.workspace_id,
        rec.email, user_id=rec.user_id,
    )  # fmt: skip


def as_member(path: Path, work: Callable[[Services, Caller], Awaitable[T]]) -> T:
    async def go(ops: Services) -> T:
        return await work(ops, await caller_of(ops, path))

    return run(go, files=True)


# ------------------------------------------------------------------------------------ output


def task_json(t: Any) -> dict[str, Any]:
    return {
        "id": t.id,
        "kind": t.kind,
        "phase": t.phase,
        "status": t.status,
        "inputId": t.input_id,
        "assignee": t.assignee,
        "holder": t.holder,
        "touched": None if t.touched is None else iso(t.touched),
        "created": iso(t.created),
        "finished": None if t.finished is None else iso(t.finished),
    }


def detail_json(d: Any) -> dict[str, Any]:
    return {
        **task_json(d.task),
        "project": d.project,
        "batch": d.batch,
        "scene": {"id": d.scene.id, "externalId": d.scene.external_id, "type": d.scene.scene_type},
        "annotationTypes": list(d.annotation_types),
        "classes": {k: list(v) for k, v in (d.classes or {}).items()},
        "files": [r.resource_id for r in d.resources],
        "versions": {t: v.id for t, v in d.versions.items()},
        "review": None if d.review is None else {"id": d.review.id, "feedback": _feedback(d.review)},
    }


def _feedback(review: Any) -> list[Any]:
    items = review.feedback
    return json.loads(items) if isinstance(items, str) else list(items)


def show_detail(d: Any, verb: str, credentials: Path) -> None:
    if env().as_json:
        print_json(detail_json(d))
        return
    t = d.task
    click.echo(t.id)
    info(
        f"{verb} {t.kind} task {t.id} ({t.status}): project {d.project}, batch {d.batch}, "
        f"scene {d.scene.external_id} (input {t.input_id})"
    )
    for annotation_type in d.annotation_types:
        classes = (d.classes or {}).get(annotation_type) or []
        info(f"  {annotation_type}: classes {', '.join(classes) if classes else 'any'}")
    if d.review is not None:
        info(f"  review {d.review.id} asks for corrections: {json.dumps(_feedback(d.review))}")
    for annotation_type, version in sorted(d.versions.items()):
        info(f"  latest {annotation_type}: version {version.id}")
    if t.kind == TaskKind.REVIEW.value:
        info(
            f"  then: annobatch tasks review {t.id} --credentials {credentials} "
            "--accept (or --reject --feedback FILE)"
        )
    else:
        types = " ".join(f"--type {a} FILE" for a in d.annotation_types)
        info(f"  then: annobatch tasks submit {t.id} --credentials {credentials} {types}")


# ------------------------------------------------------------------------------------ commands


@click.group()
def tasks() -> None:
    """Tasks: annotate, review and correct, one input at a time (todo -> ongoing -> done)."""


@tasks.command("list")
@click.option("--org", "org_ref", metavar="ORG", help="Organization id or name (default: all).")
@click.option("--project", "project_id", metavar="PROJECT", help="Only this project's tasks.")
@click.option("--batch", "batch_id", metavar="BATCH", help="Only this batch's tasks (with --project).")
@click.option("--status", type=click.Choice([s.value for s in TaskStatus]), help="Only tasks in this status.")
@click.option("--kind", type=click.Choice([k.value for k in TaskKind]), help="Only tasks of this kind.")
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(1), help="At most this many.")
@common_options
def tasks_list(
    org_ref: str | None,
    project_id: str | None,
    batch_id: str | None,
    status: str | None,
    kind: str | None,
    limit: int,
) -> None:
    """List tasks, oldest first, of one organization or of all."""
    if batch_id is not None and project_id is None:
        raise click.UsageError("--batch needs --project")

    async def work(ops: Services) -> tuple[list[tuple[OrganizationRecord, Any]], dict[str, InputRow]]:
        orgs = (
            [await ops.accounts.find_organization(org_ref)]
            if org_ref
            else await ops.accounts.list_organizations()
        )
        found: list[tuple[OrganizationRecord, Any]] = []
        for o in orgs:
            if project_id is not None and org_ref is None:
                names = {p.external_id for p in await ops.projects.list_projects(operator(o.id))}
                if project_id not in names:
                    continue
            rows = await _all_tasks(
                ops, operator(o.id), project_id, batch_id, status, kind, limit - len(found)
            )
            found += [(o, t) for t in rows]
            if len(found) >= limit:
                break
        return found, await _inputs(ops, found)

    found, inputs = run(work)
    if env().as_json:
        print_json([
            {**task_json(t), **_where(inputs.get(t.input_id)), "organization": {"id": o.id, "name": o.name}}
            for o, t in found
        ])  # fmt: skip
        return
    rows = []
    for o, t in found:
        i = inputs.get(t.input_id)
        rows.append((
            o.name, i.project if i else "", i.batch if i else "", i.scene_external_id if i else t.input_id,
            t.id, t.kind, t.phase, t.status, t.assignee, t.holder, when(t.created),
        ))  # fmt: skip
    cols = [
        "organization", "project", "batch", "scene", "id", "kind", "phase", "status", "assignee", "holder",
        "created",
    ]  # fmt: skip
    print_table(cols, rows)


def _where(i: InputRow | None) -> dict[str, Any]:
    if i is None:
        return {}
    return {
        "project": i.project,
        "batch": i.batch,
        "scene": {"id": i.scene_id, "externalId": i.scene_external_id},
    }


async def _inputs(ops: Services, found: list[tuple[OrganizationRecord, Any]]) -> dict[str, InputRow]:
    """The listed tasks' inputs with their project, batch and scene, a page of ids at a time."""
    by_org: dict[int, list[str]] = {}
    for o, t in found:
        by_org.setdefault(o.id, []).append(t.input_id)
    out: dict[str, InputRow] = {}
    async with reading(ops.db) as uow:
        for org, ids in by_org.items():
            unique = list(dict.fromkeys(ids))
            for at in range(0, len(unique), 500):
                for row in await uow.inputs.rows(Scope(org), unique[at : at + 500]):
                    out[row.id] = row
    return out


async def _all_tasks(
    ops: Services,
    caller: Caller,
    project: str | None,
    batch: str | None,
    status: str | None,
    kind: str | None,
    limit: int,
) -> list[TaskRecord]:
    """Up to `limit` of the caller's organization's tasks, oldest first, page after page."""
    out: list[TaskRecord] = []
    after = None
    while len(out) < limit:
        want = min(MAX_TASK_PAGE, limit - len(out))
        page = await ops.work.list_tasks(
            caller, project=project, batch=batch, status=status, kind=kind, after=after, limit=want
        )
        out += page
        if len(page) < want:
            break
        after = page[-1].id
    return out


@tasks.command("next")
@CREDENTIALS_OPTION
@click.option("--project", "project_id", metavar="PROJECT", help="Only this project's tasks.")
@click.option("--kind", type=click.Choice([k.value for k in TaskKind]), help="Only tasks of this kind.")
@DRY_RUN
@common_options
def tasks_next(credentials_file: Path, project_id: str | None, kind: str | None, dry_run: bool) -> None:
    """Claim the next task the credential may do (its own assignments first, oldest input first)."""
    detail = as_member(
        credentials_file,
        lambda ops, caller: ops.work.claim(
            caller, project=project_id, kind=kind, write=Write(dry_run=dry_run)
        ),
    )
    show_detail(detail, "would claim" if dry_run else "claimed", credentials_file)


@tasks.command("show")
@click.argument("task_id", metavar="TASK")
@CREDENTIALS_OPTION
@common_options
def tasks_show(task_id: str, credentials_file: Path) -> None:
    """Show TASK as the credential sees it."""
    detail = as_member(credentials_file, lambda ops, caller: ops.work.task(caller, task_id))
    show_detail(detail, "task", credentials_file)


def read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise OperatorError(f"{what} {path} is not JSON: {e}") from None


@tasks.command("submit")
@click.argument("task_id", metavar="TASK")
@CREDENTIALS_OPTION
@click.option("--type", "types", multiple=True, required=True, metavar="T",
              help="An annotation type; once per FILE, in the same order.")  # fmt: skip
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path)
)
@DRY_RUN
@common_options
def tasks_submit(
    task_id: str, credentials_file: Path, types: Sequence[str], files: Sequence[Path], dry_run: bool
) -> None:
    """Submit TASK: one OpenLABEL FILE per annotation type of its batch (`--type T` for each, in
    order). Every document is validated; an invalid one changes nothing."""
    if len(types) != len(files):
        raise click.UsageError(
            f"{len(types)} --type for {len(files)} FILE: give one --type per file, in order"
        )
    if len(set(types)) != len(types):
        raise click.UsageError("each --type once")
    documents = {t: read_json(f, "OpenLABEL file") for t, f in zip(types, files, strict=True)}

    async def work(ops: Services, caller: Caller) -> list[Any]:
        return list(await ops.work.submit(caller, task_id, documents, write=Write(dry_run=dry_run)))

    versions = as_member(credentials_file, work)
    if env().as_json:
        print_json({"task": task_id, "annotations": [_version_json(v) for v in versions], "dryRun": dry_run})
        return
    shown = ", ".join(f"{v.annotation_type} {v.id}" for v in versions)
    click.echo(
        f"task {task_id} {'checked' if dry_run else 'submitted'}: {shown}" + (DRY_RUN_NOTE if dry_run else "")
    )


def _version_json(v: Any) -> dict[str, Any]:
    return {
        "id": v.id,
        "annotationType": v.annotation_type,
        "inputId": v.input_id,
        "delivered": None if v.delivered is None else iso(v.delivered),
        "preliminary": v.preliminary,
    }


@tasks.command("review")
@click.argument("task_id", metavar="TASK")
@CREDENTIALS_OPTION
@click.option("--accept", "accepted", flag_value=True, default=None, help="Accept the annotation.")
@click.option(
    "--reject", "accepted", flag_value=False, help="Reject it (with --feedback): a correct task follows."
)
@click.option("--feedback", "feedback_file", metavar="FILE",
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help='JSON: a list of feedback items, each {"errorTypeId": "missing-object", '
                   '"description": …} and optionally objectId, frameId, sensorId, pin.')  # fmt: skip
@DRY_RUN
@common_options
def tasks_review(
    task_id: str, credentials_file: Path, accepted: bool | None, feedback_file: Path | None, dry_run: bool
) -> None:
    """Finish review TASK: --accept, or --reject --feedback FILE."""
    if accepted is None:
        raise click.UsageError("give --accept or --reject")
    if not accepted and feedback_file is None:
        raise click.UsageError("--reject needs --feedback FILE")
    feedback: list[dict[str, Any]] = []
    if feedback_file is not None:
        raw = read_json(feedback_file, "feedback file")
        raw = raw.get("feedback", raw) if isinstance(raw, dict) else raw
        if not isinstance(raw, list) or not all(isinstance(i, dict) for i in raw):
            raise OperatorError(f"feedback file {feedback_file} is not a list of feedback items")
        feedback = raw

    review = as_member(
        credentials_file,
        lambda ops, caller: ops.work.review(
            caller, task_id, accepted, feedback, write=Write(dry_run=dry_run)
        ),
    )
    if env().as_json:
        print_json({
            "task": task_id, "review": review.id, "accepted": accepted, "feedback": feedback,
            "dryRun": dry_run,
        })  # fmt: skip
        return
    verdict = "accepted" if accepted else f"rejected with {len(feedback)} feedback item(s)"
    click.echo(f"task {task_id} {verdict} (review {review.id})" + (DRY_RUN_NOTE if dry_run else ""))


@tasks.command("give-up")
@click.argument("task_id", metavar="TASK")
@CREDENTIALS_OPTION
@DRY_RUN
@common_options
def tasks_give_up(task_id: str, credentials_file: Path, dry_run: bool) -> None:
    """Give TASK back: it returns to todo for anyone (its assignee first) to claim."""
    as_member(
        credentials_file, lambda ops, caller: ops.work.give_up(caller, task_id, write=Write(dry_run=dry_run))
    )
    if env().as_json:
        print_json({"task": task_id, "status": TaskStatus.TODO.value, "dryRun": dry_run})
        return
    click.echo(f"task {task_id} given up: todo again" + (DRY_RUN_NOTE if dry_run else ""))
