"""`make demo` runs eager tasks on a thread of their own (issue 16, approval that does not block):
the request that queues a build answers before the build ends, and the task still runs."""

from __future__ import annotations

import importlib
import threading

import pytest

from akiruno.celery import app
from reports.services import broker

started = threading.Event()
release = threading.Event()
finished = threading.Event()
seen: dict[str, object] = {}


@app.task(name="tests.workflow.slow_task")
def slow_task(value: int) -> int:
    started.set()
    seen["thread"] = threading.current_thread().name
    release.wait(timeout=10)
    seen["value"] = value
    finished.set()
    return value


@app.task(name="tests.workflow.failing_task")
def failing_task() -> None:
    finished.set()
    raise RuntimeError("壊れた")


@pytest.fixture(autouse=True)
def fresh_events():
    for event in (started, release, finished):
        event.clear()
    seen.clear()
    yield
    release.set()


def test_with_tasks_in_background_send_answers_before_the_task_ends(settings):
    settings.TASKS_IN_BACKGROUND = True
    assert app.conf.task_always_eager
    assert broker.send(slow_task, value=7) is True
    # send has returned while the task is still waiting to be released: it did not block.
    assert started.wait(timeout=10)
    assert not finished.is_set()
    release.set()
    assert finished.wait(timeout=10)
    assert seen == {"thread": "task:tests.workflow.slow_task", "value": 7}


def test_without_it_the_task_runs_inside_the_call(settings):
    settings.TASKS_IN_BACKGROUND = False
    release.set()
    assert broker.send(slow_task, value=3) is True
    assert finished.is_set() and seen["thread"] == threading.current_thread().name


def test_a_failing_background_task_is_logged_not_raised(settings, caplog):
    settings.TASKS_IN_BACKGROUND = True
    thread = broker.run_in_background(failing_task)
    thread.join(timeout=10)
    assert finished.is_set() and not thread.is_alive()
    assert any(
        "background task tests.workflow.failing_task failed" in r.message for r in caplog.records
    )


def test_the_demo_runs_tasks_in_background_only_without_a_broker(monkeypatch):
    import akiruno.settings.base
    import akiruno.settings.demo
    import akiruno.settings.local

    try:
        monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
        for module in (akiruno.settings.base, akiruno.settings.local, akiruno.settings.demo):
            importlib.reload(module)
        assert akiruno.settings.demo.TASKS_IN_BACKGROUND is True
        assert akiruno.settings.base.TASKS_IN_BACKGROUND is False
        monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/9")
        for module in (akiruno.settings.base, akiruno.settings.local, akiruno.settings.demo):
            importlib.reload(module)
        assert akiruno.settings.demo.TASKS_IN_BACKGROUND is False
    finally:
        monkeypatch.undo()
        for module in (akiruno.settings.base, akiruno.settings.local, akiruno.settings.demo):
            importlib.reload(module)
