"""Loaded by every Python process started with this directory on PYTHONPATH (`gc_pauses.py` sets
it for the server it starts): in the server's processes (`annobatch serve` and the workers it
forks), times every garbage collection with `gc.callbacks` and writes, once a second, the process's
collections (when, which generation, how long) to `$GC_PROBE_DIR/gc-<pid>.json`. With
`GC_PROBE_FREEZE=off`, `gc.freeze` does nothing: the workers run as they did before they froze
their start-up heap."""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time

_OUT = os.environ.get("GC_PROBE_DIR")


def _install() -> None:
    collections: list[tuple[float, int, float]] = []
    began = [0.0]

    def timed(phase: str, info: dict) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
            return
        collections.append((time.time(), info["generation"], time.perf_counter() - began[0]))

    def flush() -> None:
        while True:
            time.sleep(1.0)
            path = os.path.join(_OUT, f"gc-{os.getpid()}.json")
            with open(path + ".tmp", "w") as f:
                json.dump({"collections": list(collections), "frozen": gc.get_freeze_count()}, f)
            os.replace(path + ".tmp", path)

    def start() -> None:
        collections.clear()
        threading.Thread(target=flush, daemon=True).start()

    gc.callbacks.append(timed)
    os.register_at_fork(after_in_child=start)
    start()
    if os.environ.get("GC_PROBE_FREEZE") == "off":
        gc.freeze = lambda: None


if _OUT and sys.argv and "annobatch" in os.path.basename(sys.argv[0]):
    _install()
