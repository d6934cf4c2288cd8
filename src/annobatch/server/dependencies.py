"""What a handler asks for by name, and the hook that finds the caller first.

- `caller`: who is asking. The `authenticate` hook finds it before the request's parameters and
  body are read, so a stranger's body is never decoded and a missing token answers 401 before
  any 400; the dependency hands it on.
- `write`: how a change runs (`X-Dryrun`, `Idempotency-Key`), for the handlers that change
  something (`dependencies=WRITE`); the headers are in the OpenAPI document.
- the services by name (`accounts`, `projects`, `batches`, `scenes`, `scene_recovery`, `inputs`,
  `calibrations`) and `database`, from `Shared`.

Litestar resolves a handler's dependencies level by level, and the dependencies of one level
together in a task group; on this machine that group cost ~0.1 ms a request, about what the rest
of a small request costs, while a chain of single dependencies costs next to nothing. So every
handler's dependencies are one chain, each provider naming the one before it: write → caller →
service for a change, caller → service for a read, the service alone where no one signs in.
Those parameters only order the resolution; the providers do not use them. (They are required
parameters, provided by the layer that declares the provider: Litestar reads an optional one that
no layer provides from the query string.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter, SkipValidation

from annobatch.domain import InvalidInput, NotFound, Role
from annobatch.server.errors import NO_SUCH_ENDPOINT
from annobatch.services import Services
from annobatch.services.identity import Authority, Caller
from annobatch.services.transactions import Write
from annobatch.storage.database import Database

#: The `opt` key of the routes a workforce credential (annotator, reviewer) may reach, and who
#: else may: `WORKFORCE_ALSO` (the review error types: everyone) or `WORKFORCE_ONLY` (the
#: workforce API: the workforce and staff; the organization's clients read the work through their
#: own API). Everywhere else a workforce caller, and here a client, is answered as if the endpoint
#: did not exist.
WORKFORCE = "workforce"
WORKFORCE_ALSO = "also"
WORKFORCE_ONLY = "only"
WORKFORCE_ROLES = frozenset({Role.ANNOTATOR, Role.REVIEWER})


async def authenticate(request: Request[Any, Any, Any]) -> None:
    """Before each request of the API (a `before_request` hook, run before the parameters and
    body are read): the caller, from the bearer token (and the organization a staff member acts
    for); a workforce credential only on the routes marked for it, and a client not on the
    workforce's own (404 elsewhere, before anything is read). Not for `OPTIONS`: Litestar answers
    those itself, with the methods a path allows, to anyone. A hook rather than a guard: Litestar
    copies the route handler for every guard call, which cost ~40 µs a request here."""
    if request.scope["method"] == "OPTIONS":
        return
    authority: Authority = request.app.state.authority
    headers = request.headers
    caller = await authority.caller(headers.get("authorization"), headers.get("x-organization-id"))
    reach = request.route_handler.opt.get(WORKFORCE)
    if (reach is None and caller.role in WORKFORCE_ROLES) or (
        reach == WORKFORCE_ONLY and caller.role is Role.CLIENT
    ):
        raise NotFound(NO_SUCH_ENDPOINT, "not-found")
    request.scope["user"] = caller


def provide_caller(request: Request[Any, Any, Any]) -> Caller:
    """The caller `authenticate` found."""
    caller: Caller = request.scope["user"]
    return caller


def provide_caller_after_write(
    request: Request[Any, Any, Any], write: NamedDependency[SkipValidation[Write]]
) -> Caller:
    """The caller `authenticate` found, in the chain of a handler that changes something."""
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


def provide_write(dry_run: DryRun = None, idempotency_key: IdempotencyKey = None) -> Write:
    """`X-Dryrun` (any value, even empty) asks for a dry run; `Idempotency-Key` makes a create safe
    to retry."""
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 255:
        raise InvalidInput("Idempotency-Key must be 1-255 characters", "invalid-idempotency-key")
    return Write(dry_run=dry_run is not None, idempotency_key=idempotency_key)


#: For the handlers that change something: they take `write: Write`.
WRITE = {
    "write": Provide(provide_write, sync_to_thread=False),
    "caller": Provide(provide_caller_after_write, sync_to_thread=False),
}

_SERVICES: dict[str, Callable[[Services], object]] = {
    "accounts": lambda s: s.accounts,
    "projects": lambda s: s.projects,
    "batches": lambda s: s.batches,
    "scenes": lambda s: s.scenes,
    "scenes_v2": lambda s: s.scenes_v2,
    "scene_recovery": lambda s: s.scene_recovery,
    "inputs": lambda s: s.inputs,
    "calibrations": lambda s: s.calibrations,
    "downloads": lambda s: s.downloads,
    "deliveries": lambda s: s.deliveries,
    "work": lambda s: s.work,
    "workforce": lambda s: s.workforce,
    "pre_annotations": lambda s: s.pre_annotations,
    "cloud_pre_annotations": lambda s: s.cloud_pre_annotations,
    "webhooks": lambda s: s.webhooks,
    "jobs": lambda s: s.jobs,
    "scene_views": lambda s: s.scene_views,
    "work_pages": lambda s: s.work_pages,
    "dashboard": lambda s: s.dashboard,
}


class Shared:
    """What the requests of one app share: its database and its services (made when the app
    starts, as the blob store needs the data directory)."""

    def __init__(self) -> None:
        self._db: Database | None = None
        self._services: Services | None = None

    def start(self, db: Database, services: Services) -> None:
        self._db = db
        self._services = services

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("the app has not started: its database is opened by its lifespan")
        return self._db

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the app has not started: its services are made by its lifespan")
        return self._services

    def public_dependencies(self) -> dict[str, Provide]:
        """The app's dependencies, for the routes where no one signs in."""

        def provide_database() -> Database:
            return self.db

        services = {name: self._service(pick) for name, pick in _SERVICES.items()}
        return {**services, "database": Provide(provide_database, sync_to_thread=False)}

    def api_dependencies(self) -> dict[str, Provide]:
        """The API router's dependencies: the caller, and the services after it."""
        services = {name: self._service_after_caller(pick) for name, pick in _SERVICES.items()}
        return {"caller": Provide(provide_caller, sync_to_thread=False), **services}

    def _service(self, pick: Callable[[Services], object]) -> Provide:
        def provide_service() -> object:
            return pick(self.services)

        return Provide(provide_service, sync_to_thread=False)

    def _service_after_caller(self, pick: Callable[[Services], object]) -> Provide:
        def provide_service(caller: NamedDependency[SkipValidation[Caller]]) -> object:
            return pick(self.services)

        return Provide(provide_service, sync_to_thread=False)
