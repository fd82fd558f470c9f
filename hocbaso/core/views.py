"""The home page: what this person can do now, gathered from every app's section provider."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hocbaso.core.home import sections_for
from hocbaso.core.permissions import login_required


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"sections": sections_for(request.user)})
