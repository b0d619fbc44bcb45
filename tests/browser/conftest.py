import pytest

from tests.assembly.fixtures import eager_celery, media_root  # noqa: F401
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS
from tests.finance.conftest import excerpt_finance, finance_editor, fy2024  # noqa: F401


@pytest.fixture
def browser(monkeypatch):
    """Debian's chromium through Playwright. The tests read the database between browser
    steps, inside Playwright's event loop, hence DJANGO_ALLOW_ASYNC_UNSAFE."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
