"""Several annobatch replicas on one database and one blob store, behind haproxy configured by
`deploy/haproxy.cfg`, all on free loopback ports: for the replicas test, the conformance suite's
`balanced` live server (one replica killed midway, `Outage`) and the scale bench."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from liveserver import LiveServer, free_port, start_serving, stop_group

HAPROXY_CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "haproxy.cfg"
#: In an `option httplog` line: `<backend>/<server> TR/Tw/Tc/Tr/Ta <status> `.
_LOG_LINE = re.compile(r" (\S+)/(\S+) -?\d+/-?\d+/-?\d+/-?\d+/-?\d+ (\d{3}) ")
#: A replica's log line at level ERROR or above (`annobatch.server.app.from_env` sets the format).
_ERROR = re.compile(r" (ERROR|CRITICAL) annobatch")
#: The 5xx the official client retries (connection errors too); any other failure ends its call.
RETRIED = frozenset({502, 503, 504})


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

    def logged_errors(self) -> list[str]:
        """The errors the replicas logged (an unexpected error, a background job that failed),
        their logs from before a restart too."""
        logs = (log for r in self.replicas for log in sorted(r.data_dir.glob("server-*.log")))
        return [
            line
            for log in logs
            for line in log.read_text(errors="replace").splitlines()
            if _ERROR.search(line)
        ]

    def kill(self, index: int) -> None:
        """SIGKILL a replica and every worker of its group: no goodbye to the balancer nor the
        database (its connections are left for PostgreSQL to notice)."""
        replica = self.replicas[index]
        assert replica.proc is not None, f"replica{index + 1} is not running"
        with contextlib.suppress(ProcessLookupError):
            os.killpg(replica.proc.pid, signal.SIGKILL)
        replica.proc.wait(10)
        replica.proc = None
        # Its workers may outlive it by a moment, their socket still taking connections (which
        # they would then cut): it is gone once its port refuses them.
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", replica.port)) != 0:
                    return
            assert time.monotonic() < deadline, f"replica{index + 1} still takes connections"
            time.sleep(0.01)

    def restart(self, index: int, timeout: float = 30) -> None:
        """Start a killed replica again on its port (its earlier log kept beside), and wait until
        the balancer sends it requests again (two passed checks)."""
        replica = self.replicas[index]
        if replica.log_path is not None and replica.log_path.exists():
            replica.log_path.rename(replica.log_path.with_suffix(f".{time.time_ns()}.log"))
        replica.start()
        name = f"replica{index + 1}"
        seen = len(self.answers())
        deadline = time.monotonic() + timeout
        while not any(server == name for server, _ in self.answers()[seen:]):
            assert time.monotonic() < deadline, f"the balancer sent {name} nothing within {timeout} s"
            httpx.get(f"{self.url}/healthz", timeout=5)
            time.sleep(0.1)


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


@dataclass
class Outage:
    """One replica of a cluster killed (SIGKILL) between two of the `planned` tests run through it,
    a third of the way, and started again two thirds of the way while the tests go on (it rejoins
    once the balancer's checks pass). The tests in between run on the replica left, the first of
    them before the balancer has noticed: its requests to the dead replica are refused and sent to
    the other. `check` afterwards: no request failed that the client does not retry, and no replica
    logged an error."""

    cluster: Cluster
    planned: int
    victim: int = 0
    started: int = 0
    killed: bool = False
    restarting: Future[None] | None = None
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1))

    def before_test(self) -> None:
        if self.started == self.planned // 3:
            self.cluster.kill(self.victim)
            self.killed = True
        elif self.killed and self.restarting is None and self.started >= 2 * self.planned // 3:
            self.restarting = self._pool.submit(self.cluster.restart, self.victim)
        self.started += 1

    def settle(self) -> None:
        """Wait for a restart under way (it raises here if the replica did not come back)."""
        self._pool.shutdown(wait=True)
        if self.restarting is not None:
            self.restarting.result()

    def check(self) -> None:
        failed = {status for _, status in self.cluster.answers() if status >= 500}
        assert failed <= RETRIED, f"the balancer answered {self.cluster.statuses()}"
        assert not self.cluster.logged_errors(), "\n".join(self.cluster.logged_errors())


@contextlib.contextmanager
def outage_midway(work: Path, database_url: str, blob_env: dict[str, str], planned: int) -> Iterator[Outage]:
    """Two replicas behind haproxy, one of them killed and started again while `planned` tests
    run through the balancer (each calls `Outage.before_test`); checked when they are done."""
    with cluster(work, database_url, blob_env) as c:
        outage = Outage(c, planned)
        try:
            yield outage
        finally:
            outage.settle()  # before the replicas are stopped: none is left starting
        outage.check()
