"""The browser dashboard: server-rendered pages (Jinja templates through Litestar), htmx for
actions, static files vendored in `static/`, a signed session cookie and a CSRF token per session.

- `web.py`: the session hook, the `caller`/`session` dependencies, `page()`, `redirect()`, the
  role sets pages are marked with (`opt={ROLES: ...}`).
- `errors.py`: refusals, the 404 page, sign in again, the 403 of a forged form.
- `templates/`: `base.html` (navigation by role, flash, the CSRF header for htmx), `_macros.html`
  (badges, progress bars, action forms with confirmation), one template per page.
- one module of controllers per group of pages, listed in `PAGES`.

`create_app` wires it: `router(shared)`, `template_config()`, `static_router()`, and
`start(app, key, authority, settings)` in the lifespan.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, Router
from litestar.di import Provide
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler

from annobatch.server.dashboard import errors
from annobatch.server.dashboard.client import ClientPages
from annobatch.server.dashboard.filters import FILTERS
from annobatch.server.dashboard.scenes import ScenePages
from annobatch.server.dashboard.session import SessionCodec
from annobatch.server.dashboard.sign_in import SignInController
from annobatch.server.dashboard.staff import StaffPages
from annobatch.server.dashboard.web import Dashboard, open_session, provide_caller, provide_session
from annobatch.server.dashboard.work import WorkPages
from annobatch.server.dependencies import Shared
from annobatch.services.identity import Authority
from annobatch.settings import Settings

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

#: The dashboard's controllers: every page handler under the session hook.
PAGES: list[ControllerRouterHandler] = [SignInController, ClientPages, StaffPages, WorkPages, ScenePages]


def router(shared: Shared, pages: list[ControllerRouterHandler] | None = None) -> Router:
    """Every page, behind the session hook, answering errors as pages. A handler asks for
    `caller` (or `session`) and the services by name, as the API's do; each service comes after
    the caller (one dependency per level: `server/dependencies.py`), so a handler asks for one
    service (a page that shows several things reads them through one)."""
    return Router(
        path="/",
        route_handlers=pages if pages is not None else PAGES,
        before_request=open_session,
        dependencies={
            **shared.api_dependencies(),
            "caller": Provide(provide_caller, sync_to_thread=False),
            "session": Provide(provide_session, sync_to_thread=False),
        },
        exception_handlers=errors.HANDLERS,  # type: ignore[arg-type]
        include_in_schema=False,
        opt={"dashboard": True},
    )


def static_router() -> Router:
    """`/static/<file>`: the CSS, htmx and axe-core (for the tests), cached for an hour."""
    return create_static_files_router(
        path="/static",
        directories=[STATIC],
        include_in_schema=False,
        cache_control=None,
        opt={"dashboard": True},
        name="static",
    )


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(env))


def start(app: Litestar, key: str, authority: Authority, settings: Settings) -> None:
    """In the app's lifespan, once the signing key is known."""
    app.state.dashboard = Dashboard(
        SessionCodec(key, settings.session_ttl_seconds),
        authority,
        secure_cookies=settings.public_url.startswith("https://"),
    )


__all__ = ["PAGES", "router", "start", "static_router", "template_config"]
