"""End to end with a real Celery worker over Redis (the PostgreSQL CI run; CELERY_BROKER_URL set).

The worker is a subprocess (`celery -A akiruno worker`, two processes, so department PDFs are
rendered in parallel) that reaches the test database through DATABASE_URL; the test is
transactional so that the worker sees its data.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from akiruno.celery import app as celery_app
from reports.models import Build, ReportEvent
from reports.services import assembly
from reports.tasks.assembly import assemble_report
from tests.assembly import sample

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TIMEOUT = 300


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(db["USER"] or "", safe="")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = db.get("HOST") or "localhost"
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"
    name = str(db["NAME"])
    if connection.vendor == "sqlite" and name != ":memory:" and "mode=memory" not in name:
        return f"sqlite:///{Path(name).resolve()}"
    pytest.skip(
        "the worker needs a database another process can open (PostgreSQL or a SQLite file)"
    )


@pytest.fixture
def worker(tmp_path, settings):
    if not os.environ.get("CELERY_BROKER_URL"):
        pytest.skip("CELERY_BROKER_URL is not set: no broker for a real worker")
    queue = f"akiruno-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.assembly.worker_settings",
        "AKIRUNO_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "AKIRUNO_TEST_QUEUE": queue,
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "akiruno",
            "worker",
            "--loglevel=INFO",
            "--pool=prefork",
            "--concurrency=2",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # the autouse fixture made it eager
    try:
        yield queue
    finally:
        celery_app.conf.task_always_eager = saved
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        sys.stdout.write((tmp_path / "worker.log").read_text()[-5000:])


def _wait_for(predicate, what: str):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_real_worker_assembles_and_publishes(worker, planning_head, client):
    report = sample.make_approved_report(items=6, tables=4, reviewer=planning_head)
    # What the workflow's approval does on commit; sent twice, as a duplicated delivery would be.
    for _ in range(2):
        assemble_report.apply_async(
            kwargs={"report_id": report.pk, "requested_by_id": planning_head.pk}, queue=worker
        )

    build = _wait_for(
        lambda: Build.objects.filter(report=report, status__in=["succeeded", "failed"]).first(),
        "the build to finish",
    )
    assert build.status == Build.Status.SUCCEEDED, build.error
    assert build.is_published and build.edition == 1
    assert build.progress_done == build.progress_total == 7
    assert Build.objects.filter(report=report).count() == 1
    assert ReportEvent.objects.filter(report=report, action="publish").count() == 1
    assert (assembly.build_dir(build) / "report.pdf").exists()
    assert Path(settings.MEDIA_ROOT) in assembly.build_dir(build).parents
    response = client.get("/reports/2024/report.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
