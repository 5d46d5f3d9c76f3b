"""The case page: thin views over the inner loop's services (the queue page is queue_views)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from cxloop.core.actions import action_run_form
from cxloop.core.auditlog.record import audit_view

from . import permissions, selectors
from .actions import CASE_ACTIONS
from .both_sides import both_sides_may
from .both_sides_forms import DispositionClearForm, DispositionForm, EmployeeAccountForm
from .forms import (
    AllowContactForm,
    ContactForm,
    DoNotContactForm,
    MessageForm,
    NoteForm,
    ReopenForm,
    ResolveForm,
    StatusForm,
    VersionedForm,
)
from .message_templates import missing_note, template_fill, templates_for_case
from .models import Case
from .presenters import customer_card
from .timeline import timeline_entries

# Each case action the page offers: the form its HTML encoding is read with, and its name in the
# page's context (the actions themselves are CASE_ACTIONS).
HTML_ACTIONS: dict[str, tuple[type[forms.Form], str]] = {
    "contact": (ContactForm, "contact_form"),
    "message": (MessageForm, "message_form"),
    "resolve": (ResolveForm, "resolve_form"),
    "status": (StatusForm, "status_form"),
    "reopen": (ReopenForm, "reopen_form"),
    "close": (VersionedForm, "close_form"),
    "note": (NoteForm, "note_form"),
    "do-not-contact": (DoNotContactForm, "do_not_contact_form"),
    "allow-contact": (AllowContactForm, "allow_contact_form"),
    "employee-account": (EmployeeAccountForm, "employee_account_form"),
    "disposition": (DispositionForm, "disposition_form"),
    "disposition-clear": (DispositionClearForm, "disposition_clear_form"),
}
# The close action is a button with its hidden version: the page shows no form for it.
_NO_PAGE_FORM = {"close"}


def _case_context(request: HttpRequest, case: Case, **bound: Any) -> dict[str, Any]:
    initial = {"version": case.version}
    page_forms = {
        name: form_class(initial=initial if "version" in form_class.base_fields else None)
        for action, (form_class, name) in HTML_ACTIONS.items()
        if action not in _NO_PAGE_FORM | {"message"}
    }
    contact = selectors.customer_contact(case=case)
    can_write = bool(case.is_open and case.customer and case.customer.email and not contact["do_not_contact"])
    context = {
        "case": case,
        "do_not_contact": contact,
        "customer_card": customer_card(case, user=request.user),
        "can_allow_contact": permissions.can_allow_contact(request.user, case),
        "both_sides": both_sides_may(request.user, case),
        "timeline": timeline_entries(case, selectors.case_timeline(case=case), user=request.user),
        "history": selectors.customer_history(case=case, user=request.user),
        "can_write": can_write,
        **page_forms,
    }
    if can_write:
        context |= _message_context(request, case, form=bound.pop("message_form", None))
    return context | bound


def _message_context(request: HttpRequest, case: Case, *, form: MessageForm | None = None) -> dict[str, Any]:
    """The message form, and each template's text filled in for this case (for the page's script)."""
    templates = templates_for_case(case)
    filled = [template_fill(template, case=case, actor=request.user) for template in templates]
    if form is None:
        form = MessageForm(initial={"version": case.version}, templates=templates)
    return {
        "message_form": form,
        "message_texts": [
            {"slug": f.slug, "subject": f.subject, "body": f.body, "note": missing_note(f)} for f in filled
        ],
    }


@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=pk)
    audit_view(request, case)
    return TemplateResponse(request, "innerloop/case_detail.html", _case_context(request, case))


def _after_resolving(request: HttpRequest, case: Case) -> HttpResponse:
    """Straight on to the person's next case, saying so; back to the queue when they have none."""
    following = selectors.case_next_for(user=request.user, after=case)
    if following is None:
        messages.success(
            request,
            gettext("Case %(case)s resolved. You have no other open case: here is the queue.")
            % {"case": case.pk},
        )
        return redirect("innerloop:queue")
    messages.success(
        request,
        gettext("Case %(case)s resolved. Next: case %(next)s, the most pressing of your open cases.")
        % {"case": case.pk, "next": following.pk},
    )
    return redirect("innerloop:case", pk=following.pk)


@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One form on the case page: run its entry of CASE_ACTIONS, come back to the case."""
    if action not in CASE_ACTIONS or action not in HTML_ACTIONS:
        raise Http404(gettext("No such action."))
    case = selectors.case_get(user=request.user, case_id=pk)
    form_class, name = HTML_ACTIONS[action]
    if action == "message":
        if "use_template" in request.POST:
            return _use_template(request, case)
        form: forms.Form = MessageForm(request.POST, templates=templates_for_case(case))
    else:
        form = form_class(request.POST)
    done = action_run_form(CASE_ACTIONS[action], user=request.user, target=case, form=form)
    if done is not None:
        if action == "resolve":
            return _after_resolving(request, case)
        messages.success(request, done.message)
        return redirect("innerloop:case", pk=case.pk)
    case.refresh_from_db()
    context = _case_context(request, case, **{name: form, "open_form": name})
    return TemplateResponse(request, "innerloop/case_detail.html", context, status=400)


def _use_template(request: HttpRequest, case: Case) -> HttpResponse:
    """The chosen template's text, filled in for this case, put into the message form to read and
    edit before sending (the page's way without JavaScript; nothing is sent)."""
    CASE_ACTIONS["message"].check(user=request.user, target=case)
    templates = templates_for_case(case)
    slug = request.POST.get("template", "")
    chosen = next((template for template in templates if template.slug == slug), None)
    if chosen is None:
        form = MessageForm(initial={"version": case.version}, templates=templates)
        context = _case_context(
            request,
            case,
            message_form=form,
            open_form="message_form",
            template_error=gettext("Choose a template."),
        )
        return TemplateResponse(request, "innerloop/case_detail.html", context, status=400)
    filled = template_fill(chosen, case=case, actor=request.user)
    initial = {"version": case.version, "template": slug, "subject": filled.subject, "body": filled.body}
    form = MessageForm(initial=initial, templates=templates)
    form.fields["subject"].widget.attrs["autofocus"] = True  # where the agent reads on from
    note = missing_note(filled)
    context = _case_context(request, case, message_form=form, open_form="message_form", message_note=note)
    return TemplateResponse(request, "innerloop/case_detail.html", context)
