"""The case page's forms for both sides of the story: they render and parse the HTML encoding; the
action table's inputs (innerloop.both_sides) validate them, as they validate the API's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .both_sides import ACCOUNT_MAX, JUSTIFICATION_MAX
from .forms import VersionedForm
from .models import Disposition


class EmployeeAccountForm(VersionedForm):
    account = forms.CharField(
        label=_("The employee's account"),
        help_text=_("What happened, in the words of the employee involved. Shown beside the customer's."),
        max_length=ACCOUNT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DispositionForm(VersionedForm):
    disposition = forms.ChoiceField(
        label=_("Customer not a fit"),
        choices=[("", _("Choose why")), *Disposition.choices],
    )
    justification = forms.CharField(
        label=_("Justification"),
        help_text=_("Required. The case is left out of signal detection and impact reviews."),
        max_length=JUSTIFICATION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DispositionClearForm(VersionedForm):
    reason = forms.CharField(label=_("Why it is cleared"), max_length=JUSTIFICATION_MAX)
