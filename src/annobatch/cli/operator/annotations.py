"""`annobatch annotations import`: deliver annotations made in another tool. A folder of OpenLABEL
files named `<scene external id>.<annotation type>.json` goes through the same validation, tasks and
events as work done here; one bad file is reported and the rest go on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from annobatch.cli._tables import print_json
from annobatch.cli.operator.base import ORG_OPTION, common_options, env, info, print_table, run
from annobatch.services import Services
from annobatch.services.identity import operator


@dataclass(frozen=True)
class Found:
    """One file of the folder, read: its scene and type from its name, its document (or why not)."""

    name: str
    scene: str
    annotation_type: str
    document: dict[str, Any] | None
    problem: str | None = None


def read_folder(folder: Path) -> list[Found]:
    """Every `*.json` file of `folder` (not its subfolders), by name."""
    found = []
    for path in sorted(folder.glob("*.json")):
        if not path.is_file():
            continue
        scene, _, annotation_type = path.name.removesuffix(".json").rpartition(".")
        if not scene or not annotation_type:
            found.append(
                Found(path.name, "", "", None, "not named <scene external id>.<annotation type>.json")
            )
            continue
        try:
            doc = json.loads(path.read_bytes())
        except (OSError, ValueError) as e:
            found.append(Found(path.name, scene, annotation_type, None, f"not JSON: {e}"))
            continue
        if not isinstance(doc, dict):
            found.append(Found(path.name, scene, annotation_type, None, "not a JSON object"))
            continue
        found.append(Found(path.name, scene, annotation_type, doc))
    return found


# (Not named `annotations`: that is the `from __future__` feature imported above.)
@click.group("annotations")
def annotations_group() -> None:
    """Annotations: OpenLABEL documents, one per input and annotation type."""


@annotations_group.command("import")
@ORG_OPTION
@click.argument("project_id", metavar="PROJECT")
@click.argument("batch_id", metavar="BATCH")
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every file, deliver nothing.")
@common_options
def annotations_import(org_ref: str, project_id: str, batch_id: str, folder: Path, dry_run: bool) -> None:
    """Deliver DIR's OpenLABEL files, named `<scene external id>.<annotation type>.json`, to BATCH.

    Each file is validated as a submission is, and delivered as a new version of its input's
    annotation (open tasks of the input end; the input and the batch move on as after a review).
    A bad file is reported and the others go on; the exit status is 1 if any failed."""
    files = read_folder(folder)
    if not files:
        raise click.UsageError(f"{folder} has no *.json files")
    good = [f for f in files if f.document is not None]

    async def work(ops: Services) -> list[Any]:
        o = await ops.accounts.find_organization(org_ref)
        if not good:
            return []
        batch = [(f.scene, f.annotation_type, f.document) for f in good]
        return list(
            await ops.work.import_annotations(operator(o.id), project_id, batch_id, batch, dry_run=dry_run)
        )

    outcomes = iter(run(work, files=True))
    rows: list[tuple[str, str, str, str, str]] = []
    for f in files:
        if f.document is None:
            rows.append((f.name, f.scene, f.annotation_type, "failed", f.problem or ""))
            continue
        o = next(outcomes)
        if o.error is None:
            rows.append(
                (
                    f.name,
                    f.scene,
                    f.annotation_type,
                    "checked" if dry_run else "delivered",
                    o.annotation_id or "",
                )
            )
        else:
            rows.append((f.name, f.scene, f.annotation_type, "failed", o.error))
    failed = sum(1 for r in rows if r[3] == "failed")
    if env().as_json:
        print_json([
            {"file": n, "scene": s, "annotationType": t, "status": st,
             **({"error": d} if st == "failed" else {"annotationId": d or None})}
            for n, s, t, st, d in rows
        ])  # fmt: skip
    else:
        print_table(["file", "scene", "annotation type", "status", "annotation / error"], rows)
    done = "checked" if dry_run else "delivered"
    info(
        f"{len(rows) - failed} of {len(rows)} file(s) {done}, {failed} failed"
        + (" (dry run)" if dry_run else "")
    )
    if failed:
        raise SystemExit(1)
