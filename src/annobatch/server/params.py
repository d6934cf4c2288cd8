"""Query parameters several controllers read the same way."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

from annobatch.domain import InvalidInput

#: Event ids are 64-bit integers on every backend: a cursor past them is a bad request, not a query.
MAX_EVENT_CURSOR = 2**63 - 1

WorkspaceId = Annotated[str | None, QueryParameter(name="workspaceId")]
EventCursor = Annotated[int, QueryParameter(name="cursorId", ge=0, le=MAX_EVENT_CURSOR)]
EventLimit = Annotated[int, QueryParameter(ge=1, le=1000)]


def flag(value: str | None) -> bool:
    """Booleans in query strings arrive as `True`/`False` from the official client."""
    if value is None:
        return False
    if value.lower() in {"true", "1", "yes"}:
        return True
    if value.lower() in {"false", "0", "no", ""}:
        return False
    raise InvalidInput(f"invalid boolean {value!r}: true or false", "invalid-query")
