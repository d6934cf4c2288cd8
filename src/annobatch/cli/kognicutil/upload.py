"""`kognicutil upload`: the scenes of a folder, as its manifest describes them (docs/manifest.md).

The manifest is checked whole before anything is sent (a problem: one line naming the place,
exit status 2). Then the calibrations the scenes name are found or created, and the scenes go
through `client.create_scenes`, several at once: each scene is created whole or not at all, one
refused scene does not stop the others, and a scene already on the server (same external id) is
skipped, so running the command again finishes what an interrupted run left.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import msgspec

from annobatch import Client
from annobatch.cli.kognicutil import manifest as mf
from annobatch.cli.kognicutil._base import api_call, cli, common_options, options
from annobatch.cli.kognicutil.scenes import sdk_calibration, sdk_scene
from annobatch.model.scene import MissingFileError

SUMMARY_COLUMNS = ("scene", "type", "frames", "files", "status", "scene_uuid", "message")


class ManifestInvalid(click.ClickException):
    """A manifest that does not validate: a usage problem (exit status 2), one line."""

    exit_code = 2


@dataclass
class Outcome:
    """What became of one scene of the manifest."""

    scene: mf.Scene
    status: str  # created, skipped, failed, checked
    scene_uuid: str | None = None
    message: str | None = None


@cli.command()
@click.argument("source", metavar="FOLDER|MANIFEST", type=click.Path(exists=True, path_type=Path))
@click.option("--project", required=True, help="The project the scenes become inputs of.")
@click.option("--batch", help="The batch [default: the project's open batch].")
@click.option(
    "--dry-run", is_flag=True, help="Check the manifest here and each scene on the server; upload nothing."
)
@click.option(
    "--workers", type=click.IntRange(1, 32), default=4, show_default=True, help="Scenes uploaded at once."
)
@common_options
@api_call
def upload(source: Path, project: str, batch: str | None, dry_run: bool, workers: int) -> None:
    """Upload the scenes of a folder described by a manifest (manifest.yaml, .yml or .json).

    Paths in the manifest are relative to it; the format is in docs/manifest.md. Scenes already
    on the server (same external id) are skipped. Exit status: 0 when every scene was created (or
    checked), 1 when any failed (each failure is one line on stderr), 2 when the manifest does
    not validate (nothing is sent).

    \b
    Examples:
      kognicutil upload examples/upload --project highway --dry-run
      kognicutil upload examples/upload --project highway --batch 2024-w03 --workers 8
      kognicutil upload drives/manifest.json --project highway
    """
    path, manifest = _load(source)
    calibrations = _sdk_calibrations(path, manifest)
    opts = options()
    with opts.client() as client:
        client.project.get_project(project)  # an unknown project: one line, not one per scene
        ids = _calibration_ids(client, calibrations, dry_run)
        outcomes = list(_upload(client, manifest, path.parent, ids, project, batch, workers, dry_run))
    outcomes.sort(key=lambda o: manifest.scenes.index(o.scene))
    _report(outcomes, dry_run)


def _load(source: Path) -> tuple[Path, mf.Manifest]:
    try:
        path = mf.find_manifest(source)
        return path, mf.load_manifest(path)
    except mf.ManifestError as e:
        raise ManifestInvalid(str(e)) from None


def _sdk_calibrations(path: Path, manifest: mf.Manifest) -> dict[str, Any]:
    """The manifest's calibrations that its scenes name, as the SDK's models; one the models
    refuse is a manifest error at its place."""
    used = {s.calibration for s in manifest.scenes if s.calibration}
    found = {}
    for external_id in sorted(used):
        sensors = manifest.calibrations[external_id]
        for sensor, entry in sensors.items():
            try:
                sdk_calibration(external_id, {sensor: entry})
            except (TypeError, msgspec.ValidationError) as e:
                message, _, inner = str(e).partition(" - at `$")
                where = f"$.calibrations.{external_id}.{sensor}{inner.rstrip('`')}"
                text = path.read_text(encoding="utf-8")
                problem = message.replace("`", "")
                error = mf.ManifestError(path, where, problem, mf.line_of(text, where))
                raise ManifestInvalid(str(error)) from None
        found[external_id] = sdk_calibration(external_id, sensors)
    return found


def _calibration_ids(client: Client, calibrations: dict[str, Any], dry_run: bool) -> dict[str, str | None]:
    """external id → the server's id: the newest calibration with that external id and the same
    content, else a new one (in a dry run: None, nothing is created)."""
    ids: dict[str, str | None] = {}
    for external_id, wanted in calibrations.items():
        same = [
            e
            for e in client.calibration.get_calibrations(external_id=external_id)
            if msgspec.to_builtins(e.calibration) == msgspec.to_builtins(wanted.calibration)
        ]
        if same:
            ids[external_id] = max(same, key=lambda e: e.created).id
        elif dry_run:
            ids[external_id] = None
        else:
            ids[external_id] = client.calibration.create_calibration(wanted).id
    return ids


def _upload(
    client: Client,
    manifest: mf.Manifest,
    folder: Path,
    ids: dict[str, str | None],
    project: str,
    batch: str | None,
    workers: int,
    dry_run: bool,
) -> Iterator[Outcome]:
    sendable: list[tuple[mf.Scene, Any]] = []
    for scene in manifest.scenes:
        if scene.calibration and ids[scene.calibration] is None:  # only in a dry run
            note = f"checked here only: calibration {scene.calibration} is created by the upload"
            yield Outcome(scene, "checked", message=note)
            continue
        try:  # a file emptied or removed since the manifest was checked fails its scene alone
            sendable.append((scene, sdk_scene(manifest, folder, scene, ids.get(scene.calibration or ""))))
        except (MissingFileError, ValueError, OSError) as e:
            yield Outcome(scene, "failed", message=str(e))
    made = client.create_scenes((m for _, m in sendable), project, batch, workers=workers, dryrun=dry_run)
    for r in made:
        status = "checked" if dry_run and r.status == "created" else r.status
        message = None if status == "checked" else r.message
        yield Outcome(sendable[r.index][0], status, r.scene_uuid, message)


def _report(outcomes: list[Outcome], dry_run: bool) -> None:
    """The summary table on stdout; each failure one line on stderr; exit status 1 if any."""
    opts = options()
    if opts.as_json:
        opts.renderer().json([_as_dict(o) for o in outcomes])
    else:
        title = "UPLOAD (dry run: nothing uploaded)" if dry_run else "UPLOAD"
        opts.renderer().table(title, SUMMARY_COLUMNS, [_row(o) for o in outcomes])
        statuses = ("created", "checked", "skipped", "failed")
        counts = {s: sum(o.status == s for o in outcomes) for s in statuses}
        said = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        click.echo(f"{said} of {len(outcomes)} scene(s)")
    failed = [o for o in outcomes if o.status == "failed"]
    for o in failed:
        click.echo(f"failed: {o.scene.external_id}: {' '.join(str(o.message).split())}", err=True)
    if failed:
        raise SystemExit(1)


def _row(o: Outcome) -> tuple[Any, ...]:
    s, files = o.scene, sum(len(f.files) for f in o.scene.frames)
    return (s.external_id, s.type, len(s.frames), files, o.status, o.scene_uuid, o.message)


def _as_dict(o: Outcome) -> dict[str, Any]:
    return {
        "externalId": o.scene.external_id,
        "type": o.scene.type,
        "status": o.status,
        "sceneUuid": o.scene_uuid,
        "message": o.message,
    }
