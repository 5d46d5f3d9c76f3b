"""The "Proposed themes" page: themes the nightly job found in uncoded comments, for an administrator
to accept as a new category, merge into an existing one or reject. Every decision is confirmed on a
second page that says what it will do (how many comments it codes) before anything changes. Both pages
carry the version of the theme the person looked at: if the nightly job changed it meanwhile, the
decision is refused and the page shows the theme as it is now."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from cxloop.core.exceptions import ApplicationError, NotPermitted, StateConflict

from .forms import FORMS, TaxonomyChoices, theme_forms
from .members import theme_member_counts
from .permissions import can_decide_themes
from .selectors import theme_get, theme_title, themes_decided, themes_proposed, themes_watching_count
from .services import (
    ThemeDecision,
    theme_accept,
    theme_check_version,
    theme_merge,
    theme_reject,
    theme_version,
)


def _require_decider(request) -> None:
    if not can_decide_themes(request.user):
        raise PermissionDenied(_("Only an administrator may decide proposed themes."))


def _page(
    request,
    *,
    bound: tuple[int, str, dict] | None = None,
    error: str = "",
    status: int = 200,
    changed: bool = False,
):
    """The list; `bound`: (proposal id, action, data) of a form to show again with its errors;
    `changed`: the theme changed since it was seen, so the form now carries the version shown."""
    taxonomy = TaxonomyChoices.load()
    rows = themes_proposed(user=request.user)
    for row in rows:
        if bound is not None and bound[0] == row.proposal.pk:
            pk, action, data = bound
            if changed:
                data = data.copy()
                data[f"{action}-{pk}-seen"] = theme_version(row.proposal)
            row.forms = theme_forms(row.proposal, taxonomy=taxonomy, action=action, data=data)
        else:
            row.forms = theme_forms(row.proposal, taxonomy=taxonomy)
    context = {
        "rows": rows,
        "decided": themes_decided(user=request.user),
        "watching": themes_watching_count(user=request.user),
        "has_parents": bool(taxonomy.parents),
        "refusal": error,
    }
    return TemplateResponse(request, "themes/proposals.html", context, status=status)


@require_GET
def theme_list(request) -> HttpResponse:
    """Proposed themes, largest first, with their terms, growth, examples and the three decisions."""
    _require_decider(request)
    return _page(request)


@require_POST
def theme_decide(request, pk: int, action: str) -> HttpResponse:
    """Accept, merge or reject one theme: first a confirmation page, then (confirmed) the decision."""
    _require_decider(request)
    proposal = theme_get(user=request.user, pk=pk)
    if proposal is None or action not in FORMS:
        raise Http404
    taxonomy = TaxonomyChoices.load()
    form = theme_forms(proposal, taxonomy=taxonomy, action=action, data=request.POST)[action]
    if not form.is_valid():
        return _page(request, bound=(pk, action, request.POST), status=400)
    try:
        if request.POST.get("confirmed") == "yes":
            decision = _apply(request, proposal=proposal, action=action, data=form.cleaned_data)
        else:
            # The confirmation announces what the decision codes: only for the theme the person saw.
            theme_check_version(proposal=proposal, seen=form.cleaned_data["seen"])
            decision = None
    except NotPermitted as refusal:
        raise PermissionDenied(str(refusal.message)) from refusal
    except ApplicationError as refusal:
        status = 409 if isinstance(refusal, StateConflict) else 400
        bound = (pk, action, request.POST)
        return _page(
            request, bound=bound, error=str(refusal.message), status=status, changed="seen" in refusal.extra
        )
    if decision is None:
        context = {
            "proposal": proposal,
            "title": theme_title(proposal),
            "action": action,
            "form": form,
            "members": theme_member_counts(proposals=[proposal])[pk],
            **form.cleaned_data,
        }
        return TemplateResponse(request, "themes/confirm.html", context)
    messages.success(request, _said(decision, action=action))
    return HttpResponseRedirect(reverse("themes:list"))


def _apply(request, *, proposal, action: str, data: dict) -> ThemeDecision:
    said = {"proposal": proposal, "actor": request.user, "seen": data["seen"]}
    if action == "accept":
        return theme_accept(name=data["name"], parent=data["parent"], **said)
    if action == "merge":
        return theme_merge(category=data["category"], **said)
    return theme_reject(reason=data["reason"], **said)


def _said(decision: ThemeDecision, *, action: str) -> str:
    proposal = decision.proposal
    if action == "reject":
        return _("The theme %(label)s was rejected.") % {"label": theme_title(proposal)}
    words = {
        "category": str(proposal.category),
        "count": decision.coded,
        "label": theme_title(proposal),
    }
    if action == "accept":
        return (
            ngettext(
                "“%(category)s” joined the taxonomy and %(count)s comment was coded with it; "
                "the classifier is learning it now.",
                "“%(category)s” joined the taxonomy and %(count)s comments were coded with it; "
                "the classifier is learning it now.",
                decision.coded,
            )
            % words
        )
    return (
        ngettext(
            "The theme %(label)s was merged into “%(category)s” and %(count)s comment was coded with it; "
            "the classifier is learning from it now.",
            "The theme %(label)s was merged into “%(category)s” and %(count)s comments were coded with it; "
            "the classifier is learning from them now.",
            decision.coded,
        )
        % words
    )
