"""Staff pages (HTML). Thin: they ask the policy, call selectors and services, render."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reports import selectors
from reports.models import AnnualReport
from reports.permissions import policy


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    sections = selectors.section_list_for_home(user=request.user)
    reports = policy.visible(request.user, AnnualReport).order_by("-fiscal_year")
    return render(request, "staff/home.html", {"sections": sections, "reports": reports})
