"""The period a dashboard shows (last 30, 90 or 365 days, or a custom range) and the team switcher.

The choice travels in the query string (period, date_from, date_to), so every link of a dashboard
keeps it; bad input is a form error naming the field, and the page falls back to the default period.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxloop.org.models import Role
from cxloop.org.scoping import scope_for, teams_visible_to

DEFAULT_DAYS = 30
PRESETS = (30, 90, 365)
CUSTOM = "custom"
# A custom range ends today at the latest, spans at most this many days, and starts no earlier than
# EARLIEST (the trend and the previous period read further back still; dates stay far from date.min).
MAX_DAYS = 3 * 366
EARLIEST = date(2000, 1, 1)
# Who may switch to another team of their scope from a dashboard.
SWITCHER_ROLES = (Role.MANAGER, Role.COMMITTEE, Role.ADMIN)


@dataclass(frozen=True)
class Period:
    """[date_from, date_to) in days; `key` is the preset's number of days or "custom"."""

    key: str
    date_from: date
    date_to: date

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days

    @property
    def last_day(self) -> date:
        return self.date_to - timedelta(days=1)

    @property
    def previous_from(self) -> date:
        return self.date_from - (self.date_to - self.date_from)

    @property
    def is_default(self) -> bool:
        return self.key == str(DEFAULT_DAYS)

    def params(self) -> dict[str, str]:
        """The query parameters that choose this period again (none for the default)."""
        if self.key == CUSTOM:
            return {
                "period": CUSTOM,
                "date_from": self.date_from.isoformat(),
                "date_to": self.last_day.isoformat(),
            }
        return {} if self.is_default else {"period": self.key}

    def query(self) -> str:
        return urlencode(self.params())


def last_days(days: int, *, today: date | None = None) -> Period:
    """The `days` days up to and including today."""
    end = (today or timezone.localdate()) + timedelta(days=1)
    return Period(str(days), end - timedelta(days=days), end)


def default_period() -> Period:
    return last_days(DEFAULT_DAYS)


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} · {obj.department.name}"


class DashboardForm(forms.Form):
    """The period picker, and for managers and above the team switcher (teams of their scope only)."""

    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[
            ("30", _("Last 30 days")),
            ("90", _("Last 90 days")),
            ("365", _("Last 365 days")),
            (CUSTOM, _("From a date to a date")),
        ],
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data=None, *, user, team=None):
        super().__init__(data, initial={"period": str(DEFAULT_DAYS), "team": team})
        if may_switch_teams(user):
            self.fields["team"] = TeamChoiceField(
                label=_("Team"),
                required=False,
                queryset=switchable_teams(user=user),
                to_field_name="slug",
                empty_label=_("Choose a team"),
            )

    def clean(self) -> dict:
        cleaned: dict = super().clean() or {}
        if cleaned.get("period") != CUSTOM:
            return cleaned
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from is None and "date_from" not in self.errors:
            self.add_error("date_from", _("Choose the first day of the period."))
        if date_to is None and "date_to" not in self.errors:
            self.add_error("date_to", _("Choose the last day of the period."))
        if date_from is None or date_to is None:
            return cleaned
        if date_to > timezone.localdate():
            self.add_error("date_to", _("The period cannot end after today."))
        elif date_from > date_to:
            self.add_error("date_to", _("The last day cannot come before the first."))
        elif date_from < EARLIEST:
            self.add_error("date_from", _("Choose a day in 2000 or later."))
        elif (date_to - date_from).days + 1 > MAX_DAYS:
            self.add_error("date_from", _("Choose at most three years."))
        return cleaned

    def chosen_period(self) -> Period:
        """The period asked for; the default when nothing (or something invalid) was asked."""
        if not self.is_bound or not self.is_valid():
            return default_period()
        data: dict = self.cleaned_data
        key = data.get("period") or str(DEFAULT_DAYS)
        if key == CUSTOM:
            return Period(CUSTOM, data["date_from"], data["date_to"] + timedelta(days=1))
        return last_days(int(key))

    def chosen_team(self):
        data: dict = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("team")


def may_switch_teams(user) -> bool:
    return scope_for(user).has_role(*SWITCHER_ROLES)


def switchable_teams(*, user) -> QuerySet:
    """The teams a manager (their departments') or the committee and admins (all) may switch to."""
    return teams_visible_to(user=user).order_by("department__name", "name")
