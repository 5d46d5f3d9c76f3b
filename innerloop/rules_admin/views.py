"""Triage rules for administrators: the rules in the order they run, a form per rule with the dry
run beside it (computed from the form as it is, nothing saved), and enabling or disabling one."""

from collections import Counter

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxloop.core.pii import shown_to
from cxloop.org.models import Role
from cxloop.org.permissions import role_required
from feedback.models import Scale, Source, ValueTier
from innerloop.models import CaseRule
from innerloop.services.triage_rules import route, rule_dry_run

from .forms import CaseRuleForm, segment_label
from .services import case_rule_save, case_rule_set_active

EXCERPT = 160


def _labels(values, choices) -> str:
    names = dict(choices)
    return ", ".join(str(names.get(value, value)) for value in values)


def _conditions(rule: CaseRule) -> list[str]:
    """The rule's conditions as short sentences (many-to-many ones prefetched)."""
    lines = []
    if rule.scales:
        lines.append(_("Scale: %s") % _labels(rule.scales, Scale.choices))
    low, high = rule.score_min, rule.score_max
    if low is not None and high is not None:
        lines.append(_("Score: %(low)s to %(high)s") % {"low": low, "high": high})
    elif high is not None:
        lines.append(_("Score: at most %(high)s") % {"high": high})
    elif low is not None:
        lines.append(_("Score: at least %(low)s") % {"low": low})
    if rule.source_kinds:
        lines.append(_("Channel: %s") % _labels(rule.source_kinds, Source.Kind.choices))
    if rule.value_tiers:
        lines.append(_("Value band: %s") % _labels(rule.value_tiers, ValueTier.choices))
    if rule.segments:
        lines.append(_("Segment: %s") % ", ".join(segment_label(s) for s in rule.segments))
    if rule.min_annual_value is not None:
        lines.append(_("Annual value at least %s") % rule.min_annual_value)
    if rule.sentiment_max is not None:
        lines.append(_("Sentiment at most %s") % rule.sentiment_max)
    if rule.keywords:
        lines.append(_("Words: %s") % ", ".join(rule.keywords))
    for name, label in (
        ("sources", _("Source")),
        ("touchpoints", _("Touchpoint")),
        ("journey_stages", _("Journey stage")),
        ("categories", _("Category")),
    ):
        chosen = [str(obj) for obj in getattr(rule, name).all()]
        if chosen:
            lines.append(f"{label}: {', '.join(chosen)}")
    return lines or [_("Any feedback")]


@require_GET
@role_required(Role.ADMIN)
def rule_list(request):
    """The rules in the order triage tries them; the first that matches wins."""
    rules = (
        CaseRule.objects.select_related("case_kind", "sla_policy", "team")
        .prefetch_related("sources", "categories__parent", "journey_stages", "touchpoints")
        .order_by("position", "pk")
    )
    rows = [{"rule": rule, "conditions": _conditions(rule)} for rule in rules]
    return TemplateResponse(request, "innerloop/rules/list.html", {"rows": rows})


def _dry_run(request, form: CaseRuleForm) -> dict:
    """What the rule as the form has it would have matched lately, with the team each sample goes to."""
    rule = form.save(commit=False)
    result = rule_dry_run(rule=rule, related=form.related())
    samples = []
    for item in result["examples"]:
        team = route(rule, item)
        comment = shown_to(request.user, item.comment)
        samples.append(
            {
                "item": item,
                "team": team,
                "excerpt": comment[:EXCERPT] + ("…" if len(comment) > EXCERPT else ""),
            }
        )
    teams = Counter(sample["team"].name if sample["team"] else _("No team") for sample in samples)
    return {**result, "samples": samples, "teams": teams.most_common()}


def _form_page(request, form: CaseRuleForm, rule: CaseRule | None, *, dry_run=None, status=200):
    context = {"form": form, "rule": rule, "dry_run": dry_run}
    return TemplateResponse(request, "innerloop/rules/form.html", context, status=status)


def _handle(request, rule: CaseRule | None):
    if request.method == "GET":
        return _form_page(request, CaseRuleForm(instance=rule), rule)
    form = CaseRuleForm(request.POST, instance=rule)
    if not form.is_valid():
        return _form_page(request, form, rule, status=400)
    if "dry_run" in request.POST:
        return _form_page(request, form, rule, dry_run=_dry_run(request, form))
    saved = case_rule_save(
        rule=form.save(commit=False), related=form.related(), actor=request.user, changed=form.changed_data
    )
    messages.success(request, _("Rule “%(name)s” saved.") % {"name": saved.name})
    return redirect("rules_admin:list")


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def rule_create(request):
    """A new rule: the form, the dry run, then saving."""
    return _handle(request, None)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def rule_edit(request, pk: int):
    """Change a rule: the form, the dry run of the changed rule, then saving."""
    return _handle(request, get_object_or_404(CaseRule, pk=pk))


@require_POST
@role_required(Role.ADMIN)
def rule_toggle(request, pk: int):
    """Enable or disable a rule."""
    rule = get_object_or_404(CaseRule, pk=pk)
    active = request.POST.get("active") == "1"
    case_rule_set_active(rule=rule, active=active, actor=request.user)
    if active:
        messages.success(request, _("Rule “%(name)s” enabled.") % {"name": rule.name})
    else:
        messages.success(request, _("Rule “%(name)s” disabled.") % {"name": rule.name})
    return redirect("rules_admin:list")
