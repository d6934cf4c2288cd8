"""What `compare.py` measures besides request loads: the disk floor, the memory of a server's
processes, the machine."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from pathlib import Path


def disk_floor(where: Path, payload: bytes, count: int) -> float:
    """Seconds to write `count` new files of `payload` into `where` and fsync each one: what a
    server storing the same uploads cannot beat on this disk."""
    where.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for i in range(count):
        with (where / f"floor-{time.monotonic_ns()}-{i}.bin").open("wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
    elapsed = time.perf_counter() - start
    for p in where.glob("floor-*.bin"):
        p.unlink()
    return elapsed


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return sorted(set(found))


def memory_mib(pid: int) -> tuple[float, float, int]:
    """(RSS summed, PSS summed, process count) of a server's processes, in MiB. RSS counts the
    pages forked workers share with their parent once per process; PSS splits them."""
    rss = pss = 0
    procs = process_tree(pid)
    for p in procs:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return rss / 1024, pss / 1024, len(procs)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def machine() -> str:
    return f"{' '.join(platform.uname())}; {os.cpu_count()} CPUs; Python {platform.python_version()}"
