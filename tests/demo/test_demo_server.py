"""`make demo` serves with the project's own Japanese error pages, not Django's English debug
page, and still serves its static files (WhiteNoise from the apps, no collectstatic)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
missing = client.get("/no-such-page/")
css = client.get("/static/css/site.css")
print(json.dumps({
    "debug": settings.DEBUG,
    "missing": [missing.status_code, missing.content.decode()],
    "css": css.status_code,
}))
"""


def _demo_settings_module() -> str:
    recipe = re.search(r"^demo:.*?\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    assert recipe, "Makefile has a demo target"
    serve = [line for line in recipe[1].splitlines() if "runserver" in line]
    assert serve, "make demo runs the server"
    found = re.search(r"DJANGO_SETTINGS_MODULE=(\S+)", serve[0])
    return found[1] if found else "akiruno.settings.local"


def test_make_demo_shows_the_japanese_404_page(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": _demo_settings_module(),
        "AKIRUNO_VAR_DIR": str(tmp_path),
    }
    env.pop("DEBUG", None)
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    status, html = result["missing"]
    assert result["debug"] is False
    assert status == 404
    assert 'lang="ja"' in html and "ページが見つかりません" in html
    assert "Page not found" not in html and "URLconf" not in html
    assert result["css"] == 200
