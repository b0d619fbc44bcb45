from tests.assembly.fixtures import eager_celery, media_root  # noqa: F401
from tests.finance.conftest import excerpt_finance, finance_editor, fy2024  # noqa: F401
