"""A person's saved views of the queue: save the current filters and sort, rename, delete."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cxloop.core.exceptions import ApplicationError

from . import queue_nav, saved_views
from .queue_views import queue_context


@require_POST
def saved_view_create(request: HttpRequest) -> HttpResponse:
    """Save the queue as the person sees it now (its filters and sort, not its page) under a name."""
    back = queue_nav.clean_query(request.POST.get("back", ""))
    form = saved_views.SavedViewNameForm(request.POST)
    if form.is_valid():
        try:
            name = form.cleaned_data["name"]
            view = saved_views.saved_view_create(owner=request.user, name=name, query=back)
        except ApplicationError as error:
            form.add_error("name", error.message)
        else:
            messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
            return redirect(queue_nav.queue_url(view.query))
    context = queue_context(request, QueryDict(back), save_form=form, save_open=True)
    return TemplateResponse(request, "innerloop/queue.html", context, status=400)


def _manage(request: HttpRequest, *, status: int = 200, **bound: Any) -> HttpResponse:
    views = list(saved_views.saved_views_of(user=request.user))
    for view in views:
        view.form = bound.get(str(view.pk)) or saved_views.SavedViewNameForm(  # type: ignore[attr-defined]
            initial={"name": view.name}, prefix=f"view-{view.pk}"
        )
    return TemplateResponse(request, "innerloop/saved_views.html", {"views": views}, status=status)


@require_GET
def saved_views_manage(request: HttpRequest) -> HttpResponse:
    """The person's saved views, each with a name to change and a button to delete it."""
    return _manage(request)


@require_POST
def saved_view_rename(request: HttpRequest, pk: int) -> HttpResponse:
    """Give one of the person's views another name (a bad or taken name: the form says why)."""
    view = saved_views.saved_view_get(user=request.user, view_id=pk)
    form = saved_views.SavedViewNameForm(request.POST, prefix=f"view-{view.pk}")
    if form.is_valid():
        try:
            saved_views.saved_view_rename(view=view, name=form.cleaned_data["name"], actor=request.user)
        except ApplicationError as error:
            form.add_error("name", error.message)
        else:
            messages.success(request, _("View renamed to “%(name)s”.") % {"name": view.name})
            return redirect("innerloop:saved-views")
    return _manage(request, status=400, **{str(view.pk): form})


@require_POST
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one of the person's views."""
    view = saved_views.saved_view_get(user=request.user, view_id=pk)
    name = view.name
    saved_views.saved_view_delete(view=view, actor=request.user)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": name})
    return redirect("innerloop:saved-views")
