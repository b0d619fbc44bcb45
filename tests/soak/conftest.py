"""The soak harness: PostgreSQL, the soak's own redis-server, real Celery workers, Celery beat and
gunicorn, all on loopback, all started (and stopped) by this session.

    make soak        # DATABASE_URL names the PostgreSQL database; its "_soak" twin is used

- The test database is `<name>_soak` (tests.soak.settings), created with migrations by
  pytest-django; every test is transactional, so the servers see what it writes and the tables
  are emptied after it.
- redis-server runs on SOAK_PORT_BASE + 1 without persistence (the outage test stops and
  restarts it); gunicorn on SOAK_PORT_BASE; the workers and beat read tests.soak.settings.
- Every wait is bounded (SOAK_WAIT seconds), and `make soak` bounds the whole run.

Each test prints its figure on a line starting with "SOAK"; `make soak` shows them (-s).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.conf import settings

WAIT = float(os.environ.get("SOAK_WAIT", "180"))


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.soak)


def figure(text: str) -> None:
    """Print one of the suite's figures (collected in the note and the CI log)."""
    sys.stdout.write(f"\nSOAK {text}\n")
    sys.stdout.flush()


def wait_for(predicate: Callable[[], object], what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def database_url(settings_dict: dict) -> str:
    auth = quote(settings_dict["USER"] or "", safe="")
    if settings_dict.get("PASSWORD"):
        auth += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{quote(settings_dict['NAME'], safe='')}"


class Stack:
    """The running services of one soak session. Every process is in its own process group,
    so a worker is killed with its pool children and nothing else."""

    def __init__(self, db_url: str):
        self.var = Path(settings.SOAK_VAR)
        self.http_port = settings.SOAK_HTTP_PORT
        self.redis_port = settings.SOAK_REDIS_PORT
        self.base_url = f"http://127.0.0.1:{self.http_port}"
        self.logs = self.var / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.soak.settings",
            "DATABASE_URL": db_url,
            "SOAK_PORT_BASE": str(settings.SOAK_PORT_BASE),
            "SOAK_VAR": str(self.var),
            "PYTHONPATH": str(settings.BASE_DIR),
            "LOG_LEVEL": "INFO",
        }
        self.procs: dict[str, subprocess.Popen] = {}
        self.mark = 0
        self.log_start: dict[str, int] = {}

    # -- processes ---------------------------------------------------------------------------

    def _start(self, name: str, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("a")
        self.log_start[name] = log.tell()
        process = subprocess.Popen(
            argv,
            cwd=settings.BASE_DIR,
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.procs[name] = process
        return process

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        process = self.procs.pop(name, None)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if sig == signal.SIGKILL:
            # The pool children of a prefork worker share its process group.
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def log(self, name: str, *, since_start: bool = False) -> str:
        path = self.logs / f"{name}.log"
        if not path.exists():
            return ""
        data = path.read_bytes()
        if since_start:
            data = data[self.log_start.get(name, 0) :]
        return data.decode(errors="replace")

    # redis ----------------------------------------------------------------------------------

    def start_redis(self) -> None:
        if _port_open(self.redis_port):
            if "redis" in self.procs:
                return
            raise RuntimeError(f"port {self.redis_port} is taken: the soak needs it for its Redis")
        directory = self.var / "redis"
        directory.mkdir(parents=True, exist_ok=True)
        self._start(
            "redis",
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(directory),
            ],
        )
        wait_for(lambda: _port_open(self.redis_port), "redis-server", timeout=20)

    def stop_redis(self) -> None:
        self.stop("redis", signal.SIGKILL)
        wait_for(lambda: not _port_open(self.redis_port), "redis-server to stop", timeout=20)

    # celery ---------------------------------------------------------------------------------

    def start_worker(self, name: str = "worker", concurrency: int = 2) -> subprocess.Popen:
        return self._start(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "akiruno",
                "worker",
                "--loglevel=INFO",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-Q",
                settings.CELERY_TASK_DEFAULT_QUEUE,
                "-n",
                f"{name}@soak",
            ],
        )

    def worker_ready(self, name: str = "worker") -> bool:
        return " ready." in self.log(name, since_start=True)

    def start_beat(self) -> subprocess.Popen:
        return self._start(
            "beat",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "akiruno",
                "beat",
                "--loglevel=INFO",
                "-s",
                str(self.var / "celerybeat-schedule"),
            ],
        )

    # gunicorn -------------------------------------------------------------------------------

    def start_web(self, workers: int = 2, threads: int = 4) -> None:
        if _port_open(self.http_port):
            raise RuntimeError(f"port {self.http_port} is taken: the soak needs it for gunicorn")
        self._start(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "akiruno.wsgi",
                "--bind",
                f"127.0.0.1:{self.http_port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--timeout",
                "120",
                "--access-logfile",
                str(self.logs / "access.log"),
                "--access-logformat",
                "ACCESS %(s)s %(m)s %(U)s",
            ],
        )
        wait_for(lambda: _port_open(self.http_port), "gunicorn", timeout=60)

    def url(self, path: str) -> str:
        return self.base_url + path

    def access_lines(self) -> list[tuple[int, str, str]]:
        path = self.logs / "access.log"
        if not path.exists():
            return []
        out = []
        for line in path.read_text(errors="replace").splitlines():
            match = re.match(r"ACCESS (\d{3}) (\S+) (\S+)", line)
            if match:
                out.append((int(match[1]), match[2], match[3]))
        return out

    def server_errors(self) -> list[tuple[int, str, str]]:
        return [line for line in self.access_lines() if line[0] >= 500]

    def new_errors(self) -> list[tuple[int, str, str]]:
        return [line for line in self.access_lines()[self.mark :] if line[0] >= 500]

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)


@pytest.fixture(scope="session")
def stack(django_db_setup, django_db_blocker):
    """The services, started once per session after the test database exists and stopped
    before it is dropped."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the soak runs on PostgreSQL: set DATABASE_URL (make soak does)")
    if settings.SETTINGS_MODULE != "tests.soak.settings":
        pytest.skip("the soak needs its settings: run `make soak`")
    var = Path(settings.SOAK_VAR)
    shutil.rmtree(var, ignore_errors=True)
    Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
    with django_db_blocker.unblock():
        services = Stack(database_url(connection.settings_dict))
    try:
        services.start_redis()
        services.start_worker()
        services.start_beat()
        services.start_web()
        wait_for(lambda: services.worker_ready(), "the Celery worker", timeout=60)
        yield services
    finally:
        services.stop_all()
        with django_db_blocker.unblock():
            connection.close()


@pytest.fixture
def live(stack, transactional_db):
    """The stack, with the test's data committed where the servers see it. `live.new_errors()`
    lists the 5xx answered since the test began."""
    stack.mark = len(stack.access_lines())
    yield stack


# -- HTTP clients ------------------------------------------------------------------------------


def session_for(stack: Stack, user) -> requests.Session:
    """A browser-like session of `user` on the live server: a server-side session row (the
    login form's second factor, if any, is not what the soak measures) and the CSRF cookie."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    client = requests.Session()
    client.cookies.set(settings.SESSION_COOKIE_NAME, store.session_key, domain="127.0.0.1")
    client.headers["Referer"] = stack.url("/")
    return client


def csrf_token(client: requests.Session, stack: Stack, path: str = "/staff/") -> str:
    token = client.cookies.get(settings.CSRF_COOKIE_NAME)
    if not token:
        client.get(stack.url(path), timeout=30)
        token = client.cookies.get(settings.CSRF_COOKIE_NAME)
    return token or ""


def api_client(stack: Stack, user) -> requests.Session:
    """An API client of `user` with a token of its own."""
    from akiruno.tokens import token_create

    _, key = token_create(user=user, name="soak")
    client = requests.Session()
    client.headers["Authorization"] = f"Token {key}"
    client.headers["Accept"] = "application/json"
    return client
