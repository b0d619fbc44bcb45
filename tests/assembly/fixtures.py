"""Fixtures shared by the assembly, public-site and browser tests (imported by their conftest)."""

from __future__ import annotations

import pytest

from akiruno.celery import app as celery_app


@pytest.fixture(autouse=True)
def eager_celery():
    """Run tasks in-process even when CELERY_BROKER_URL is set (the PostgreSQL CI run)."""
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def run_assembly(report, user=None):
    """What the workflow's approval does on commit, run in-process."""
    from reports.models import Build
    from reports.tasks.assembly import assemble_report

    assemble_report.delay(report_id=report.pk, requested_by_id=user.pk if user else None)
    return Build.objects.filter(report=report, kind=Build.Kind.RELEASE).order_by("-id").first()


def body(response) -> str:
    """The text of a response, streamed (stored files) or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()
