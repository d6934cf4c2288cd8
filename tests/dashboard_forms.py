"""Helpers for the dashboard's in-process tests: ask for pages as a browser does, read a page's
CSRF token, sign in through the sign-in form."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

from annobatch.services.accounts import NewCredential

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
