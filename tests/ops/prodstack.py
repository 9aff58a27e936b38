"""Custos' production stack on loopback, for the smoke and fault tests (``make smoke-prod``).

gunicorn (``deploy/gunicorn.conf.py``) + ``manage.py rqworker`` processes on Redis +
PostgreSQL, with ``custos.settings.production`` and the environment of ``make run-prod``.
Each stack is private: its own PostgreSQL database ``custos_smoke_<random>`` (dropped at
the end), an empty Redis database number it claims (its keys deleted at the end), a free
port, a data directory under the test's temporary directory. Every process it starts
carries ``CUSTOS_PRODSTACK_ID`` in its environment and runs in its own session, so
:meth:`ProdStack.stop` finds and kills all of them, RQ's work horses included (they
leave their worker's process group).

``CUSTOS_PRODSTACK_PG_PORT`` and ``CUSTOS_PRODSTACK_PG_CLUSTER`` (default 5432 and
``main``) pick the PostgreSQL cluster the stack uses and the fault test restarts.
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# The local cluster by default; another one (``pg_createcluster 15 smoke -p 5439``) keeps
# the PostgreSQL restart away from other users of the machine's main cluster.
PG_HOST, PG_USER = "127.0.0.1", "postgres"
PG_PORT = int(os.environ.get("CUSTOS_PRODSTACK_PG_PORT", "5432"))
PG_CLUSTER = os.environ.get("CUSTOS_PRODSTACK_PG_CLUSTER", "main")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
MARK = "CUSTOS_PRODSTACK_ID"
REDIS_CLAIM = "custos:prodstack:claim"
DEMO_SOURCE = "custos-air-sqlite"
DEMO_PASSWORD = "custos"


def wait_for(what: str, check: Callable[[], Any], *, timeout: float, interval: float = 0.25) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception as exc:  # still starting, database restarting...
            last_error, value = exc, None
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(
        f"timed out after {timeout:.0f}s waiting for {what} (last error: {last_error})"
    )


def services_available() -> bool:
    try:
        psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres").close()
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_timeout=2).ping()
    except Exception:
        return False
    return True


def _admin_connection() -> psycopg.Connection[Any]:
    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _claim_redis_db(stack_id: str) -> int:
    """An empty Redis database number, marked as ours (never one with other users' keys)."""
    numbers = list(range(1, 16))
    random.shuffle(numbers)
    for number in numbers:
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number)
        if client.set(REDIS_CLAIM, stack_id, nx=True, ex=3600):
            if client.dbsize() == 1:
                return number
            client.delete(REDIS_CLAIM)  # someone else's keys live here
    raise RuntimeError("no empty Redis database number (1-15) to run the stack on")


def _descendants(pid: int) -> list[int]:
    """Child processes of ``pid`` (RQ's work horses), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found.append(int(entry.name))
    return found


def _marked_processes(stack_id: str) -> list[int]:
    needle = f"{MARK}={stack_id}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
    return found


def make_wide_sqlite(path: Path, *, tables: int, columns: int) -> str:
    """A SQLite database with many wide empty tables (an ingestion that takes a while)."""
    conn = sqlite3.connect(path)
    try:
        for t in range(tables):
            cols = ", ".join(f"c{c:03d} TEXT" for c in range(columns))
            conn.execute(f"CREATE TABLE t{t:05d} (id INTEGER PRIMARY KEY, {cols})")
        conn.commit()
    finally:
        conn.close()
    return f"sqlite:///{path}"


class ProdStack:
    """Start with :meth:`start`, always :meth:`stop` (the ``prodstack`` fixture does)."""

    def __init__(
        self, workdir: Path, *, stale_seconds: int = 5, web_workers: int = 2, web_threads: int = 4
    ) -> None:
        self.id = secrets.token_hex(4)
        self.workdir = workdir
        self.logs = workdir / "logs"
        self.db_name = f"custos_smoke_{self.id}"
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.redis_db: int | None = None
        self.web: subprocess.Popen[bytes] | None = None
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        self._worker_count = 0
        self._db_created = False
        self.token = ""
        self.stale_seconds = stale_seconds
        self.web_workers, self.web_threads = web_workers, web_threads

    # -- lifecycle ------------------------------------------------------------------

    def start(self, *, workers: int = 2) -> ProdStack:
        self.logs.mkdir(parents=True, exist_ok=True)
        (self.workdir / "metrics").mkdir(exist_ok=True)
        with _admin_connection() as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        self._db_created = True
        self.redis_db = _claim_redis_db(self.id)
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        self.manage("demo", "--size", "small", "--targets", "sqlite", timeout=300)
        self.token = self.manage("create_token", "admin", "--name", "smoke", "--days", "1")
        self.token = self.token.strip().splitlines()[-1]
        names = [self.start_worker(wait=False) for _ in range(workers)]
        self.start_web(wait=False)  # all start at once: each takes seconds to import Django
        for name in names:
            self.wait_worker(name)
        self.wait_web()
        return self

    def stop(self) -> None:
        procs = [p for p in [self.web, *self.workers.values()] if p is not None]
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        for proc in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        for pid in _marked_processes(self.id):  # work horses, stray manage.py runs
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self._db_created:
            with contextlib.suppress(psycopg.Error), _admin_connection() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        if self.redis_db is not None:
            client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=self.redis_db)
            with contextlib.suppress(redis.RedisError):
                if client.get(REDIS_CLAIM) == self.id.encode():
                    keys = list(client.scan_iter("rq:*"))
                    if keys:
                        client.delete(*keys)
                    client.delete(REDIS_CLAIM)

    # -- processes ------------------------------------------------------------------

    @property
    def env(self) -> dict[str, str]:
        """``make run-prod``'s environment, pointed at this stack's database and Redis."""
        drop = ("DJANGO_", "CUSTOS_", "DATABASE_", "PROMETHEUS_", "RQ_", "PYTEST_")
        env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
        env.update(
            DJANGO_SETTINGS_MODULE="custos.settings.production",
            DATABASE_URL=f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.db_name}",
            CUSTOS_SECRET_KEY=f"prodstack-{self.id}-" + "x" * 50,
            CUSTOS_DATA_DIR=str(self.workdir / "data"),
            CUSTOS_TASKS_BACKEND="django_tasks_rq.RQBackend",
            CUSTOS_REDIS_URL=f"redis://{REDIS_HOST}:{REDIS_PORT}/{self.redis_db}",
            CUSTOS_SSL_REDIRECT="false",
            CUSTOS_SECURE_COOKIES="false",
            CUSTOS_HSTS_SECONDS="0",
            PROMETHEUS_MULTIPROC_DIR=str(self.workdir / "metrics"),
            CUSTOS_LOG_FORMAT="json",
            CUSTOS_DEMO_PASSWORD=DEMO_PASSWORD,
            CUSTOS_RUN_STALE_SECONDS=str(self.stale_seconds),
            CUSTOS_WEB_WORKERS=str(self.web_workers),
            CUSTOS_WEB_THREADS=str(self.web_threads),
            PYTHONUNBUFFERED="1",
        )
        env[MARK] = self.id
        return env

    def manage(self, *args: str, timeout: float = 120, check: bool = True) -> str:
        """Run ``manage.py`` with the stack's settings; returns stdout."""
        out = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and out.returncode != 0:
            raise AssertionError(
                f"manage.py {' '.join(args)} exited {out.returncode}:\n{out.stderr[-3000:]}"
            )
        return out.stdout

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        try:
            return subprocess.Popen(
                argv,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed as a whole
            )
        finally:
            log.close()

    def start_worker(self, *, wait: bool = True) -> str:
        self._worker_count += 1
        name = f"smoke-{self.id}-{self._worker_count}"
        self.workers[name] = self._spawn(
            name,
            [
                sys.executable,
                "manage.py",
                "rqworker",
                "default",
                "--job-class",
                "django_tasks_rq.Job",
                "--name",
                name,
            ],
        )
        if wait:
            self.wait_worker(name)
        return name

    def wait_worker(self, name: str) -> None:
        """Until the worker is registered in Redis (it then listens on the queue)."""
        assert self.redis_db is not None, "start() the stack first"
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=self.redis_db)
        wait_for(
            f"RQ worker {name}",
            lambda: f"rq:worker:{name}".encode() in client.smembers("rq:workers"),
            timeout=90,
        )

    def kill_worker(self, name: str) -> None:
        """``kill -9`` a worker and its work horse at once, as a crashed host would."""
        proc = self.workers.pop(name)
        horses = _descendants(proc.pid)
        for pid in [proc.pid, *horses]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=10)
        wait_for(
            "the work horse to die",
            lambda: not any(Path(f"/proc/{pid}").exists() for pid in horses),
            timeout=10,
        )

    def start_web(self, *, wait: bool = True) -> None:
        self.web = self._spawn(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "-c",
                "deploy/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{self.port}",
                "custos.wsgi:application",
            ],
        )
        if wait:
            self.wait_web()

    def wait_web(self) -> None:
        wait_for("gunicorn", lambda: self.get("/healthz").status_code == 200, timeout=90)

    def log_tail(self, lines: int = 40) -> str:
        parts = []
        for path in sorted(self.logs.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(parts)

    # -- HTTP and database ------------------------------------------------------------

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.base_url + path, timeout=15, **kwargs)

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Token {self.token}", **kwargs.pop("headers", {})}
        return httpx.request(
            method, self.base_url + "/api/v1" + path, headers=headers, timeout=30, **kwargs
        )

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read the stack's database directly (assertions only)."""
        with psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=self.db_name, connect_timeout=5
        ) as conn:
            return conn.execute(query, params).fetchall()

    def run_row(self, run_id: int) -> dict[str, Any]:
        cols = ["status", "worker", "attempts", "heartbeat_at", "message", "error"]
        rows = self.sql(
            f"SELECT {', '.join(cols)} FROM catalog_ingestionrun WHERE id = %s", (run_id,)
        )
        return dict(zip(cols, rows[0], strict=True))

    def wait_run(self, run_id: int, *, timeout: float) -> dict[str, Any]:
        """Poll the run through the API until it is finished."""

        def finished() -> dict[str, Any] | None:
            got = self.api("GET", f"/ingestion-runs/{run_id}")
            body: dict[str, Any] = got.json()
            return body if body.get("status") in ("succeeded", "failed") else None

        result: dict[str, Any] = wait_for(f"run {run_id}", finished, timeout=timeout, interval=0.5)
        return result


# -- PostgreSQL service ------------------------------------------------------------------


def _pg_version() -> str:
    versions = sorted(Path("/etc/postgresql").iterdir(), key=lambda p: int(p.name))
    return versions[-1].name


def pg_ctl(action: str) -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", _pg_version(), PG_CLUSTER, action],
        check=True,
        capture_output=True,
        timeout=60,
    )


def postgres_ready() -> bool:
    try:
        with psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=2
        ) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


@contextlib.contextmanager
def postgres_down() -> Iterator[None]:
    """Stop the PostgreSQL cluster for the block; it is running again afterwards, whatever
    happened inside (the ``finally`` below, and the fixture's own check)."""
    pg_ctl("stop")
    try:
        yield
    finally:
        ensure_postgres_running()


def ensure_postgres_running() -> None:
    if not postgres_ready():
        with contextlib.suppress(subprocess.CalledProcessError):
            pg_ctl("start")
        wait_for("PostgreSQL to accept connections", postgres_ready, timeout=60)
