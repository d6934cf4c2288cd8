"""What a handler asks for by name, and the guard that finds the caller first.

- `caller`: who is asking. The `authenticate` guard finds it before the request's parameters and
  body are read, so a stranger's body is never decoded and a missing token answers 401 before
  any 400; the dependency hands it on.
- `write`: how a mutation runs (`X-Dryrun`, `Idempotency-Key`), for the handlers that change
  something (`dependencies=WRITE`); the headers are in the OpenAPI document.
- the services by name (`accounts`, `projects`, `batches`, `scenes`, `inputs`, `calibrations`),
  `batch_lists` (the encoded batch lists) and `database`, from `Shared`.

Litestar resolves a handler's dependencies level by level, and the dependencies of one level
together in a task group; on this machine that group cost ~0.1 ms a request, about what the rest
of a small request costs, while a chain of single dependencies costs next to nothing. So each
provider names the one before it, and every handler's dependencies are one chain:
caller → write → service → batch_lists. Those parameters only order the resolution; the
providers do not use them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.handlers import BaseRouteHandler
from litestar.params import HeaderParameter, SkipValidation

from annobatch.domain import InvalidInput
from annobatch.server.encoded_lists import EncodedLists
from annobatch.services import Services
from annobatch.services.batches import BatchService
from annobatch.services.identity import Authority, Caller
from annobatch.services.transactions import Write
from annobatch.storage.database import Database


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard of the API's routes: the caller of the request, from its bearer token (and the
    organization a staff member acts for). Not for `OPTIONS`: Litestar answers those itself, with
    the methods a path allows, to anyone."""
    if connection.scope.get("method") == "OPTIONS":
        return
    authority: Authority = connection.app.state.authority
    headers = connection.headers
    connection.scope["user"] = await authority.caller(
        headers.get("authorization"), headers.get("x-organization-id")
    )


def provide_caller(request: Request[Any, Any, Any]) -> Caller:
    """The caller `authenticate` found."""
    caller: Caller = request.scope["user"]
    return caller


DryRun = Annotated[
    str | None,
    HeaderParameter(
        name="X-Dryrun",
        description="Present, with any value or none: answer what would happen, and change nothing.",
    ),
]
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        description="1-255 characters. The same key and request within 24 hours answers the first "
        "result instead of running again; another request under the key is a conflict.",
        schema_extra={"minLength": 1, "maxLength": 255},
    ),
]


def provide_write(
    caller: NamedDependency[SkipValidation[Caller]],
    dry_run: DryRun = None,
    idempotency_key: IdempotencyKey = None,
) -> Write:
    """`X-Dryrun` (any value, even empty) asks for a dry run; `Idempotency-Key` makes a create safe
    to retry."""
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 255:
        raise InvalidInput("Idempotency-Key must be 1-255 characters", "invalid-idempotency-key")
    return Write(dry_run=dry_run is not None, idempotency_key=idempotency_key)


#: For the handlers that change something: they take `write: Write`.
WRITE = {"write": Provide(provide_write, sync_to_thread=False)}


class Shared:
    """What the requests of one app share: its database, its services (made when the app starts,
    as the blob store needs the data directory) and its encoded batch lists."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.batch_lists = EncodedLists()
        self._services: Services | None = None

    def start(self, services: Services) -> None:
        self._services = services

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the app has not started: its services are made by its lifespan")
        return self._services

    def dependencies(self) -> dict[str, Provide]:
        """The app's dependencies by name (`caller` is the API router's, `write` its handlers')."""

        def provide_batch_lists(batches: NamedDependency[SkipValidation[BatchService]]) -> EncodedLists:
            return self.batch_lists

        def provide_database() -> Database:
            return self.db

        return {
            "accounts": self._service(lambda s: s.accounts),
            "projects": self._service(lambda s: s.projects),
            "batches": self._service(lambda s: s.batches),
            "scenes": self._service(lambda s: s.scenes),
            "inputs": self._service(lambda s: s.inputs),
            "calibrations": self._service(lambda s: s.calibrations),
            "batch_lists": Provide(provide_batch_lists, sync_to_thread=False),
            "database": Provide(provide_database, sync_to_thread=False),
        }

    def _service(self, pick: Callable[[Services], object]) -> Provide:
        def provide_service(
            caller: NamedDependency[SkipValidation[Caller | None]] = None,
            write: NamedDependency[SkipValidation[Write | None]] = None,
        ) -> object:
            return pick(self.services)

        return Provide(provide_service, sync_to_thread=False)
