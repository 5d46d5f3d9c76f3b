"""The page comparing recovered and unrecovered detractors on what they did later."""

from django import forms
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from cxloop.org.models import Role
from cxloop.org.permissions import role_required
from feedback.metrics.figures import low_sample_n
from feedback.permissions import Writer
from feedback.transactions.permissions import transaction_writer_refusal

from .selectors import WINDOWS, recovery_value_departments, recovery_value_for

ROLES = (Role.MANAGER, Role.COMMITTEE)  # and administrators, who pass every role check


class RecoveryValueFilter(forms.Form):
    window = forms.TypedChoiceField(
        label=_("Follow customers for"),
        coerce=int,
        required=False,
        choices=[(days, _("%(days)s days after the case was resolved") % {"days": days}) for days in WINDOWS],
    )
    department: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Department"),
        queryset=None,
        required=False,
        to_field_name="slug",
        empty_label=_("All I may see"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = recovery_value_departments(user=user)  # type: ignore[attr-defined]


@require_GET
@role_required(*ROLES)
def recovery_value_page(request):
    """Recovered against unrecovered detractors of the same value tier: later NPS, revenue and churn."""
    form = RecoveryValueFilter(request.GET, user=request.user)
    if not form.is_valid():
        context: dict[str, object] = {"form": form, "result": None, "low_sample_n": low_sample_n()}
        return TemplateResponse(request, "innerloop/recovery_value/page.html", context, status=400)
    result = recovery_value_for(
        user=request.user,
        window_days=form.cleaned_data["window"] or WINDOWS[0],
        department=form.cleaned_data["department"],
    )
    context = {
        "form": form,
        "result": result,
        "low_sample_n": low_sample_n(),
        "can_import": _can_import(request),
    }
    return TemplateResponse(request, "innerloop/recovery_value/page.html", context)


def _can_import(request) -> bool:
    """Whether to offer the import of orders, renewals and churn (its own page decides again)."""
    return transaction_writer_refusal(Writer.for_person(request.user)) is None
