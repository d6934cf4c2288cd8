"""Several annobatch replicas on one database and one blob store, behind haproxy configured by
`deploy/haproxy.cfg`, all on free loopback ports: for the replicas test and the scale bench."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from liveserver import LiveServer, free_port, start_serving, stop_group

HAPROXY_CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "haproxy.cfg"
#: In an `option httplog` line: `<backend>/<server> TR/Tw/Tc/Tr/Ta <status> `.
_LOG_LINE = re.compile(r" (\S+)/(\S+) -?\d+/-?\d+/-?\d+/-?\d+/-?\d+ (\d{3}) ")


def haproxy_binary() -> str | None:
    return shutil.which("haproxy")


@dataclass
class Cluster:
    replicas: list[LiveServer]
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answers(self) -> list[tuple[str, int]]:
        """What the balancer logged: (the replica that answered, or `<NOSRV>`, status) per request."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [(m[2], int(m[3])) for m in _LOG_LINE.finditer(text)]

    def statuses(self) -> Counter[int]:
        return Counter(status for _, status in self.answers())


def balancer_env(listen_port: int, replicas: list[LiveServer]) -> dict[str, str]:
    """The variables `deploy/haproxy.cfg` reads. It names two replicas: one replica fills both."""
    addresses = [f"127.0.0.1:{r.port}" for r in replicas] * 2
    return {
        "ANNOBATCH_LISTEN": f"127.0.0.1:{listen_port}",
        "ANNOBATCH_REPLICA_1": addresses[0],
        "ANNOBATCH_REPLICA_2": addresses[1],
    }


@contextlib.contextmanager
def cluster(
    work: Path, database_url: str, blob_env: dict[str, str], replicas: int = 2, workers: int = 1
) -> Iterator[Cluster]:
    """`replicas` servers (each with a data directory of its own, so nothing is shared but the
    database and the blob store) behind haproxy; stopped afterwards."""
    binary = haproxy_binary()
    assert binary is not None, "haproxy is not installed"
    port = free_port()
    env = {
        **blob_env,
        "ANNOBATCH_PUBLIC_URL": f"http://127.0.0.1:{port}",  # upload and download URLs name the balancer
        "ANNOBATCH_TRUSTED_PROXIES": "127.0.0.1",
    }
    servers = [
        LiveServer(work / f"replica{i + 1}", database_url, workers=workers, extra_env=env)
        for i in range(replicas)
    ]
    with contextlib.ExitStack() as stack:
        for s in servers:
            stack.callback(s.stop)
        with ThreadPoolExecutor(len(servers)) as pool:
            list(pool.map(LiveServer.start, servers))
        found = Cluster(servers, port, work / "haproxy.log")
        cmd = [binary, "-f", str(HAPROXY_CONFIG), "-db"]
        env_all = {**servers[0].env(), **balancer_env(port, servers)}
        found.proc = start_serving(cmd, port, found.log, env_all, timeout=30)
        stack.callback(stop_group, found.proc)
        yield found
