"""Tables and JSON on stdout, drawn the same way by both CLIs.

What differs between them is only the console they draw on (how wide a table may grow when stdout
is not a terminal) and whether long cells fold; each CLI says so where it calls `print_table`."""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

import click
import msgspec
from rich.console import Console
from rich.table import Table


def cell(value: Any) -> str:
    """One value as a table shows it: nothing for None, an enum member as its value, a datetime to
    the second, a mapping as JSON."""
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dict):
        return msgspec.json.encode(value).decode()
    return str(value)


def print_json(value: Any) -> None:
    """`value` (builtins or msgspec Structs) as indented JSON on stdout."""
    click.echo(msgspec.json.format(msgspec.json.encode(value), indent=2).decode())


def print_table(
    console: Console,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str | None = None,
    fold: bool = False,
    no_wrap: Collection[str] = (),
) -> None:
    """A table with a bold header. With `fold`, a cell too long for its column breaks across lines
    instead of ending in an ellipsis; the columns in `no_wrap` never break."""
    table = Table(title=title, title_style="bold", header_style="bold")
    for name in columns:
        table.add_column(name, overflow="fold" if fold else "ellipsis", no_wrap=name in no_wrap)
    for row in rows:
        table.add_row(*(cell(v) for v in row))
    console.print(table)
