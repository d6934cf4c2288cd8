"""An answer given before a request's body was read (a 401, a 403 on a forged upload URL, a 413)
reaches a client behind haproxy: the server reads the rest of the body and throws it away instead
of closing a connection with unread bytes in it, which resets it (TCP RST) and made haproxy drop
the client's connection without an answer (about one request in four before)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from annobatch.storage.migrate import upgrade
from balancer import cluster, haproxy_binary

pytestmark = pytest.mark.skipif(
    haproxy_binary() is None, reason="haproxy is not installed (`make install-test` installs it as root)"
)

ROUNDS = 60
MIB = 1024 * 1024


def test_answers_given_before_the_body_was_read_reach_the_client_through_the_balancer(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'annobatch.db'}"
    upgrade(url)
    big_json = json.dumps({"pad": "x" * MIB}).encode()
    file = bytes(3 * MIB)
    with cluster(tmp_path, url, {}, replicas=1) as c, httpx.Client(base_url=c.url, timeout=30) as client:
        seen: dict[str, int] = {}
        for _ in range(ROUNDS):
            for method, path, body, headers in (
                ("POST", "/v1/projects/p1/batches/b2", big_json, {"Authorization": "Bearer nope"}),
                ("PUT", "/v1/uploads/00000000-0000-4000-8000-000000000000/0?expires=1&signature=x", file, {}),
            ):
                try:
                    status = str(client.request(method, path, content=body, headers=headers).status_code)
                except httpx.TransportError as e:
                    status = type(e).__name__
                seen[f"{method} {status}"] = seen.get(f"{method} {status}", 0) + 1
        assert seen == {"POST 401": ROUNDS, "PUT 403": ROUNDS}, seen
