"""`make bench`: the figures of issue 17, measured on this machine, printed and written to
bench/results.json. Not a test: nothing here asserts a target; it measures and reports.

    .venv/bin/python bench/run.py                     # demo (3 departments) and 50 departments
    .venv/bin/python bench/run.py --departments 10    # a smaller "large" report
    .venv/bin/python bench/run.py --skip-pg           # embedded default only

For each report (the demo's three departments, and `--departments` departments built from the
demo's sections by `manage.py generate_report`):
1. embedded default (SQLite, eager Celery, one process): the build timed phase by phase
   (HTML/CSV/ZIP, department PDFs, front matter and merge) with its SQL query count;
2. PostgreSQL with Redis and real Celery workers (`--pool solo`, one process each): the same
   content built once with one worker and once with two, wall time from the build's start to
   its end, each worker's peak resident memory (VmHWM);
3. gunicorn serving the published report: the report's index, a department page and the
   whole-report page, each against the same bytes served as a static file by WhiteNoise in the
   same gunicorn, measured side by side with wrk; API list endpoints with 20 concurrent clients
   (wrk, p95 latency).
"""
# ruff: noqa: S603, S607, S310 (a benchmark that starts this project's own processes on loopback)

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PG = "postgres://postgres@127.0.0.1:5432/"
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
PORT = int(os.environ.get("BENCH_PORT", "8590"))
API_LISTS = [
    "/api/v1/items/?page_size=50",
    "/api/v1/sections/",
    "/api/v1/blocks/?page_size=50",
    "/api/v1/meetings/bodies/",
    "/api/v1/events/",
]


# --- one scenario in its own process (Django is set up once per process) ----------------------


def scenario_embedded(fiscal_year: int, departments: int, scale: int) -> dict:
    """Generate the report and build it in this process, phase by phase."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from reports.models import AnnualReport, Build, User
    from reports.services import assembly, workflow

    call_command("migrate", verbosity=0)
    call_command(
        "generate_report",
        str(fiscal_year),
        departments=departments,
        scale=scale,
        no_publish=True,
        stdout=open(os.devnull, "w"),
    )
    timings: dict[str, float] = {"html": 0.0, "pdf": 0.0, "merge": 0.0}
    # Reads are what must not grow with the report; each PDF part writes its own progress and
    # claim (a few UPDATEs per part, by design), so writes are counted apart.
    queries = {"n": 0, "writes": 0}
    parts: list[float] = []

    def counting(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("SELECT"):
            queries["n"] += 1
        else:
            queries["writes"] += 1
        return execute(sql, params, many, context)

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            with connection.execute_wrapper(counting):
                try:
                    return fn(*args, **kwargs)
                finally:
                    elapsed = time.perf_counter() - t
                    timings[name] += elapsed
                    if name == "pdf":
                        parts.append(elapsed)

        return wrapper

    assembly.render_static_phase = timed("html", assembly.render_static_phase)
    assembly.render_pdf_part = timed("pdf", assembly.render_pdf_part)
    assembly.finish_build = timed("merge", assembly.finish_build)
    report = AnnualReport.objects.get(fiscal_year=fiscal_year)
    head = User.objects.get(username="gen-kikaku-kacho")
    started = time.perf_counter()
    workflow.report_approve(report=report, user=head)
    total = time.perf_counter() - started
    build = Build.objects.filter(report=report, kind=Build.Kind.RELEASE).latest("pk")
    import resource

    return {
        "status": build.status,
        "error": build.error,
        "pdf_pages": build.page_count,
        "html_assembly_s": round(timings["html"], 2),
        "pdf_parts_s": round(timings["pdf"], 2),
        "slowest_part_s": round(max(parts, default=0.0), 2),
        "merge_s": round(timings["merge"], 2),
        "build_1_process_s": round(total, 2),
        "assembly_queries": queries["n"],
        "assembly_writes": queries["writes"],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "manifest_files": len(build.manifest),
        "pdf_mb": round(build.manifest["report.pdf"]["size"] / 1e6, 2),
        "html_kb": round(
            sum(e["size"] for n, e in build.manifest.items() if n.endswith(".html")) / 1e3
        ),
    }


def scenario_generate(fiscal_year: int, departments: int, scale: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    call_command(
        "generate_report",
        str(fiscal_year),
        departments=departments,
        scale=scale,
        no_publish=True,
        stdout=open(os.devnull, "w"),
    )
    return {"generate_s": round(time.perf_counter() - t, 1)}


def scenario_approve(fiscal_year: int) -> dict:
    """Approve the report (the build is queued for the running workers) and wait for it."""
    import django

    django.setup()
    from reports.models import AnnualReport, Build, User
    from reports.services import workflow

    report = AnnualReport.objects.get(fiscal_year=fiscal_year)
    workflow.report_approve(report=report, user=User.objects.get(username="gen-kikaku-kacho"))
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        build = Build.objects.filter(report=report, kind=Build.Kind.RELEASE).order_by("-pk").first()
        if build is not None and build.status in (Build.Status.SUCCEEDED, Build.Status.FAILED):
            if build.status == Build.Status.FAILED or build.published_at is not None:
                break
        time.sleep(0.5)
    return {
        "status": build.status if build else None,
        "error": build.error if build else "no build",
        "build_s": round(build.duration_seconds or 0, 2) if build else None,
        "pdf_pages": build.page_count if build else None,
        "build_id": build.pk if build else None,
    }


def scenario_prepare_http(fiscal_year: int, static_dir: str) -> dict:
    """Copy three published pages into the static folder and issue an API token."""
    import django

    django.setup()
    from akiruno.tokens import token_create
    from reports.models import AnnualReport, Build, User
    from reports.services import assembly

    report = AnnualReport.objects.get(fiscal_year=fiscal_year)
    build = Build.objects.filter(report=report, published_at__isnull=False).latest("published_at")
    department = sorted(n for n in build.manifest if n.startswith("departments/"))[0]
    pages = {"index": "index.html", "department": department, "all": "all.html"}
    target = Path(static_dir) / "bench"
    target.mkdir(parents=True, exist_ok=True)
    for label, name in pages.items():
        shutil.copyfile(assembly.build_dir(build) / name, target / f"{label}.html")
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    _, key = token_create(user=admin, name="bench")
    slug = department.removeprefix("departments/").removesuffix(".html")
    return {
        "pages": {
            "index": f"/reports/{fiscal_year}/",
            "department": f"/reports/{fiscal_year}/{slug}/",
            "all": f"/reports/{fiscal_year}/all/",
        },
        "token": key,
    }


SCENARIOS = {
    "embedded": scenario_embedded,
    "generate": scenario_generate,
    "approve": scenario_approve,
    "prepare_http": scenario_prepare_http,
}


# --- the orchestrator -----------------------------------------------------------------------


def run_scenario(name: str, env: dict, *args) -> dict:
    out = subprocess.run(
        [PY, __file__, "--scenario", name, *map(str, args)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        sys.stderr.write(out.stdout[-3000:] + out.stderr[-5000:])
        raise SystemExit(f"bench: scenario {name} failed")
    return json.loads(lines[-1])


def base_env(var_dir: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(
        AKIRUNO_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="akiruno.settings.local",
        DEBUG="0",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def fresh_pg(name: str) -> str:
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql],
            check=True,
            capture_output=True,
        )
    return PG + name


def start_workers(env: dict, count: int, log_dir: Path) -> list[subprocess.Popen]:
    workers = []
    for n in range(count):
        log = open(log_dir / f"worker-{count}-{n}.log", "w")
        workers.append(
            subprocess.Popen(
                [
                    str(ROOT / ".venv/bin/celery"),
                    "-A",
                    "akiruno",
                    "worker",
                    "--pool",
                    "solo",
                    "-n",
                    f"bench{n}@%h",
                    "--loglevel",
                    "WARNING",
                    "--without-gossip",
                    "--without-mingle",
                ],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    time.sleep(4)
    return workers


def peak_rss_mb(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def stop(processes: list[subprocess.Popen]) -> None:
    for p in processes:
        with contextlib.suppress(ProcessLookupError):
            p.send_signal(signal.SIGTERM)
    for p in processes:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"bench: nothing listens on {port}")


def warm(url: str, headers: dict) -> None:
    """Wait until every gunicorn worker has booted and answers (a few requests each)."""
    import urllib.request

    deadline = time.monotonic() + 60
    ok = 0
    while ok < 8 and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30):
                ok += 1
        except OSError:
            time.sleep(0.5)


P95_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("P95_US %d\\n", latency:percentile(95)))
end
"""


def wrk(url: str, *, seconds: int, connections: int, headers: dict | None = None) -> dict:
    lua = ROOT / "var" / "bench" / "p95.lua"
    lua.write_text(P95_LUA)
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s"]
    cmd += ["-s", str(lua), url]
    for k, v in (headers or {}).items():
        cmd[1:1] = ["-H", f"{k}: {v}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p95 = int(re.search(r"P95_US (\d+)", out)[1]) / 1000
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p95_ms": round(p95, 1), "errors": int(non2xx[1]) if non2xx else 0}


def http_phase(env: dict, fiscal_year: int, var_dir: Path, seconds: int) -> dict:
    static = var_dir / "static"
    prep = run_scenario("prepare_http", env, fiscal_year, static)
    penv = dict(
        env,
        DJANGO_SETTINGS_MODULE="akiruno.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=str(static),
    )
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--noinput", "-v0"], env=penv, cwd=ROOT, check=True
    )
    log = open(var_dir / "gunicorn.log", "w")
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "akiruno.wsgi",
            "--workers",
            str(os.cpu_count() or 2),
            "--bind",
            f"127.0.0.1:{PORT}",
        ],
        env=penv,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_port(PORT)
        base = f"http://127.0.0.1:{PORT}"
        https = {"X-Forwarded-Proto": "https"}
        warm(base + prep["pages"]["index"], https)
        pages = {}
        for label, path in prep["pages"].items():
            app = wrk(base + path, seconds=seconds, connections=20, headers=https)
            static_ = wrk(
                f"{base}/static/bench/{label}.html", seconds=seconds, connections=20, headers=https
            )
            pages[label] = {
                "app_rps": app["rps"],
                "static_rps": static_["rps"],
                "ratio": round(app["rps"] / static_["rps"], 3) if static_["rps"] else None,
                "app_errors": app["errors"],
            }
        auth = dict(https, Authorization=f"Token {prep['token']}")
        api = {}
        for path in API_LISTS:
            api[path] = wrk(base + path, seconds=seconds, connections=20, headers=auth)
        return {"pages": pages, "api": api}
    finally:
        stop([server])


def machine() -> dict:
    cpu = ""
    with contextlib.suppress(OSError):
        m = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = m[1] if m else ""
    mem = 0
    with contextlib.suppress(OSError):
        mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1]) // 1024
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mb": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario")
    parser.add_argument("args", nargs="*")
    parser.add_argument("--departments", type=int, default=50)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--seconds", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.json"))
    opts = parser.parse_args()
    if opts.scenario:
        fn = SCENARIOS[opts.scenario]
        args = [int(a) if a.isdigit() else a for a in opts.args]
        print(json.dumps(fn(*args), ensure_ascii=False))
        return
    if not shutil.which("wrk"):
        raise SystemExit("bench: wrk が必要です（apt-get install wrk、または make bench）")

    work = ROOT / "var" / "bench"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    results: dict = {"machine": machine(), "departments": opts.departments, "scale": opts.scale}
    sizes = {"demo": 3, "large": opts.departments}
    embedded = {}
    for label, departments in sizes.items():
        print(
            f"== embedded default (SQLite, eager): {label}, {departments} departments", flush=True
        )
        var = work / f"embedded-{label}"
        embedded[label] = run_scenario(
            "embedded", base_env(var), 2030, departments, opts.scale if label == "large" else 1
        )
        print("  ", embedded[label], flush=True)
    results["embedded"] = embedded

    pg: dict = {}
    if not opts.skip_pg:
        for label, departments in sizes.items():
            pg[label] = {}
            scale = opts.scale if label == "large" else 1
            for workers in (1, 2):
                print(f"== PostgreSQL + Redis, {workers} worker(s): {label}", flush=True)
                var = work / f"pg-{label}-{workers}"
                env = base_env(
                    var,
                    DATABASE_URL=fresh_pg(f"akiruno_bench_{label}_{workers}"),
                    CELERY_BROKER_URL=BROKER,
                    CELERY_RESULT_BACKEND=BROKER,
                )
                subprocess.run(
                    ["redis-cli", "-u", BROKER, "flushdb"], check=True, capture_output=True
                )
                generated = run_scenario("generate", env, 2030, departments, scale)
                procs = start_workers(env, workers, work)
                try:
                    approved = run_scenario("approve", env, 2030)
                    rss = [peak_rss_mb(p.pid) for p in procs]
                finally:
                    stop(procs)
                pg[label][f"{workers}_workers"] = {**generated, **approved, "peak_rss_mb": rss}
                print("  ", pg[label][f"{workers}_workers"], flush=True)
                if label == "large" and workers == 2:
                    print("== gunicorn: public pages vs static, API lists (20 clients)", flush=True)
                    results["http"] = http_phase(env, 2030, var, opts.seconds)
        results["postgresql"] = pg
    else:
        print("== gunicorn on the embedded default (SQLite)", flush=True)
        results["http"] = http_phase(
            base_env(work / "embedded-large"), 2030, work / "embedded-large", opts.seconds
        )

    large, small = embedded["large"], embedded["demo"]
    results.update(
        {
            "html_assembly_s": large["html_assembly_s"],
            "pdf_pages": large["pdf_pages"],
            "assembly_queries": {
                "small": small["assembly_queries"],
                "large": large["assembly_queries"],
            },
            "assembly_writes": {
                "small": small["assembly_writes"],
                "large": large["assembly_writes"],
            },
        }
    )
    if pg:
        one, two = pg["large"]["1_workers"]["build_s"], pg["large"]["2_workers"]["build_s"]
        results.update(
            {
                "build_1_worker_s": one,
                "build_2_workers_s": two,
                "build_speedup": round(one / two, 2) if one and two else None,
                "peak_rss_mb_per_worker": max(
                    pg["large"]["1_workers"]["peak_rss_mb"]
                    + pg["large"]["2_workers"]["peak_rss_mb"]
                ),
            }
        )
    else:
        results.update(
            {
                "build_1_worker_s": large["build_1_process_s"],
                "build_2_workers_s": None,
                "build_speedup": None,
                "peak_rss_mb_per_worker": large["peak_rss_mb"],
            }
        )
    http = results["http"]
    results["public_page_vs_static"] = {k: v["ratio"] for k, v in http["pages"].items()}
    results["api_list_p95_ms"] = {k: v["p95_ms"] for k, v in http["api"].items()}
    Path(opts.output).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print_table(results)


def print_table(r: dict) -> None:
    rows = [
        ("html_assembly_s", r["html_assembly_s"], "≤ 3"),
        ("build_1_worker_s", r["build_1_worker_s"], ""),
        ("build_2_workers_s", r["build_2_workers_s"], "≤ 45"),
        ("build_speedup", r["build_speedup"], "≥ 1.8"),
        ("pdf_pages", r["pdf_pages"], "≈ 500"),
        ("peak_rss_mb_per_worker", r["peak_rss_mb_per_worker"], "≤ 400"),
        (
            "assembly_queries: reads (3 / N depts)",
            f"{r['assembly_queries']['small']} / {r['assembly_queries']['large']}",
            "equal",
        ),
        (
            "assembly_writes (3 / N depts; progress per part)",
            f"{r['assembly_writes']['small']} / {r['assembly_writes']['large']}",
            "",
        ),
    ]
    rows += [
        (f"public_page_vs_static[{k}]", v, "≥ 0.8") for k, v in r["public_page_vs_static"].items()
    ]
    rows += [(f"api_list_p95_ms[{k}]", v, "≤ 150") for k, v in r["api_list_p95_ms"].items()]
    m = r["machine"]
    print(
        f"\n{r['departments']} departments × scale {r['scale']} on {m['cores']} cores, {m['cpu']} (load {m['load_average_at_start']})"
    )
    print(f"{'figure':48s} {'measured':>14s}  target")
    for name, value, target in rows:
        print(f"{name:48s} {value!s:>14s}  {target}")


if __name__ == "__main__":
    main()
