"""The public, read-only site. It shows published builds only."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reports.models import AnnualReport


def public_home(request: HttpRequest) -> HttpResponse:
    reports = AnnualReport.objects.filter(state=AnnualReport.State.PUBLISHED).order_by(
        "-fiscal_year"
    )
    return render(request, "public/home.html", {"reports": reports})
