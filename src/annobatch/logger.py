"""`setup_logging(level)` where the official client has it (`kognic.io.logger`): the root and the
`annobatch` loggers at `level`, lines with time, level and logger name."""

from __future__ import annotations

import logging

TEXT_FORMAT = "%(asctime)-15s %(levelname)-s [%(name)-25s] %(message)s"


def setup_logging(level: str) -> None:
    """Log at `level` (e.g. "INFO") to stderr."""
    for name in ("", "annobatch"):
        logging.getLogger(name).setLevel(logging.getLevelName(level))
    logging.basicConfig(format=TEXT_FORMAT)
