"""Forms for people: frontline staff record what a customer said, and anyone on staff raises an
obstacle or an idea. Both store through feedback_ingest, the service every channel uses."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from cxloop.org.models import Role
from cxloop.org.permissions import role_required
from feedback import selectors
from feedback.contract import ContractValidator
from feedback.models import Source
from feedback.permissions import Writer
from feedback.services.ingest import ERROR, feedback_ingest

from .forms import EmployeeFeedbackForm, QuickFeedbackForm


def _form_teams(user) -> dict:
    under = selectors.teams_to_file_under(user=user)
    return {"teams": under.teams, "team_required": under.required}


def _store_from_form(request, form, item: dict, *, template: str, success: str, signed: bool = False):
    """`signed`: the staff form, whose item carries its author (metadata.raised_by), reserved to it."""
    validator = ContractValidator(signed_by=request.user.get_username() if signed else None)
    result = feedback_ingest(raw=item, writer=Writer.for_person(request.user), validator=validator)
    if result.status == ERROR:
        # The form checked the shape; what is left names a field of the contract.
        for field, reasons in result.errors.items():
            target = field if field in form.fields else None
            form.add_error(target, f"{field}: {' '.join(map(str, reasons))}" if target is None else reasons)
        return TemplateResponse(request, template, {"form": form}, status=400)
    messages.success(request, success)
    for reasons in result.warnings.values():
        for reason in reasons:
            messages.warning(request, _("Recorded, but the customer's %(reason)s") % {"reason": reason})
    return redirect(request.path)


@require_http_methods(["GET", "POST"])
@role_required(Role.AGENT, Role.TEAM_LEAD, Role.MANAGER)
def quick_feedback(request):
    """Frontline staff record what a customer said in the store, on the phone or at a return."""
    form = QuickFeedbackForm(request.POST or None, **_form_teams(request.user))
    if request.method == "POST" and form.is_valid():
        item = form.contract_item(user=request.user)
        return _store_from_form(
            request,
            form,
            item,
            template="feedback/quick_feedback.html",
            success="Thank you: the feedback is recorded.",
        )
    return TemplateResponse(
        request, "feedback/quick_feedback.html", {"form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def employee_feedback(request):
    """Anyone on staff raises an obstacle or an idea."""
    source = Source.objects.filter(active=True, kind=Source.Kind.EMPLOYEE).order_by("pk").first()
    form = EmployeeFeedbackForm(request.POST or None, **_form_teams(request.user))
    if source is not None and request.method == "POST" and form.is_valid():
        item = form.contract_item(source=source, user=request.user)
        return _store_from_form(
            request,
            form,
            item,
            template="feedback/employee_feedback.html",
            success="Thank you for raising it.",
            signed=True,
        )
    context = {"form": form, "unavailable": source is None}
    status = 400 if form.errors or (source is None and request.method == "POST") else 200
    return TemplateResponse(request, "feedback/employee_feedback.html", context, status=status)
