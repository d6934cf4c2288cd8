"""Parameters several controllers read the same way.

Every integer parameter has bounds within 64 bits (Litestar reads only ASCII digits, and refuses a
value out of its bounds naming the parameter); an integer inside text is read with
`domain.parse_integer`. A test holds every integer parameter of the route table to this.
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter, QueryParameter

from annobatch.domain import INT64_MAX, InvalidInput

#: Event ids are 64-bit integers on every backend: a cursor past them is a bad request, not a query.
MAX_EVENT_CURSOR = INT64_MAX

WorkspaceId = Annotated[str | None, QueryParameter(name="workspaceId")]
EventCursor = Annotated[int, QueryParameter(name="cursorId", ge=0, le=MAX_EVENT_CURSOR)]
EventLimit = Annotated[int, QueryParameter(ge=1, le=1000)]
#: A file's position in its scene, in an upload URL's path.
FilePosition = Annotated[int, PathParameter(ge=0, le=INT64_MAX)]


def flag(value: str | None) -> bool:
    """Booleans in query strings arrive as `True`/`False` from the official client."""
    if value is None:
        return False
    if value.lower() in {"true", "1", "yes"}:
        return True
    if value.lower() in {"false", "0", "no", ""}:
        return False
    raise InvalidInput(f"invalid boolean {value!r}: true or false", "invalid-query")
