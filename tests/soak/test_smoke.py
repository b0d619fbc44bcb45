"""The harness itself: gunicorn answers on PostgreSQL, a real worker builds and publishes."""

from __future__ import annotations

import pytest
import requests

from reports.models import Build
from reports.tasks.assembly import assemble_report
from tests import factories
from tests.assembly import sample
from tests.soak.conftest import figure, wait_for


def test_the_stack_serves_and_builds(live):
    planning = factories.make_department("kikaku-seisaku", "企画政策課", display_order=10)
    approver = factories.make_user("kikaku-kacho", department=planning, head=True, reviewer=True)
    report = sample.make_approved_report(departments=2, items=2, tables=1, reviewer=approver)
    assemble_report.delay(report_id=report.pk, requested_by_id=approver.pk)
    build = wait_for(
        lambda: Build.objects.filter(report=report, status__in=["succeeded", "failed"]).first(),
        "the build",
    )
    assert build.status == Build.Status.SUCCEEDED, build.error
    response = requests.get(live.url(f"/reports/{report.fiscal_year}/report.pdf"), timeout=30)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    figure(f"smoke: build #{build.pk} {build.status} in {build.duration_seconds:.1f}s")
    assert live.new_errors() == []


pytestmark = pytest.mark.django_db(transaction=True)
