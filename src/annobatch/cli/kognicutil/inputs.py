"""The official tool's reading commands: `inputs`, `scenes`, `view` and `calibration`, with its
options and its table columns; the links point at this server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from typing import Any

import click

from annobatch import DEFAULT_HOST, HOST_ENV
from annobatch.cli.kognicutil._base import api_call, cli, common_options, options

INPUT_COLUMNS = ("scene_uuid", "external_id", "batch", "scene_type", "status", "view_link", "error_message")
SCENE_COLUMNS = ("uuid", "external_id", "scene_type", "status", "view_link", "error_message")
CALIBRATION_COLUMNS = ("id", "external_id", "created")
#: An official column, and the names an input may keep it under (the wire's v1 names last).
_INPUT_FIELDS = {
    "scene_uuid": ("scene_uuid", "internal_id"),
    "batch": ("batch", "batch_id"),
    "scene_type": ("scene_type", "input_type"),
}


def _input_rows(found: Sequence[Any], columns: Sequence[str]) -> list[list[Any]]:
    def value(item: Any, column: str) -> Any:
        for name in _INPUT_FIELDS.get(column, (column,)):
            if hasattr(item, name):
                return getattr(item, name)
        return None

    return [[value(i, c) for c in columns] for i in found]


@cli.command()
@click.option("--project", help="The project whose inputs to list.")
@click.option("--batch", help="Only this batch's inputs (with --project).")
@click.option("--external-ids", multiple=True, metavar="ID", help="Only these scenes (repeat the option).")
@click.option("--include-invalidated", is_flag=True, help="List invalidated inputs too.")
@click.option("--view", is_flag=True, help="Print only each input's scene uuid and view link.")
@click.option("--uuids", metavar="U1,U2,...", help="Comma-separated scene uuids (instead of --project).")
@common_options
@api_call
def inputs(
    project: str | None,
    batch: str | None,
    external_ids: tuple[str, ...],
    include_invalidated: bool,
    view: bool,
    uuids: str | None,
) -> None:
    """List inputs: a project's (or one batch's), or those of some scenes.

    \b
    Examples:
      kognicutil inputs --project highway
      kognicutil inputs --project highway --batch 2024-w03 --include-invalidated
      kognicutil inputs --project highway --view --external-ids drive-0001
      kognicutil inputs --uuids 5884b382-42f6-4dfd-9c48-4ca9f5761001,0b7c...
    """
    if (project is None) == (uuids is None):
        raise click.UsageError("give either --project P or --uuids U1,U2,...")
    opts = options()
    with opts.client() as client:
        if uuids is not None:
            found = client.input.get_inputs_by_uuids([u.strip() for u in uuids.split(",") if u.strip()])
        else:
            assert project is not None
            found = client.input.get_inputs(
                project,
                batch,
                include_invalidated=include_invalidated,
                external_ids=list(external_ids) or None,
            )
    if opts.as_json:
        opts.renderer().json(found)
        return
    columns = ("scene_uuid", "view_link") if view else INPUT_COLUMNS
    opts.renderer().table("VIEW LINKS FOR INPUTS" if view else "INPUTS", columns, _input_rows(found, columns))


@cli.command()
@click.argument("uuids", nargs=-1, required=True)
@click.option("--view", is_flag=True, help="Print only the view links.")
@click.option("--status", is_flag=True, help="Print only the status (and the error, if any).")
@common_options
@api_call
def scenes(uuids: tuple[str, ...], view: bool, status: bool) -> None:
    """Show scenes by their uuids.

    \b
    Examples:
      kognicutil scenes 5884b382-42f6-4dfd-9c48-4ca9f5761001
      kognicutil scenes 5884b382-42f6-4dfd-9c48-4ca9f5761001 --status
    """
    if view and status:
        raise click.UsageError("give either --view or --status, not both")
    opts = options()
    with opts.client() as client:
        found = client.scene.get_scenes_by_uuids(list(uuids))
    if view:
        opts.renderer().rows("VIEW LINKS FOR SCENES", ("uuid", "view_link"), found)
    elif status:
        opts.renderer().rows("STATUS FOR SCENES", ("uuid", "status", "error_message"), found)
    else:
        opts.renderer().rows("SCENES", SCENE_COLUMNS, found)


@cli.command()
@click.argument("scene_uuid")
@common_options
def view(scene_uuid: str) -> None:
    """Print the link that opens a scene on this server (no request is made).

    \b
    Example:
      kognicutil view 5884b382-42f6-4dfd-9c48-4ca9f5761001
    """
    try:
        uuid.UUID(scene_uuid)
    except ValueError:
        raise click.BadParameter(f"{scene_uuid!r} is not a uuid", param_hint="SCENE_UUID") from None
    opts = options()
    host = (opts.host or os.environ.get(HOST_ENV) or DEFAULT_HOST).rstrip("/")
    link = f"{host}/view/{scene_uuid}"
    if opts.as_json:  # camelCase, as the API's objects are
        opts.renderer().json([{"uuid": scene_uuid, "viewLink": link}])
    else:
        opts.renderer().table("VIEW LINK", ("uuid", "view_link"), [(scene_uuid, link)])


@cli.command()
@click.option("--id", "id_", metavar="ID", help="One calibration, by its id.")
@click.option("--external-id", metavar="X", help="The calibrations with this external id.")
@click.option("--raw", is_flag=True, help="With --id: print the calibration itself too, sensor by sensor.")
@common_options
@api_call
def calibration(id_: str | None, external_id: str | None, raw: bool) -> None:
    """List calibrations, or show one.

    \b
    Examples:
      kognicutil calibration
      kognicutil calibration --external-id rig-2024-03
      kognicutil calibration --id 0b1c... --raw
    """
    if id_ is not None and external_id is not None:
        raise click.UsageError("give either --id or --external-id, not both")
    if raw and id_ is None:
        raise click.UsageError("--raw needs --id")
    opts = options()
    with opts.client() as client:
        if id_ is not None:
            found = [client.calibration.get_calibration(id_)]
        else:
            found = client.calibration.get_calibrations(external_id=external_id)
    # the models' own dict: the calibrations' snake_case keys, each with its calibration_type
    if opts.as_json:
        opts.renderer().json(found[0].to_dict() if id_ is not None else [e.to_dict() for e in found])
        return
    opts.renderer().rows("CALIBRATION", CALIBRATION_COLUMNS, found)
    if raw:
        click.echo()
        opts.renderer().json({s: c.to_dict() for s, c in (found[0].calibration or {}).items()})
