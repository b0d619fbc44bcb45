"""Security tests: lockout counts and throttles live in the cache, so no test inherits another's."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()
