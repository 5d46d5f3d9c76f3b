"""/surveys/<slug>/contacts/: a manager or an administrator invites a CSV of contacts to a survey
and reads what became of each row."""

from django import forms
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from cxloop.org.models import Role
from cxloop.org.permissions import role_required
from feedback.permissions import Writer

from .access import surveys_usable_by
from .contacts import COLUMNS, ContactsFileError, contacts_invite, max_bytes, max_rows

# What each outcome of a row is called on the page.
STATUS_LABELS = {
    "scheduled": _("Invited"),
    "suppressed": _("Not sent"),
    "duplicate": _("Already invited for this transaction"),
    "error": _("Refused"),
}


class ContactsForm(forms.Form):
    file = forms.FileField(
        label=_("Contacts (CSV)"),
        help_text=_("A CSV file in UTF-8 whose first row names the columns."),
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.MANAGER)
def contacts_upload(request, slug: str):
    """Upload a CSV of contacts to invite to the survey; the answer reports every row."""
    writer = Writer.for_person(request.user)
    survey = get_object_or_404(surveys_usable_by(writer=writer), slug=slug)
    form = ContactsForm(request.POST or None, request.FILES or None)
    report, error = None, ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > max_bytes():
                raise ContactsFileError(
                    _("The file is larger than %(limit)s bytes, the limit.") % {"limit": f"{max_bytes():,}"}
                )
            report = contacts_invite(survey=survey, data=upload.read(), actor=writer)
        except ContactsFileError as refused:
            error = str(refused)
    context = {
        "survey": survey,
        "form": form,
        "error": error,
        "report": report,
        "rows": _labelled(report.rows) if report else [],
        "counts": _counts(report.counts) if report else [],
        "columns": COLUMNS,
        "max_bytes": max_bytes(),
        "max_rows": max_rows(),
    }
    status = 400 if form.errors or error else 200
    return TemplateResponse(request, "surveys/contacts.html", context, status=status)


def _labelled(rows):
    return [{"row": row, "status_label": STATUS_LABELS[row.status]} for row in rows]


def _counts(counts: dict[str, int]) -> list[tuple[object, int]]:
    return [(STATUS_LABELS[status], counts[status]) for status in STATUS_LABELS if counts.get(status)]
