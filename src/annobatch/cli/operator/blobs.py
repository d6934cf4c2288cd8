"""`annobatch blobs`: the blob store's housekeeping, on demand (the server also sweeps periodically)."""

from __future__ import annotations

import click

from annobatch.cli._tables import print_json
from annobatch.cli.operator.base import OperatorError, common_options, env, info, print_table, run
from annobatch.domain import SweepPolicy
from annobatch.services import Services
from annobatch.services.housekeeping import SweepReport

_DEFAULTS = SweepPolicy()


@click.group()
def blobs() -> None:
    """Uploaded files (blobs): under the data directory, or in the bucket of ANNOBATCH_BLOBS."""


@blobs.command("sweep")
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
@click.option(
    "--partial-after", "partial_after", type=float, metavar="SECONDS", envvar="ANNOBATCH_SWEEP_PARTIAL_AFTER",
    default=_DEFAULTS.partial_after_seconds, show_default=True,
    help="Remove partial uploads nobody wrote to for this long. Env: ANNOBATCH_SWEEP_PARTIAL_AFTER.",
)  # fmt: skip
@click.option(
    "--orphan-grace", "orphan_grace", type=float, metavar="SECONDS", envvar="ANNOBATCH_SWEEP_ORPHAN_GRACE",
    default=_DEFAULTS.orphan_grace_seconds, show_default=True,
    help="Remove blobs no row refers to once older than this. Env: ANNOBATCH_SWEEP_ORPHAN_GRACE.",
)  # fmt: skip
@click.option(
    "--stale-scenes-after", "stale_after", type=float, metavar="SECONDS",
    envvar="ANNOBATCH_STALE_SCENE_RETENTION", default=_DEFAULTS.stale_scene_after_seconds, show_default=True,
    help="Abandon scenes left uncommitted this long (0: never). Env: ANNOBATCH_STALE_SCENE_RETENTION.",
)  # fmt: skip
@common_options
def blobs_sweep(dry_run: bool, partial_after: float, orphan_grace: float, stale_after: float) -> None:
    """Abandon scenes left uncommitted past their retention, finish recorded blob deletions a crash
    interrupted, remove abandoned partial uploads and blobs no row refers to past the grace period;
    print what was removed."""
    try:
        policy = SweepPolicy(
            partial_after_seconds=partial_after,
            orphan_grace_seconds=orphan_grace,
            stale_scene_after_seconds=stale_after,
        )
    except ValueError as e:
        raise OperatorError(str(e)) from None

    async def work(ops: Services) -> SweepReport | None:
        return await ops.housekeeping.sweep(policy, dry_run=dry_run)

    report = run(work, files=True)
    if report is None:
        raise OperatorError(
            "another process (a server worker) is sweeping the blob store now; try again shortly"
        )
    rows = [
        *(("recorded deletion", k) for k in report.deletions),
        *(("partial upload", k) for k in report.partials),
        *(("unreferenced blob", k) for k in report.orphans),
    ]
    if env().as_json:
        print_json(
            {
                "dryRun": dry_run,
                "abandonedScenes": report.abandoned_scenes,
                "deletions": report.deletions,
                "partials": report.partials,
                "orphans": report.orphans,
            }
        )
    elif rows:
        print_table(["removed" if not dry_run else "would remove", "blob"], rows)
    verb = "would remove" if dry_run else "removed"
    info(
        (f"abandoned {report.abandoned_scenes} stale pending scenes; " if report.abandoned_scenes else "")
        + f"{verb} {len(report.deletions)} blobs of recorded deletions, {len(report.partials)} partial "
        f"uploads and {len(report.orphans)} unreferenced blobs"
        + ("" if report.complete else " (stopped early: another process took the sweep over)")
    )
