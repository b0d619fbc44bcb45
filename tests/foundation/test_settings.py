"""Production settings refuse to start without secrets; every response carries security headers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_check(env_extra: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    env.update({"DJANGO_SETTINGS_MODULE": "akiruno.settings.production", **env_extra})
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ALLOWED_HOSTS": "example.jp"}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 60}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": "short", "ALLOWED_HOSTS": "example.jp"}, "SECRET_KEY"),
    ],
)
def test_production_refuses_to_start_without_secrets(env, message):
    result = run_check(env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_passes_check_deploy_without_warnings():
    result = run_check(
        {"SECRET_KEY": "k" * 20 + "Z9-_" * 10 + "q" * 20, "ALLOWED_HOSTS": "example.jp"}
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_security_headers_on_every_page(client, db):
    response = client.get("/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def _base_setting(name: str, env: dict) -> str:
    environment = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}
    }
    environment.update(env)
    code = f"from akiruno.settings import base; print(base.{name})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_services_follow_the_environment():
    """No DATABASE_URL: SQLite under var/; with it, PostgreSQL. No broker: eager Celery."""
    assert "sqlite3" in _base_setting('DATABASES["default"]["ENGINE"]', {})
    assert "postgresql" in _base_setting(
        'DATABASES["default"]["ENGINE"]', {"DATABASE_URL": "postgres://u@127.0.0.1:5432/x"}
    )
    assert _base_setting("CELERY_TASK_ALWAYS_EAGER", {}) == "True"
    assert (
        _base_setting("CELERY_TASK_ALWAYS_EAGER", {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/9"})
        == "False"
    )


def test_japanese_locale_and_tokyo_time():
    from django.conf import settings as live

    assert live.LANGUAGE_CODE == "ja" and live.TIME_ZONE == "Asia/Tokyo"
