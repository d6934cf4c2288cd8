"""Failed token requests, limited per client id and per client address: past the limit, requests
from that id or address are answered 429 with `Retry-After` until enough time has passed.
Successful requests are never counted; while an id or address is refused, its secret is not
checked (a refusal tells nothing).

Each server process counts in its own memory, bounded (`MAX_KEYS` ids and as many addresses, the
longest quiet forgotten first): with N processes (workers times replicas) behind one address, a client
may fail up to N times the limit before every one of them refuses it. Behind a balancer, the
client's address is taken from `X-Forwarded-For` only when the balancer is one of
`Settings.trusted_proxies`; IPv6 addresses count by their /64 network.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from annobatch.settings import Settings

log = logging.getLogger("annobatch.server")

#: Client ids, and addresses, whose failures each process remembers at most.
MAX_KEYS = 10_000
#: A client id is counted by its first characters (real ones are 32).
MAX_CLIENT_ID = 100

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class FailureLimit:
    """At most `limit` failures of a key within any `window` seconds, as a leaky bucket: each
    failure adds `window / limit` seconds to the key's debt, which time pays back; a key whose
    next failure would take its debt past `window` is refused until it would not."""

    def __init__(
        self, limit: int, window: float, max_keys: int = MAX_KEYS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self.max_keys, self.clock = limit, window, max_keys, clock
        self.step = window / limit if limit else 0.0
        self._paid_at: OrderedDict[str, float] = OrderedDict()  # key → when its debt is paid

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may try again; 0: now."""
        if not self.limit:
            return 0.0
        paid_at = self._paid_at.get(key)
        if paid_at is None:
            return 0.0
        wait = paid_at - self.clock() - (self.window - self.step)
        if paid_at <= self.clock():
            del self._paid_at[key]
        return max(0.0, wait)

    def failed(self, key: str) -> bool:
        """Count a failure of `key`; whether the key is now refused."""
        if not self.limit:
            return False
        now = self.clock()
        self._paid_at[key] = max(self._paid_at.get(key, now), now) + self.step
        self._paid_at.move_to_end(key)
        while len(self._paid_at) > self.max_keys:
            self._paid_at.popitem(last=False)
        return self.retry_after(key) > 0


@dataclass
class TokenLimits:
    """The limits of the token endpoint, one per process."""

    by_client: FailureLimit
    by_address: FailureLimit
    trusted_proxies: tuple[Network, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenLimits:
        window = settings.token_failure_window_seconds
        return cls(
            FailureLimit(settings.token_failures_per_client, window),
            FailureLimit(settings.token_failures_per_address, window),
            proxy_networks(settings.trusted_proxies),
        )

    def retry_after(self, address: str, client_id: str | None = None) -> int:
        """Whole seconds until a request from `address` (for `client_id`) may be tried; 0: now."""
        wait = self.by_address.retry_after(address)
        if client_id:
            wait = max(wait, self.by_client.retry_after(client_id[:MAX_CLIENT_ID]))
        return math.ceil(wait)

    def failed(self, address: str, client_id: str | None) -> None:
        if self.by_address.failed(address):
            log.warning("token requests from %s refused for a while: too many failures", address)
        if client_id and self.by_client.failed(client_id[:MAX_CLIENT_ID]):
            log.warning("token requests for client %r refused for a while: too many failures", client_id)


def proxy_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def client_address(peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """The address a request came from: its peer's, or, when the peer is a trusted proxy, the last
    address in `X-Forwarded-For` that is not a trusted proxy too. An IPv6 address stands for its
    /64 network (what one client usually holds)."""
    address = peer or "unknown"
    if trusted and forwarded_for and _within(address, trusted):
        for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
            address = hop
            if not _within(hop, trusted):
                break
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:100]
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _within(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in n for n in networks)
