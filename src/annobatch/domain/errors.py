"""The error tree: one class per kind of refusal, stable codes, no HTTP. The server maps each
class to a status in `server/errors.py`."""

from __future__ import annotations

__all__ = [
    "Conflict",
    "DomainError",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "TooLarge",
    "Unauthenticated",
]


class DomainError(Exception):
    """A rule said no. `message` stands alone; `code` is stable for machines."""

    code = "error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidInput(DomainError):
    """The request itself is wrong: a malformed id, a bad field, a rule the caller can fix."""

    code = "invalid-input"


class NotFound(DomainError):
    """The thing does not exist, or belongs to another organization (indistinguishable)."""

    code = "not-found"


class Conflict(DomainError):
    """The request clashes with the current state: a duplicate id or an illegal transition."""

    code = "conflict"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    code = "forbidden"


class Unauthenticated(DomainError):
    """No valid identity: missing, malformed, expired or revoked credentials or token."""

    code = "unauthenticated"


class TooLarge(DomainError):
    """The body or upload is over the configured limit."""

    code = "too-large"
