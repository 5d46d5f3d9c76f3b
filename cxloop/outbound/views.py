"""The webhook pages, for administrators: endpoints with their health, an endpoint's settings and
delivery log, and its actions (disable, enable, new secret, test event, retry a delivery)."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxloop.core.exceptions import ApplicationError
from cxloop.org.models import Role
from cxloop.org.permissions import role_required

from . import services
from .delivery import delivery_send
from .forms import EndpointForm
from .models import Endpoint, EndpointFormat, OutboundDelivery
from .selectors import endpoint_delivery_log, endpoints_with_health, health_of

# The session key under which a new secret waits to be shown once (the key names it; it is no secret).
SHOWN_SECRET = "outbound-secret-shown"  # noqa: S105


def masked_url(endpoint: Endpoint) -> str:
    """A chat webhook's URL is its secret: only the host and the last characters are shown."""
    if endpoint.format == EndpointFormat.STANDARD:
        return endpoint.url
    parts = urlsplit(endpoint.url)
    return f"{parts.scheme}://{parts.hostname}/…{endpoint.url[-4:]}"


def masked_secret(secret: str) -> str:
    return f"whsec_…{secret[-4:]}"


@require_GET
@role_required(Role.ADMIN)
def endpoint_list(request):
    rows = [
        {"endpoint": endpoint, "health": health_of(endpoint), "url": masked_url(endpoint)}
        for endpoint in endpoints_with_health()
    ]
    return TemplateResponse(request, "outbound/list.html", {"rows": rows})


def _form_page(request, form: EndpointForm, *, endpoint: Endpoint | None = None, status: int = 200):
    context = {"form": form, "endpoint": endpoint, "url": masked_url(endpoint) if endpoint else ""}
    return TemplateResponse(request, "outbound/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def endpoint_create(request):
    if request.method == "GET":
        return _form_page(
            request, EndpointForm(initial={"format": EndpointFormat.STANDARD, "owner": request.user.pk})
        )
    form = EndpointForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    try:
        endpoint = services.endpoint_create(actor=request.user, **form.service_fields())
    except ApplicationError as error:
        form.add_error(None, str(error))
        return _form_page(request, form, status=400)
    request.session[SHOWN_SECRET] = {"endpoint": endpoint.pk, "secret": endpoint.secret}
    messages.success(request, _("Webhook “%(name)s” created.") % {"name": endpoint.name})
    return redirect("outbound:detail", pk=endpoint.pk)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def endpoint_edit(request, pk: int):
    endpoint = get_object_or_404(Endpoint, pk=pk)
    if request.method == "GET":
        return _form_page(request, EndpointForm(endpoint=endpoint), endpoint=endpoint)
    form = EndpointForm(request.POST, endpoint=endpoint)
    if not form.is_valid():
        return _form_page(request, form, endpoint=endpoint, status=400)
    services.endpoint_update(endpoint=endpoint, actor=request.user, **form.service_fields())
    messages.success(request, _("Webhook “%(name)s” saved.") % {"name": form.cleaned_data["name"]})
    return redirect("outbound:detail", pk=endpoint.pk)


@require_GET
@role_required(Role.ADMIN)
def endpoint_detail(request, pk: int):
    endpoint = get_object_or_404(Endpoint.objects.select_related("owner"), pk=pk)
    shown = request.session.get(SHOWN_SECRET)
    secret = None
    if shown and shown.get("endpoint") == endpoint.pk:
        # Shown once, on the page right after it was made; masked from then on.
        secret = shown["secret"]
        del request.session[SHOWN_SECRET]
    context = {
        "endpoint": endpoint,
        "url": masked_url(endpoint),
        "signed": endpoint.format == EndpointFormat.STANDARD,
        "secret": secret,
        "masked_secret": masked_secret(endpoint.secret),
        "event_labels": [
            label for value, label in Endpoint.EventType.choices if value in endpoint.event_types
        ],
        "deliveries": endpoint_delivery_log(endpoint=endpoint),
        "retryable": (OutboundDelivery.State.GAVE_UP, OutboundDelivery.State.CANCELLED),
    }
    return TemplateResponse(request, "outbound/detail.html", context)


@require_POST
@role_required(Role.ADMIN)
def endpoint_action(request, pk: int, action: str):
    endpoint = get_object_or_404(Endpoint, pk=pk)
    if action == "disable":
        services.endpoint_disable(
            endpoint=endpoint, actor=request.user, reason=_("Disabled by an administrator")
        )
        messages.success(request, _("Webhook disabled; what was waiting to be sent is cancelled."))
    elif action == "enable":
        services.endpoint_enable(endpoint=endpoint, actor=request.user)
        messages.success(request, _("Webhook enabled."))
    elif action == "rotate-secret":
        secret = services.endpoint_secret_rotate(endpoint=endpoint, actor=request.user)
        request.session[SHOWN_SECRET] = {"endpoint": endpoint.pk, "secret": secret}
        messages.success(request, _("New signing secret made; the old one no longer signs anything."))
    elif action == "test":
        _send_test(request, endpoint)
    else:
        raise Http404("No such action.")
    return redirect("outbound:detail", pk=endpoint.pk)


def _send_test(request, endpoint: Endpoint) -> None:
    """Sent while the administrator waits (at most the 10-second timeout), so the answer shows at once."""
    delivery = services.endpoint_test_event(endpoint=endpoint, actor=request.user)
    state = delivery_send(delivery_id=delivery.pk)
    attempt = delivery.attempt_log.first()
    answer = (attempt.status_code or attempt.error) if attempt else ""
    if state == OutboundDelivery.State.DELIVERED:
        messages.success(request, _("Test event delivered (answer %(answer)s).") % {"answer": answer})
    else:
        messages.error(
            request, _("Test event not delivered: %(answer)s.") % {"answer": answer or _("not sent")}
        )


@require_POST
@role_required(Role.ADMIN)
def delivery_retry(request, pk: int, delivery_pk: int):
    delivery = get_object_or_404(OutboundDelivery, pk=delivery_pk, endpoint_id=pk)
    try:
        services.delivery_retry(delivery=delivery, actor=request.user)
    except ApplicationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Sending it again now."))
    return redirect("outbound:detail", pk=pk)
