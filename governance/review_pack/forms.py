"""The pack's period: two dates, by default since the last system review."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .period import PackPeriod, default_period

# Far enough for any programme; a longer span is a typo (year 2O26) more than a review.
MAX_YEARS = 10


class PackPeriodForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end:
            if start > end:
                self.add_error("date_to", _("The end comes before the start."))
            elif end > timezone.localdate() + timedelta(days=366):
                self.add_error("date_to", _("Choose a date within a year from today."))
            elif start < date(1990, 1, 1):
                self.add_error("date_from", _("Choose a date after 1990."))
            elif (end - start).days > MAX_YEARS * 366:
                self.add_error("date_from", _("A pack covers at most 10 years."))
        return cleaned

    def period(self) -> PackPeriod:
        return PackPeriod(date_from=self.cleaned_data["date_from"], date_to=self.cleaned_data["date_to"])


def period_form(data) -> PackPeriodForm:
    """Bound to the query string when it names a period, else to the default period."""
    if "date_from" in data or "date_to" in data:
        return PackPeriodForm(data)
    default = default_period()
    return PackPeriodForm(
        {"date_from": default.date_from.isoformat(), "date_to": default.date_to.isoformat()}
    )
