"""Staff pages (HTML). Thin: they ask the policy, call selectors and services, render."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reports import selectors


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    sections = selectors.section_list_for_home(user=request.user)
    return render(request, "staff/home.html", {"sections": sections})
