"""`annobatch annotations import`: deliver annotations made in another tool. A folder of OpenLABEL
files named `<scene external id>.<annotation type>.json` (every annotation type of the batch for
each scene) goes through the same validation, tasks and events as work done here; one bad scene is
reported and the rest go on."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import msgspec

from annobatch import domain
from annobatch.cli._tables import print_json
from annobatch.cli.operator.base import ORG_OPTION, common_options, env, info, print_table, run
from annobatch.services import Services
from annobatch.services.identity import Caller, operator


@dataclass(frozen=True)
class Row:
    """What became of one scene's files (or of one file that names no scene and type)."""

    scene: str
    files: list[str]
    ok: bool
    message: str
    annotation_ids: list[str] = field(default_factory=list)


def read_folder(folder: Path) -> dict[str, bytes]:
    """Every `*.json` file of `folder` (not its subfolders), by name."""
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.json")) if p.is_file()}


# (Not named `annotations`: that is the `from __future__` feature imported above.)
@click.group("annotations")
def annotations_group() -> None:
    """Annotations: OpenLABEL documents, one per input and annotation type."""


@annotations_group.command("import")
@ORG_OPTION
@click.argument("project_id", metavar="PROJECT")
@click.argument("batch_id", metavar="BATCH")
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--dry-run", is_flag=True, help="Check every file (names, JSON, OpenLABEL, inputs); deliver nothing."
)
@common_options
def annotations_import(org_ref: str, project_id: str, batch_id: str, folder: Path, dry_run: bool) -> None:
    """Deliver DIR's OpenLABEL files to BATCH: `<scene external id>.<annotation type>.json`, one for
    every annotation type of the batch per scene.

    Each scene's files are validated as a submission is and delivered as new versions of its
    input's annotations: the input's waiting task ends, the input is completed and the batch moves
    on (events as for work done here). A bad scene is reported and the others go on; the exit
    status is 1 if any failed."""
    files = read_folder(folder)
    if not files:
        raise click.UsageError(f"{folder} has no *.json files")

    async def work(ops: Services) -> list[Row]:
        o = await ops.accounts.find_organization(org_ref)
        caller = operator(o.id)
        if dry_run:
            return await _check(ops, caller, project_id, batch_id, files)
        outcomes = await ops.work.import_annotations(caller, project_id, batch_id, files)
        unnamed = {o.scene for o in outcomes if o.scene in files}  # files whose names name no scene
        return [_row(o, [n for n in sorted(files) if n not in unnamed]) for o in outcomes]

    rows = run(work, files=True)
    failed = sum(1 for r in rows if not r.ok)
    if env().as_json:
        print_json([
            {"scene": r.scene, "files": r.files, "status": _status(r, dry_run),
             **({"annotationIds": r.annotation_ids} if r.ok else {"error": r.message})}
            for r in rows
        ])  # fmt: skip
    else:
        table = [
            (
                r.scene,
                "\n".join(r.files),
                _status(r, dry_run),
                ", ".join(r.annotation_ids) if r.ok else r.message,
            )
            for r in rows
        ]
        print_table(["scene", "files", "status", "annotations / error"], table)
    verb = "checked" if dry_run else "delivered"
    info(
        f"{len(rows) - failed} of {len(rows)} scene(s) {verb}, {failed} failed"
        + (" (dry run: nothing delivered)" if dry_run else "")
    )
    if failed:
        raise SystemExit(1)


def _status(r: Row, dry_run: bool) -> str:
    return ("checked" if dry_run else "delivered") if r.ok else "failed"


def _row(o: Any, named: list[str]) -> Row:
    """An outcome of the import: a scene's, with its files (`named`: the files that name a scene and
    a type), or a file's whose name names none."""
    if o.ok:
        names = [f"{o.scene}.{t}.json" for t in sorted(o.annotation_types)]
    else:
        names = [n for n in named if n.startswith(o.scene + ".")] or [o.scene]
    return Row(o.scene, names, o.ok, o.message, list(o.annotation_ids))


async def _check(
    ops: Services, caller: Caller, project: str, batch: str, files: dict[str, bytes]
) -> list[Row]:
    """What the import would say, without delivering: the same rules on the names, the documents,
    the batch's annotation types and taxonomy, and that the batch has an input of each scene."""
    from annobatch.services.annotation_import import IMPORTABLE, split_name

    view = await ops.batches.get_batch(caller, project, batch)
    if domain.BatchStatus(view.batch.status) not in IMPORTABLE:
        raise domain.Conflict(
            f"batch {batch} of project {project} is {view.batch.status}: "
            "publish it before importing annotations",
            "batch-not-published",
        )
    types = list(view.annotation_types)
    taxonomy = await ops.workforce.classes(caller, project)
    rows: list[Row] = []
    groups: dict[str, dict[str, bytes]] = {}
    for name in sorted(files):
        split = split_name(name, types)
        if split is None:
            why = f"not named <scene external id>.<type>.json, type one of {', '.join(types)}"
            rows.append(Row(name, [name], False, why))
            continue
        groups.setdefault(split[0], {})[split[1]] = files[name]
    for scene, raw in sorted(groups.items()):
        names = [f"{scene}.{t}.json" for t in sorted(raw)]
        try:
            documents = {}
            for atype, data in raw.items():
                try:
                    documents[atype] = msgspec.json.decode(data)
                except msgspec.DecodeError as e:
                    raise domain.InvalidInput(
                        f"{scene}.{atype}.json is not JSON: {e}", "invalid-json"
                    ) from None
            domain.require_annotation_types(types, list(documents))
            for atype in types:
                domain.validate_openlabel(atype, documents[atype])
                domain.require_taxonomy(atype, documents[atype], taxonomy.get(atype))
            found, _ = await ops.inputs.query_inputs(
                caller, project=project, batch=batch, external_ids=[scene], limit=2
            )
            if len(found) != 1:
                many = "several inputs" if found else "no input"
                raise domain.InvalidInput(f"batch {batch} has {many} of a scene {scene}", "input-not-found")
            rows.append(Row(scene, names, True, "would be delivered"))
        except domain.DomainError as e:
            rows.append(Row(scene, names, False, e.message))
    return rows
