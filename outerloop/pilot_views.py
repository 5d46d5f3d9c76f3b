"""The initiative page's pilot forms: set up a pilot, choose its controls, start and end it.

Thin: the services (outerloop.services.pilots) refuse with reasons; a refusal re-renders the page
with the form and its errors (400). Who may: whoever may edit the initiative (403 otherwise);
an initiative the person may not see is a 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxloop.core.exceptions import ApplicationError
from cxloop.org.permissions import role_required

from . import permissions, selectors
from .models import Initiative, Pilot
from .pilot_controls import candidate_units
from .pilot_forms import PilotControlsForm, PilotForm
from .services import pilots as services


def _editable(request: HttpRequest, pk: int) -> Initiative:
    initiative = selectors.initiative_get(user=request.user, initiative_id=pk)
    if not permissions.can_edit_initiative(request.user, initiative):
        raise PermissionDenied(_("Only the initiative's owner or the committee sets up its pilots."))
    return initiative


def _refused(request: HttpRequest, initiative: Initiative, **bound) -> HttpResponse:
    from .views import _initiative_context  # the page's own context, with the bound pilot form

    context = {**_initiative_context(request, initiative), **bound}
    return TemplateResponse(request, "outerloop/initiative_detail.html", context, status=400)


def _add_error(form, error: ApplicationError) -> None:
    field = next((name for name in error.extra if name in form.fields), None)
    form.add_error(field, error.message)


@require_POST
@role_required(*permissions.OUTER_ROLES)
def pilot_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Set up a pilot of the initiative on chosen teams or touchpoints, with its baseline period."""
    initiative = _editable(request, pk)
    form = PilotForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.pilot_create(initiative=initiative, actor=request.user, **form.service_kwargs())
        except ApplicationError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Pilot set up: now choose its controls."))
            return redirect("outerloop:initiative", pk=initiative.pk)
    return _refused(request, initiative, pilot_form=form)


@require_POST
@role_required(*permissions.OUTER_ROLES)
def pilot_action(request: HttpRequest, pk: int, pilot_id: int, action: str) -> HttpResponse:
    """Choose the controls, start or end a pilot of the initiative."""
    initiative = _editable(request, pk)
    pilot = get_object_or_404(Pilot, initiative=initiative, pk=pilot_id)
    if action not in ("controls", "start", "end"):
        raise Http404("No such action.")
    try:
        if action == "controls":
            candidates = candidate_units(dimension=pilot.dimension, user=request.user)
            form = PilotControlsForm(request.POST, candidates=candidates)
            if not form.is_valid():
                return _refused(request, initiative, pilot_controls_bound={pilot.pk: form})
            services.pilot_controls_set(
                pilot=pilot, actor=request.user, unit_ids=form.cleaned_data["controls"]
            )
            messages.success(request, _("Controls chosen."))
        elif action == "start":
            services.pilot_start(pilot=pilot, actor=request.user)
            messages.success(request, _("Pilot started."))
        else:
            services.pilot_end(pilot=pilot, actor=request.user)
            messages.success(request, _("Pilot ended."))
    except ApplicationError as error:
        messages.error(request, str(error.message))
    return redirect("outerloop:initiative", pk=initiative.pk)
