"""A webhook receiver for the tests: a tiny threaded `http.server` on a loopback port that records
every POST and answers the statuses a test queues (200 once they run out)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    #: statuses to answer, in order; 200 once empty
    statuses: list[int] = field(default_factory=list)
    #: how long to wait before answering (a slow endpoint)
    delay: float = 0.0
    #: when set, each POST is held (after it is recorded) until the gate opens
    gate: threading.Event | None = None

    def answer(self) -> int:
        return self.statuses.pop(0) if self.statuses else 200


@contextlib.contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    receiver = Receiver("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.received.append(Received(self.path, dict(self.headers.items()), body))
            if receiver.delay:
                time.sleep(receiver.delay)
            if receiver.gate is not None:
                receiver.gate.wait(30)
            status = receiver.answer()
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    # shutdown() waits for serve_forever to look again: every 0.5 s by default, on every test's teardown
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
