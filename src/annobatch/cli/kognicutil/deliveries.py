"""Getting the work back: `annotations download`, `requests` (a project's requests and how far each
has come) and `review` (accept or reject a delivered annotation)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import msgspec

from annobatch import APIError, Client, DownloadResult
from annobatch.cli.kognicutil._base import api_call, cli, common_options, options
from annobatch.model.review.review import AddFeedbackItem, ReviewRequest, ReviewWorkflowEnum

REQUEST_COLUMNS = (
    "request",
    "title",
    "created",
    "not started",
    "in progress",
    "completed",
    "total",
    "progress",
)
DOWNLOAD_COLUMNS = ("scene_uuid", "scene", "status", "file", "error")


@cli.group("annotations")
@common_options
def annotations_group() -> None:
    """Delivered annotations.

    \b
    Example:
      kognicutil annotations download --project crossings --annotation-type object-detection --to out
    """


@annotations_group.command("download")
@click.argument("positional", nargs=-1, metavar="[PROJECT TYPE]")
@click.option("--project", help="The project whose annotations to download.")
@click.option("--annotation-type", help="The annotation type (object-detection …).")
@click.option("--batch", help="Only this batch's annotations.")
@click.option(
    "--to",
    "to",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write <scene uuid>.json files to (made if missing).",
)
@click.option(
    "--workers", type=click.IntRange(1, 64), default=8, show_default=True, help="Downloads at once."
)
@common_options
@api_call
def download(
    positional: tuple[str, ...],
    project: str | None,
    annotation_type: str | None,
    batch: str | None,
    to: Path,
    workers: int,
) -> None:
    """Download the current delivered annotations of one type, one OpenLABEL file per scene.

    Name the project and type with --project and --annotation-type, or as PROJECT TYPE.

    A second run skips the files it already wrote for the same delivery; one failed download does
    not stop the others (exit status 1 when any failed).

    \b
    Examples:
      kognicutil annotations download --project crossings --annotation-type object-detection --to out
      kognicutil annotations download --project crossings --annotation-type object-detection \\
          --batch 2024-w10 --to out/2024-w10 --workers 16
      kognicutil annotations download crossings object-detection --to out
    """
    project, annotation_type = _project_and_type(positional, project, annotation_type)
    opts = options()
    with opts.client() as client:
        results = client.annotation.download(project, annotation_type, batch, to=to, workers=workers)
        names = _scene_names(client, project) if results else {}
        if not results:
            _require_type(client, project, annotation_type)
    if opts.as_json:
        opts.renderer().json([_result(r) for r in results])
    else:
        _print_downloads(results, names, to)
    failed = [r for r in results if r.status == "failed"]
    for r in failed:
        click.echo(f"failed: {r.scene_uuid}: {r.error}", err=True)
    if failed:
        raise SystemExit(1)


def _project_and_type(positional: tuple[str, ...], project: str | None, kind: str | None) -> tuple[str, str]:
    if (positional and (project or kind)) or len(positional) not in (0, 2):
        raise click.UsageError("name the project and type either as PROJECT TYPE or with the options")
    if positional:
        project, kind = positional
    if not project or not kind:
        raise click.UsageError("give --project P and --annotation-type T")
    return project, kind


def _print_downloads(results: list[DownloadResult], names: dict[str, str], to: Path) -> None:
    """A row per file, by scene name, and a line of counts."""
    rows = sorted(
        ((r.scene_uuid, names.get(r.scene_uuid), r.status, str(r.path), r.error) for r in results),
        key=lambda row: (row[1] or "", row[0]),
    )
    options().renderer().table("ANNOTATIONS", DOWNLOAD_COLUMNS, rows)
    counts = {s: sum(r.status == s for r in results) for s in ("written", "skipped", "failed")}
    click.echo(", ".join(f"{n} {s}" for s, n in counts.items()) + f" in {to}")


def _require_type(client: Client, project: str, annotation_type: str) -> None:
    """Nothing delivered may mean a misspelt type: say so rather than write nothing quietly."""
    types = client.project.get_annotation_types(project)
    if annotation_type not in types:
        known = ", ".join(types) or "none"
        raise click.ClickException(f"project {project} has no annotation type {annotation_type} ({known})")


def _result(r: DownloadResult) -> dict[str, Any]:
    return {"sceneUuid": r.scene_uuid, "status": r.status, "file": str(r.path), "error": r.error}


@cli.command()
@click.argument("project")
@click.option("--inputs", "per_input", is_flag=True, help="List each request's inputs too.")
@common_options
@api_call
def requests(project: str, per_input: bool) -> None:
    """A project's requests (one per batch) and how far each has come, inputs per work status.

    PROJECT is the project's id (or its uuid). With --inputs, each input too: its scene, its work
    status, where it is in the workflow and its delivered annotation (the id `review` takes).

    \b
    Examples:
      kognicutil requests crossings
      kognicutil requests crossings --inputs
    """
    opts = options()
    with opts.client() as client:
        found = client.request.get_requests(project_id=project, include_input_progress_counts=True)
        inputs = [
            (r, i) for r in found if per_input for i in client.input.get_request_inputs(request_id=r.id)
        ]
        names = _scene_names(client, project) if per_input else {}
    if opts.as_json:
        opts.renderer().json({"requests": found, "inputs": [i for _, i in inputs]} if per_input else found)
        return
    rows = []
    for r in found:
        c = r.input_progress_counts
        counts = (c.not_started, c.in_progress, c.completed, c.total) if c else (None,) * 4
        rows.append((r.id, r.title, r.created_at, *counts, progress_bar(c.completed, c.total) if c else ""))
    opts.renderer().table("REQUESTS", REQUEST_COLUMNS, rows)
    if per_input:
        opts.renderer().table("INPUTS", INPUT_COLUMNS, [_input_row(r, i, names) for r, i in inputs])


INPUT_COLUMNS = ("scene", "request", "status", "stage", "delivered annotation")


def _input_row(request: Any, i: Any, names: dict[str, str]) -> tuple[Any, ...]:
    stage = i.progress_details.current_workflow_stage.name if i.progress_details else ""
    return (names.get(i.scene_id, i.scene_id), request.title, i.status, stage, i.last_completed_annotation_id)


def _scene_names(client: Client, project: str) -> dict[str, str]:
    """scene uuid → external id, for the project's inputs (empty when PROJECT is its uuid)."""
    try:
        entries = client.input.get_inputs(project)
    except APIError:
        return {}
    return {getattr(e, "scene_uuid", None) or e.internal_id: e.external_id for e in entries}


def progress_bar(done: int, total: int, width: int = 10) -> str:
    """`███████░░░ 70%`: how many of `total` inputs are done."""
    if total <= 0:
        return "no inputs"
    filled = done * width // total
    return "█" * filled + "░" * (width - filled) + f" {done * 100 // total}%"


@cli.command()
@click.argument("annotation")
@click.option("--accept", "verdict", flag_value="accept", help="Accept the annotation.")
@click.option("--reject", "verdict", flag_value="reject", help="Reject it (needs --feedback).")
@click.option(
    "--feedback",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="With --reject: a JSON list of feedback items (errorTypeId, description, objectId, frameId …).",
)
@click.option(
    "--workflow",
    type=click.Choice([w.value for w in ReviewWorkflowEnum]),
    default=ReviewWorkflowEnum.CORRECT.value,
    show_default=True,
    help="With --reject: a correction only, or a correction and another review.",
)
@common_options
@api_call
def review(annotation: str, verdict: str | None, feedback: Path | None, workflow: str) -> None:
    """Accept or reject a delivered annotation (its id, the OpenLABEL uuid).

    A rejection sends the input back to the workforce for correction, with the feedback items.

    \b
    Examples:
      kognicutil review 57d9cae2-8f1e-42c9-92ce-6e3719dd82b9 --accept
      kognicutil review 57d9cae2-8f1e-42c9-92ce-6e3719dd82b9 --reject --feedback feedback.json
    \b
    feedback.json:
      [{"errorTypeId": "missing-object", "description": "the cyclist has no box", "frameId": "0"}]
    """
    if verdict is None:
        raise click.UsageError("give --accept, or --reject --feedback FILE")
    if verdict == "accept" and feedback is not None:
        raise click.UsageError("--feedback goes with --reject")
    if verdict == "reject" and feedback is None:
        raise click.UsageError("--reject needs --feedback FILE (a JSON list of feedback items)")
    body = (
        ReviewRequest(accepted=True)
        if verdict == "accept"
        else ReviewRequest(
            accepted=False, feedback_items=read_feedback(feedback), workflow=ReviewWorkflowEnum(workflow)
        )
    )
    opts = options()
    with opts.client() as client:
        made = client.review.create_review(annotation, body)
    if opts.as_json:
        opts.renderer().json(made)
    elif verdict == "accept":
        click.echo(f"annotation {annotation} accepted (review {made.created_review_id})")
    else:
        n = len(body.feedback_items or [])
        click.echo(
            f"annotation {annotation} rejected with {n} feedback item(s) (review {made.created_review_id})"
        )


def read_feedback(path: Path | None) -> list[AddFeedbackItem]:
    """The feedback file: a JSON list of items, camelCase as on the wire; a file that does not fit
    is a usage error naming the place (`$[1].errorTypeId`)."""
    assert path is not None
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
        found = msgspec.convert(items, list[AddFeedbackItem])
    except json.JSONDecodeError as e:
        raise click.BadParameter(
            f"{path}: not JSON: {e.msg} (line {e.lineno})", param_hint="--feedback"
        ) from None
    except msgspec.ValidationError as e:
        raise click.BadParameter(f"{path}: {e}".replace("`", ""), param_hint="--feedback") from None
    if not found:
        raise click.BadParameter(
            f"{path}: a rejection needs at least one feedback item", param_hint="--feedback"
        )
    return found
