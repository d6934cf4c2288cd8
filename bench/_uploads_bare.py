"""The bare ASGI application `uploads_floor.py` serves with granian beside annobatch: what any
application on the same HTTP stack reaches. `PUT /discard` reads the body and throws it away;
`PUT /fsync` writes it to a new file (in `BARE_UPLOADS_DIR`) and fsyncs it, as the disk floor
does. Both answer a small JSON body, as the upload does."""

from __future__ import annotations

import os
import uuid
from typing import Any

ANSWER = b'{"data":{"size":1048576,"sha256":"' + b"0" * 64 + b'"}}'


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    if scope["path"] == "/fsync":
        path = os.path.join(os.environ["BARE_UPLOADS_DIR"], uuid.uuid4().hex)
        with open(path, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(ANSWER)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": ANSWER})
