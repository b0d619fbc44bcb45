from tests.assembly.fixtures import eager_celery, media_root  # noqa: F401
