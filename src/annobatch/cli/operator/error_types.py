"""`annobatch error-types`: the installation's catalogue of review error types (what a review's
feedback items name), which the official client reads with `client.review.get_error_types`."""

from __future__ import annotations

import click

from annobatch.cli._tables import print_json
from annobatch.cli.operator.base import common_options, env, info, print_table, run
from annobatch.services import Services
from annobatch.services.identity import operator
from annobatch.storage.records import ErrorTypeRecord

#: The catalogue is the installation's, not an organization's: the operator acts for none.
_INSTALLATION = 0


def _show(found: list[ErrorTypeRecord]) -> None:
    if env().as_json:
        print_json(
            [
                {
                    "errorTypeId": e.id,
                    "name": e.name,
                    "pinAllowed": e.pin_allowed,
                    "objectAllowed": e.object_allowed,
                }
                for e in found
            ]
        )
        return
    print_table(
        ["id", "name", "pin allowed", "object allowed"],
        [
            (e.id, e.name, "yes" if e.pin_allowed else "no", "yes" if e.object_allowed else "no")
            for e in found
        ],
    )


@click.group("error-types")
def error_types() -> None:
    """The review error types feedback items name (pin and object allowed or not)."""


@error_types.command("list")
@common_options
def error_types_list() -> None:
    """The catalogue, in order."""

    async def work(ops: Services) -> list[ErrorTypeRecord]:
        return await ops.workforce.error_types()

    _show(run(work))


@error_types.command("add")
@click.argument("error_type_id", metavar="ID")
@click.argument("name")
@click.option("--pin/--no-pin", "pin", default=False, show_default=True, help="Items may carry a pin.")
@click.option(
    "--object/--no-object", "obj", default=False, show_default=True, help="Items may name an object."
)
@common_options
def error_types_add(error_type_id: str, name: str, pin: bool, obj: bool) -> None:
    """Add error type ID (lowercase letters, digits, '-', '_') named NAME at the end of the catalogue."""

    async def work(ops: Services) -> ErrorTypeRecord:
        return await ops.workforce.add_error_type(operator(_INSTALLATION), error_type_id, name, pin, obj)

    made = run(work)
    _show([made])
    if not env().as_json:
        info(f"added error type {made.id}")


@error_types.command("edit")
@click.argument("error_type_id", metavar="ID")
@click.option("--name", default=None, help="A new name.")
@click.option("--pin/--no-pin", "pin", default=None, help="Whether items may carry a pin.")
@click.option("--object/--no-object", "obj", default=None, help="Whether items may name an object.")
@common_options
def error_types_edit(error_type_id: str, name: str | None, pin: bool | None, obj: bool | None) -> None:
    """Change error type ID: its name, whether items may carry a pin or name an object (what is not
    given stays). Reviews already made keep their feedback items."""

    async def work(ops: Services) -> ErrorTypeRecord:
        return await ops.workforce.edit_error_type(operator(_INSTALLATION), error_type_id, name, pin, obj)

    changed = run(work)
    _show([changed])
    if not env().as_json:
        info(f"changed error type {changed.id}")
