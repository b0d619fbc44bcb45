#!/usr/bin/env python
"""Fuzz the running API against its own OpenAPI schema, once per role (CI: .ci/run).

1. A throwaway SQLite database under var/schemathesis/: migrations, the demo organisation
   (load_demo: departments, one user per role, FY2024/FY2025 with their sections), a section
   with content, workflow events, and a token per role.
2. gunicorn on a free local port (or --port), DEBUG off.
3. `schemathesis run` against /api/v1/schema/ for each role (anonymous, editor, head,
   reviewer, administrator) with `Authorization: Token …`, checking not_a_server_error,
   response_schema_conformance and status_code_conformance, bounded by --max-examples and
   --max-time per role.
4. The server is stopped; a summary table is printed; the exit status is 1 if any run failed.

Token revocation (DELETE /auth/token/, DELETE /auth/tokens/{id}/) is not fuzzed: a run that
revokes its own token would test nothing but 401 afterwards. tests/api/test_tokens.py covers it.

    .venv/bin/python scripts/schemathesis.py [--port 8160] [--max-examples 25] [--max-time 60]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
VAR = ROOT / "var" / "schemathesis"

ROLES = {
    # role: demo username (None: anonymous)
    "anonymous": None,
    "editor": "koshitsu-tanto",
    "head": "koshitsu-kacho",
    "reviewer": "shinsa",
    "admin": "admin",
}
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance"

# Half of the generated path parameters name objects that exist, so detail operations get
# past 404 (the fresh database numbers every table from 1).
CONFIG = """
cache = { enabled = false }

[dictionaries]
ids = { values = [1, 2, 3, 4, 5, 6] }
codes = { values = ["kikaku-seisaku", "shicho-koshitsu", "zaisei"] }
years = { values = [2024, 2025] }

[parameters]
"path.id" = { dictionary = "ids", probability = 0.5 }
"path.code" = { dictionary = "codes", probability = 0.5 }
"path.fiscal_year" = { dictionary = "years", probability = 0.5 }
"""
NOT_FUZZED = ["auth_token_destroy", "auth_tokens_destroy"]

# schemathesis's CLI, with ast.parse serialised. Hypothesis describes filter lambdas by parsing
# their source file; with --workers 2 two threads can do so at once, and CPython 3.11 keeps the
# AST constructor's recursion counter per interpreter, so a thread switch inside one parse (a
# finaliser run by the garbage collector) breaks the other: "SystemError: AST constructor
# recursion depth mismatch" (python/cpython#106905), reported as an error of whichever operation
# was being generated. Not a property of our schema; the lock costs nothing measurable.
RUNNER = """
import ast, sys, threading
_parse, _lock = ast.parse, threading.Lock()
def parse(*args, **kwargs):
    with _lock:
        return _parse(*args, **kwargs)
ast.parse = parse
from schemathesis.cli import schemathesis
sys.argv[0] = "schemathesis"
sys.exit(schemathesis())
"""


@dataclass
class Result:
    role: str
    exit_code: int
    operations: int
    cases: int
    failures: int
    seconds: float


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="akiruno.settings.local",
        DEBUG="0",
        AKIRUNO_VAR_DIR=str(VAR),
        PYTHONPATH=str(ROOT),
        # Fuzzing sends hundreds of password attempts: keep the login throttle on, but let the
        # other roles' requests through (the throttle itself is tested in tests/api).
        LOGIN_FAILURE_LIMIT_PER_ADDRESS="100000",
    )
    return env


def prepare(env: dict[str, str]) -> dict[str, str]:
    """Create the database and the fixture data; return a token per role."""
    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    python = str(VENV_BIN / "python")
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["createcachetable"],
        ["load_demo", "--force"],
    ):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True)  # noqa: S603
    fixture = subprocess.run(  # noqa: S603 (our own commands)
        [python, "manage.py", "shell", "-c", FIXTURE_CODE],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    tokens = {}
    for line in fixture.stdout.splitlines():
        if line.startswith("TOKEN "):
            _, role, key = line.split()
            tokens[role] = key
    return tokens


FIXTURE_CODE = r"""
import hashlib
from reports import blocks
from reports.models import Block, Item, Section, SectionEvent, SectionSnapshot, User
from akiruno.tokens import token_create

section = Section.objects.get(report__fiscal_year=2024, department__code="shicho-koshitsu")
top = Item.objects.create(section=section, heading="秘書事務", position=0)
Block.objects.create(item=top, kind="text", position=0,
    data=blocks.get("text").clean({"paragraphs": ["市長の日程調整を行った。"]}))
child = Item.objects.create(section=section, parent=top, heading="会議", position=0)
Block.objects.create(item=child, kind="counts", position=0, data=blocks.get("counts").clean(
    {"entries": [{"label": "協議会", "value": 2, "unit": "回"}], "style": "numbered"}))
Block.objects.create(item=child, kind="table", position=1, data=blocks.get("table").clean({
    "caption": "市長提出案件数",
    "columns": [{"key": "name", "label": "会議名", "type": "text"},
                {"key": "gian", "label": "議案", "type": "integer"}],
    "rows": [{"name": "定例会", "gian": 12}, {"name": "臨時会", "gian": 3}],
    "summary": [{"op": "sum", "label": "合計"}]}))
content = {"department": "shicho-koshitsu", "items": []}
for sec in Section.objects.filter(report__fiscal_year=2024):
    snapshot = SectionSnapshot.objects.create(section=sec, section_version=1, content=content,
        checksum=hashlib.sha256(b"x").hexdigest())
    SectionEvent.objects.create(section=sec, action="submit", from_state="draft",
        to_state="awaiting_head", actor=User.objects.get(username="koshitsu-tanto"),
        snapshot=snapshot, section_version=1, comment="提出します。")
for role, username in ROLE_USERS.items():
    _, key = token_create(user=User.objects.get(username=username), name="schemathesis")
    print("TOKEN", role, key)
""".replace("ROLE_USERS", repr({role: user for role, user in ROLES.items() if user}))


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    log = open(VAR / "server.log", "w")  # closed by stop_server
    server = subprocess.Popen(  # noqa: S603 (our own command)
        [
            str(VENV_BIN / "gunicorn"),
            "akiruno.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--timeout",
            "60",
            # Fuzzed query strings and headers run long; the request-line and header limits
            # are the proxy's (414/431 in HTML), not the API's contract, so lift them here.
            "--limit-request-line",
            "0",
            "--limit-request-field_size",
            "0",
            "--access-logfile",
            "-",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server.log_file = log
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped while starting; see {VAR / 'server.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit("the server did not answer within 30 seconds")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    server.log_file.close()


def run_role(role: str, token: str | None, port: int, args) -> Result:
    report_dir = VAR / "reports" / role
    config = VAR / "schemathesis.toml"
    config.write_text(CONFIG)
    command = [
        str(VENV_BIN / "python"),
        "-c",
        RUNNER,
        "--config-file",
        str(config),
        "run",
        f"http://127.0.0.1:{port}/api/v1/schema/",
        "--checks",
        CHECKS,
        "--max-examples",
        str(args.max_examples),
        "--max-time",
        str(args.max_time),
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--seed",
        str(args.seed),
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(report_dir / "junit.xml"),
        "--generation-database",
        "none",
    ]
    for operation_id in NOT_FUZZED:
        command += ["--exclude-operation-id", operation_id]
    if token:
        command += ["--header", f"Authorization: Token {token}"]
    print(f"\n== schemathesis as {role}", flush=True)
    started = time.monotonic()
    cases = 0
    with subprocess.Popen(  # noqa: S603 (our own command)
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        for line in process.stdout:
            print(line, end="", flush=True)
            match = re.search(r"(\d+) generated", line)
            if match:
                cases = int(match.group(1))
    seconds = time.monotonic() - started
    operations = failures = 0
    junit = report_dir / "junit.xml"
    if junit.exists():
        tree = ET.parse(junit)  # noqa: S314 (our own file)
        for case in tree.iter("testcase"):
            operations += 1
            if case.find("failure") is not None or case.find("error") is not None:
                failures += 1
    return Result(role, process.returncode, operations, cases, failures, seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="local port (default: a free one)")
    parser.add_argument("--max-examples", type=int, default=25, help="cases per operation")
    parser.add_argument("--max-time", type=int, default=45, help="seconds per role at most")
    parser.add_argument("--seed", type=int, default=20240401)
    parser.add_argument("--roles", default=",".join(ROLES), help="comma-separated roles")
    args = parser.parse_args()

    env = environment()
    print("== preparing the database under", VAR, flush=True)
    tokens = prepare(env)
    port = args.port or free_port()
    print(f"== starting the server on 127.0.0.1:{port}", flush=True)
    server = start_server(env, port)
    results = []
    try:
        for role in args.roles.split(","):
            if role not in ROLES:
                raise SystemExit(f"unknown role {role!r}; choose from {', '.join(ROLES)}")
            results.append(run_role(role, tokens.get(role), port, args))
    finally:
        stop_server(server)
    print("\n== schemathesis summary")
    print(f"{'role':<10} {'operations':>10} {'cases':>7} {'failed':>7} {'seconds':>8}  result")
    for r in results:
        verdict = "ok" if r.exit_code == 0 else f"FAILED (exit {r.exit_code})"
        print(
            f"{r.role:<10} {r.operations:>10} {r.cases:>7} {r.failures:>7} {r.seconds:>8.1f}  "
            f"{verdict}"
        )
    total = sum(r.cases for r in results)
    print(f"{'total':<10} {'':>10} {total:>7} {sum(r.failures for r in results):>7}")
    print(f"server log: {VAR / 'server.log'}; junit reports: {VAR / 'reports'}")
    return 0 if all(r.exit_code == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
