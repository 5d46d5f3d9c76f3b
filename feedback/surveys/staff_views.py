"""Staff pages of the surveys cxloop sends: the list with each survey's figures, a survey's page
with its figures by touchpoint and team, sending an employee survey to teams, and an employee
survey's results (eNPS and themes, never for a group of fewer than 5 answers).

Customer surveys are read over a period; employee surveys one round at a time (never over
periods, which overlap and could be subtracted from each other: feedback.surveys.rounds)."""

from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from cxloop.core.exceptions import ApplicationError
from cxloop.org.models import Role, Team
from cxloop.org.permissions import role_required
from cxloop.org.scoping import scope_for
from feedback.models import Survey
from feedback.permissions import Writer

from .access import surveys_usable_by
from .employee import employee_results, employee_survey_send, teams_sendable_by
from .metrics import (
    MIN_GROUP,
    NOT_SHOWN,
    PERIOD_DAYS,
    survey_figures,
    survey_figures_by_survey,
    survey_figures_by_team,
    survey_figures_by_touchpoint,
)
from .rounds import Round, survey_rounds

# Who reads the survey pages: the people who act on the figures (agents read their team's pages).
READERS = (Role.TEAM_LEAD, Role.MANAGER, Role.COMMITTEE)
DEFAULT_DAYS = "90"
ALL_TIME = "all"


class PeriodForm(forms.Form):
    days = forms.ChoiceField(
        label=gettext_lazy("Period"),
        required=False,
        choices=[
            *((str(days), gettext_lazy("the last %(days)s days") % {"days": days}) for days in PERIOD_DAYS),
            (ALL_TIME, gettext_lazy("any time")),
        ],
    )

    def since(self) -> datetime | None:
        days = self.cleaned_data.get("days") if self.is_valid() else None
        days = days or DEFAULT_DAYS
        return None if days == ALL_TIME else timezone.now() - timedelta(days=int(days))


class RoundForm(forms.Form):
    """One round of an employee survey, the newest by default."""

    round = forms.ChoiceField(label=gettext_lazy("Round"), required=False)

    def __init__(self, data, *, rounds: list[Round]):
        super().__init__(data)
        self.rounds = rounds
        field = self.fields["round"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(item.name, item.name) for item in rounds]

    def chosen(self) -> Round | None:
        name = self.cleaned_data.get("round") if self.is_valid() else None
        return next(
            (item for item in self.rounds if item.name == name), self.rounds[0] if self.rounds else None
        )


def _round(request, survey: Survey) -> tuple[RoundForm, Round | None]:
    rounds = survey_rounds(survey=survey)
    form = RoundForm(request.GET or ({"round": rounds[0].name} if rounds else {}), rounds=rounds)
    return form, form.chosen()


class TeamsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} · {obj.department.name}"


class StaffSendForm(forms.Form):
    teams = TeamsField(
        label=gettext_lazy("Teams"),
        queryset=Team.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Everyone active on these teams is asked, once each."),
    )
    run = forms.CharField(
        label=gettext_lazy("Round"),
        max_length=40,
        validators=[
            RegexValidator(r"^[-A-Za-z0-9_.]+$", gettext_lazy("Use letters, digits, dots and dashes only."))
        ],
        help_text=gettext_lazy(
            "A name for this round, such as the month. Sending the same round again asks only the people "
            "not asked yet."
        ),
    )

    def __init__(self, *args, teams: QuerySet[Team], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["teams"]
        assert isinstance(field, TeamsField)
        field.queryset = teams
        self.initial.setdefault("run", timezone.localdate().strftime("%Y-%m"))


def _period(request) -> tuple[PeriodForm, datetime | None]:
    form = PeriodForm(request.GET or {"days": DEFAULT_DAYS})
    return form, form.since()


@require_GET
@role_required(*READERS)
def survey_list(request):
    """Every survey with what became of its invitations in the reader's teams."""
    form, since = _period(request)
    rows = survey_figures_by_survey(user=request.user, since=since)
    return TemplateResponse(request, "surveys/list.html", {"rows": rows, "form": form})


@require_GET
@role_required(*READERS)
def survey_detail(request, slug: str):
    """One survey's figures, and by touchpoint and by team."""
    survey = get_object_or_404(
        Survey.objects.select_related("source", "touchpoint", "journey_stage"), slug=slug
    )
    employees = survey.audience == Survey.Audience.EMPLOYEES
    form: forms.Form
    since, round_name = None, None
    if employees:
        form, survey_round = _round(request, survey)
        # No round yet: no invitation is of a round, and an impossible name matches none.
        round_name = survey_round.name if survey_round else ":"
    else:
        form, since = _period(request)
    within = {"user": request.user, "survey": survey, "since": since, "round_name": round_name}
    context = {
        "survey": survey,
        "form": form,
        "employees": employees,
        "figures": survey_figures(**within),
        "by_touchpoint": survey_figures_by_touchpoint(**within),
        "by_team": survey_figures_by_team(**within),
        "may_send": employees and survey.active and teams_sendable_by(user=request.user).exists(),
        "may_invite_contacts": not employees and _may_invite_contacts(request.user, survey),
        "not_shown": NOT_SHOWN,
        "min_group": MIN_GROUP,
    }
    return TemplateResponse(request, "surveys/detail.html", context)


def _may_invite_contacts(user, survey: Survey) -> bool:
    """Whether the contacts page (contacts_views, managers and admins) would take this person's list."""
    if not scope_for(user).has_role(Role.MANAGER, Role.ADMIN):
        return False
    return surveys_usable_by(writer=Writer.for_person(user)).filter(pk=survey.pk).exists()


@require_http_methods(["GET", "POST"])
@role_required(Role.MANAGER)
def staff_send(request, slug: str):
    """Send an employee survey to teams: administrators any team, managers their department's."""
    survey = get_object_or_404(Survey, slug=slug, audience=Survey.Audience.EMPLOYEES)
    form = StaffSendForm(request.POST or None, teams=teams_sendable_by(user=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            result = employee_survey_send(
                survey=survey,
                teams=form.cleaned_data["teams"],
                actor=request.user,
                run=form.cleaned_data["run"],
            )
        except ApplicationError as error:
            for field, reasons in error.extra.items():
                form.add_error(field if field in form.fields else None, reasons)
            if not error.extra:
                form.add_error(None, str(error.message))
        else:
            messages.success(request, _sent_words(result))
            return redirect("surveys:detail", slug=survey.slug)
    status = 400 if form.errors else 200
    return TemplateResponse(
        request, "surveys/staff_send.html", {"survey": survey, "form": form}, status=status
    )


def _sent_words(result) -> str:
    words = [
        ngettext("%(count)s person asked.", "%(count)s people asked.", result.scheduled)
        % {"count": result.scheduled}
    ]
    if result.duplicates:
        words.append(
            ngettext(
                "%(count)s already asked in this round.",
                "%(count)s already asked in this round.",
                result.duplicates,
            )
            % {"count": result.duplicates}
        )
    if result.suppressed:
        words.append(
            ngettext(
                "%(count)s not asked because of the contact rules.",
                "%(count)s not asked because of the contact rules.",
                result.suppressed,
            )
            % {"count": result.suppressed}
        )
    if result.errors:
        words.append(
            ngettext("%(count)s could not be asked.", "%(count)s could not be asked.", result.errors)
            % {"count": result.errors}
        )
    return " ".join(words)


@require_GET
@role_required(*READERS)
def survey_results(request, slug: str):
    """An employee survey's eNPS and themes by department and team, beside customers' themes."""
    survey = get_object_or_404(
        Survey.objects.select_related("source"), slug=slug, audience=Survey.Audience.EMPLOYEES
    )
    form, survey_round = _round(request, survey)
    results = None
    if survey_round is not None:
        results = employee_results(user=request.user, survey=survey, survey_round=survey_round)
    context = {
        "survey": survey,
        "form": form,
        "survey_round": survey_round,
        "results": results,
        "not_shown": NOT_SHOWN,
        "min_group": MIN_GROUP,
        "title": _("Results: %(survey)s") % {"survey": survey.name},
    }
    return TemplateResponse(request, "surveys/employee_results.html", context)
