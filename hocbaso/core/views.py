"""The home page: what this person can do now, by their roles."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hocbaso.core.permissions import login_required


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {})
