"""Sources and their webhook mappings, for administrators: the list, and a source's page with its
mapping form, a test delivery that stores nothing, and the log of its recent deliveries."""

from datetime import timedelta

from django.contrib import messages
from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from cxloop.org.models import Role
from cxloop.org.permissions import role_required
from feedback.models import LOG_DAYS, Source, WebhookDeadLetter, WebhookDelivery

from .forms import ADAPTER_LABELS, SourceForm, TestDeliveryForm
from .services import source_update
from .testing import webhook_test_delivery

RECENT_DELIVERIES = 50
# The contract's field names, as the delivery log shows them.
FIELD_WORDS = {
    "external_id": gettext_lazy("response id"),
    "scale": gettext_lazy("scale"),
    "score": gettext_lazy("score"),
    "comment": gettext_lazy("comment"),
    "occurred_at": gettext_lazy("time given"),
    "customer": gettext_lazy("customer"),
    "touchpoint": gettext_lazy("touchpoint"),
    "journey_stage": gettext_lazy("journey stage"),
    "team": gettext_lazy("team"),
    "metadata": gettext_lazy("metadata"),
    "source": gettext_lazy("source"),
    "field_mapping": gettext_lazy("the mapping"),
    "items": gettext_lazy("the list of items"),
    "parse_json": gettext_lazy("JSON text in a field"),
    "non_field_errors": gettext_lazy("the item as a whole"),
}


def _words(names: list[str]) -> str:
    return ", ".join(str(FIELD_WORDS.get(name, name.replace("_", " "))) for name in names)


def _log_rows(source: Source) -> list[dict]:
    """The source's recent deliveries, with what went wrong in words."""
    rows = []
    for delivery in WebhookDelivery.objects.filter(source=source).order_by("-received_at")[
        :RECENT_DELIVERIES
    ]:
        why = []
        if delivery.missing:
            why.append(_("nothing found for %(fields)s") % {"fields": _words(delivery.missing)})
        if delivery.refused:
            why.append(_("refused %(fields)s") % {"fields": _words(delivery.refused)})
        if delivery.reason:
            why.append(delivery.reason)
        rows.append({"delivery": delivery, "why": "; ".join(why)})
    return rows


@require_GET
@role_required(Role.ADMIN)
def source_list(request):
    """Every source, with its sender and how its deliveries went over the last day."""
    since = timezone.now() - timedelta(days=1)
    sources = Source.objects.order_by("name").annotate(
        last_delivery=Max("deliveries__received_at"),
        deliveries_day=Count("deliveries", filter=Q(deliveries__received_at__gte=since)),
        refused_day=Count(
            "deliveries",
            filter=Q(deliveries__received_at__gte=since, deliveries__errors__gt=0),
        ),
    )
    rows = [{"source": source, "sender": _sender(source)} for source in sources]
    return TemplateResponse(request, "feedback/sources/list.html", {"rows": rows})


def _sender(source: Source) -> str:
    mapping = source.field_mapping if isinstance(source.field_mapping, dict) else {}
    if not mapping:
        return ""
    name = mapping.get("adapter") or "standard"
    return str(ADAPTER_LABELS.get(name, name))


def _page(request, source: Source, *, form: SourceForm, test_form: TestDeliveryForm, status=200, test=None):
    context = {
        "source": source,
        "form": form,
        "test_form": test_form,
        "test": test,
        "webhook_url": request.build_absolute_uri(f"/hooks/{source.slug}/"),
        "deliveries": _log_rows(source),
        "log_days": LOG_DAYS,
        "open_dead_letters": WebhookDeadLetter.objects.filter(
            source=source, status=WebhookDeadLetter.Status.OPEN
        ).count(),
    }
    return TemplateResponse(request, "feedback/sources/detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def source_detail(request, pk: int):
    """A source's settings and mapping; POST saves them, or with `test` runs a test delivery."""
    source = get_object_or_404(Source, pk=pk)
    if request.method == "GET":
        return _page(request, source, form=SourceForm(source=source), test_form=TestDeliveryForm())
    form = SourceForm(request.POST, source=source)
    testing = "test" in request.POST
    test_form = TestDeliveryForm(request.POST if testing else None)
    if not form.is_valid():
        return _page(request, source, form=form, test_form=test_form, status=400)
    if testing:
        # The mapping as the form has it, saved or not: change, test, change again, then save.
        if not test_form.is_valid():
            return _page(request, source, form=form, test_form=test_form, status=400)
        test = webhook_test_delivery(
            source=form.unsaved_source(),
            body=test_form.cleaned_data["body"].encode(),
            content_type=test_form.cleaned_data["content_type"],
        )
        return _page(request, source, form=form, test_form=test_form, test=test)
    data = form.cleaned_data
    source_update(
        source=source,
        actor=request.user,
        new_secret=data["new_secret"],
        name=data["name"],
        kind=data["kind"],
        active=data["active"],
        customer_authority=data["customer_authority"],
        field_mapping=data["field_mapping"],
    )
    messages.success(request, _("Source “%(name)s” saved.") % {"name": data["name"]})
    return redirect("sources:detail", pk=source.pk)
