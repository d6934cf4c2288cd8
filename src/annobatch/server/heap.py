"""A server worker's heap after start-up.

CPython's cyclic garbage collector stops the worker's event loop, with every request it holds,
while it runs; its oldest generation is a pass over every tracked object the process keeps. Most
of them (modules, the app and its routes, the services, their compiled statements: ~170,000
objects, a full pass ~100 ms on a small virtual machine) are made at start-up and live as long as
the worker, so the collector checked them again and again for nothing: under steady load each
worker stopped for 120-400 ms every 10-80 s (`bench/RESULTS.md`, "Issue 13, fourth pass").

Once the worker has started, `settle` collects what start-up left behind and moves the rest to the
collector's permanent generation (`gc.freeze`), which it no longer scans: the objects are still
freed when nothing refers to them; only a reference cycle among them would now never be freed
(there is none to speak of: they live as long as the process). A worker does it once, when it has
started; tests, which start many apps in one process, do not.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger("annobatch.server")


def settle() -> None:
    """Collect, then freeze what is left: later full collections pass over what requests make."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    log.info(
        "start-up heap settled: %d objects frozen in %.0f ms",
        gc.get_freeze_count(),
        (time.perf_counter() - started) * 1000,
    )
