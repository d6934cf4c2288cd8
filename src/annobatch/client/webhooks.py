"""Checking that a webhook came from annobatch: its signature and its age (docs/webhooks.md).

```python
from annobatch import verify_webhook, WebhookSignatureError

event = verify_webhook(request.body, request.headers, secret="whsec_…")
```
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "WebhookSignatureError", "verify_webhook"]

TIMESTAMP_HEADER = "Annobatch-Webhook-Timestamp"
SIGNATURE_HEADER = "Annobatch-Webhook-Signature"
#: How far a delivery's timestamp may be from the receiver's clock, in seconds.
DEFAULT_TOLERANCE_SECONDS = 300


class WebhookSignatureError(ValueError):
    """The request is not a webhook annobatch signed with this secret, or it is too old (a replay)."""


def verify_webhook(
    body: bytes | str,
    headers: Mapping[str, str],
    secret: str,
    *,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> dict[str, Any]:
    """The delivered event, once its signature is checked: HMAC-SHA256 with `secret` over
    `timestamp + "." + body`, sent as `Annobatch-Webhook-Signature: v1=<hex>`, and its timestamp
    within `tolerance_seconds` of `now` (default: this machine's clock). Raises
    `WebhookSignatureError` otherwise. Pass the body exactly as received (bytes), before any
    parsing; header names are matched without regard to case."""
    raw = body.encode() if isinstance(body, str) else bytes(body)
    lowered = {k.lower(): v for k, v in headers.items()}
    stamp = lowered.get(TIMESTAMP_HEADER.lower(), "")
    signature = lowered.get(SIGNATURE_HEADER.lower(), "")
    if not stamp.isdigit() or not signature:
        raise WebhookSignatureError(f"the {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header is missing")
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > tolerance_seconds:
        raise WebhookSignatureError(
            f"the webhook's timestamp is more than {tolerance_seconds:g} s from this clock (a replay?)"
        )
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    offered = [s.strip().removeprefix("v1=") for s in signature.split(",") if s.strip().startswith("v1=")]
    if not any(hmac.compare_digest(expected, s) for s in offered):
        raise WebhookSignatureError("the webhook's signature does not match this secret")
    event: dict[str, Any] = json.loads(raw)
    return event
