"""Helpers for the dashboard's in-process tests: ask for pages as a browser does, read a page's
CSRF token, sign in through the sign-in form, place a scene in a batch."""

from __future__ import annotations

import re
import uuid
from typing import Any

from litestar.testing import TestClient

from annobatch.services.accounts import NewCredential
from annobatch.services.identity import operator
from annobatch.services.placement import insert_input
from annobatch.services.transactions import writing
from annobatch.storage.records import SceneRecord, now_micros
from conftest import World

HTML = {"accept": "text/html"}


def csrf_of(html: str) -> str:
    found = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient[Any], cred: NewCredential, next_path: str = "/") -> Any:
    form = client.get(f"/sign-in?next={next_path}", headers=HTML)
    data = {
        "_csrf": csrf_of(form.text),
        "client_id": cred.record.client_id,
        "client_secret": cred.secret,
        "next": next_path,
    }
    return client.post("/sign-in", data=data, headers=HTML, follow_redirects=False)


def place_scene(
    world: World, org: int, project: str, batch: str, name: str, workspace: str | None = None
) -> None:
    """A created scene placed in the batch as the services place them (its input gets its task);
    in the organization's first workspace unless named."""

    async def go() -> None:
        async with writing(world.ops.db) as uow:
            p = await uow.projects.get(org, project)
            assert p is not None
            b = await uow.batches.get(p.id, batch)
            assert b is not None
            ws = workspace or (await uow.workspaces.of(org))[0].id
            now = now_micros()
            scene = SceneRecord(
                str(uuid.uuid4()), org, ws, name, "cameras", "created", None, None,
                p.id, b.id, False, "{}", "fp", None, now, now, True,
            )  # fmt: skip
            await uow.scenes.create(scene, [])
            await insert_input(uow, operator(org), p, b.id, scene, "created")

    world.run(go())
