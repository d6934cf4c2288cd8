"""What every query module builds its statements with, written once: named parameters, the insert
of a whole row, a record's fields as parameters, and the statements whose shape depends on the
request (a list of ids), built once per shape and kept; and the statements over a scope (an
organization's rows, or one workspace's), built in both shapes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import msgspec
import sqlalchemy as sa

from annobatch.storage.database import Query
from annobatch.storage.records import Record
from annobatch.storage.scope import Scope


def b(name: str) -> sa.BindParameter[Any]:
    """A named parameter: `{"name": value}` at run time."""
    return sa.bindparam(name)


def one_of(column: sa.ColumnElement[Any], values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """`column` is one of a fixed few values (carried by the statement itself: an `IN` over a
    list would be expanded at run time, which `Query` does not do)."""
    return sa.or_(*(column == v for v in values))


def insert(table: sa.Table, returning: str | None = None) -> Query:
    """An insert taking every column by its name; with `returning`, the database numbers the row
    (its autoincrement key is left out) and the statement answers that column."""
    cols = [c.name for c in table.c if not (c.primary_key and c.autoincrement is True)]
    if returning is None:
        cols = [c.name for c in table.c]
    stmt = table.insert().values({c: b(c) for c in cols})
    if returning is not None:
        stmt = stmt.returning(table.c[returning])
    return Query(stmt)


def params(record: Record) -> dict[str, Any]:
    """A record's fields by name: the parameters of its table's `insert`."""
    return msgspec.structs.asdict(record)


# Statements with a shape of their own per request: built once per shape.
_SHAPED: dict[tuple[Any, ...], Query] = {}


def bucket(n: int) -> int:
    """Lists of ids are padded to a power of two so that few shapes of a statement exist."""
    size = 1
    while size < n:
        size *= 2
    return size


# `column IN (:prefix0, …)` clauses by (column, prefix, size), with their parameter names: made
# once, as the statements that hold them are (`shaped`); building one cost more than running a
# small insert.
_IN_CLAUSES: dict[tuple[int, str, int], tuple[Any, sa.ColumnElement[bool], tuple[str, ...]]] = {}


def in_list(
    column: sa.ColumnElement[Any], prefix: str, values: Sequence[Any]
) -> tuple[sa.ColumnElement[bool], dict[str, Any]]:
    """`column IN (:prefix0, …)` over `values` padded to their bucket, and its parameters."""
    n = bucket(len(values))
    key = (id(column), prefix, n)
    hit = _IN_CLAUSES.get(key)
    if hit is None or hit[0] is not column:
        names = tuple(f"{prefix}{i}" for i in range(n))
        hit = _IN_CLAUSES[key] = (column, column.in_([b(name) for name in names]), names)
    _, clause, names = hit
    padded = list(values) + [values[-1]] * (n - len(values))
    return clause, dict(zip(names, padded, strict=True))


def shaped(key: tuple[Any, ...], build: Callable[[], Any]) -> Query:
    """The statement of this shape, built by `build` the first time the shape is asked for (a
    statement, or a `Query` where the dialects need different SQL)."""
    q = _SHAPED.get(key)
    if q is None:
        built = build()
        q = _SHAPED[key] = built if isinstance(built, Query) else Query(built)
    return q


class Scoped:
    """A statement over an organization's rows (`:org`) in its two shapes: all of them, and only
    those of one workspace (`in_workspace`, over `:ws`). `bind` picks the shape for a scope."""

    __slots__ = ("everywhere", "in_workspace")

    def __init__(self, stmt: Any, in_workspace: sa.ColumnElement[bool]) -> None:
        self.everywhere = Query(stmt)
        self.in_workspace = Query(stmt.where(in_workspace))

    def bind(self, scope: Scope, **values: Any) -> tuple[Query, dict[str, Any]]:
        q = self.everywhere if scope.workspace_id is None else self.in_workspace
        return q, {**scope_values(scope), **values}


def scope_values(scope: Scope) -> dict[str, Any]:
    """A scope's parameters: `:org`, and `:ws` when it is narrowed to a workspace (a shaped
    statement narrowed so has `scope.workspace_id is not None` in its key)."""
    if scope.workspace_id is None:
        return {"org": scope.org}
    return {"org": scope.org, "ws": scope.workspace_id}
