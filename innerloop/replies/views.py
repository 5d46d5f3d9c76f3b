"""The inbound-email webhooks of the providers django-anymail supports, and attachment downloads.

Each provider's webhook is anymail's own view (it verifies the provider's signature or the basic
auth in ANYMAIL_WEBHOOK_SECRET and normalises the message), which sends anymail's `inbound` signal
to innerloop.replies.inbound (connected in cxloop/wiring.py). What this adds: the endpoints answer
404 while replies are switched off; a provider whose only protection is basic auth is refused
until the secret is set; and a message to no valid reply address is answered with a refusal that
the provider does not retry where it has one (Postmark 403, Mailgun 406), else 200 with the reason.
"""

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from cxloop.core.auditlog.record import audit_view
from feedback.surveys.tracking_urls import provider_configured

from . import selectors
from .addresses import replies_enabled
from .inbound import ReplyRefused

# Statuses that tell a provider "do not deliver this again".
REFUSED_STATUS = {"postmark": 403, "mailgun": 406}
TEXT = "text/plain; charset=utf-8"


class ReplyWebhookMixin:
    """Put before an anymail InboundWebhookView: see the module's docstring."""

    provider = ""

    # A provider has no session (LoginRequiredMiddleware) and no CSRF token: anymail checks its auth.
    @method_decorator(csrf_exempt)
    @method_decorator(login_not_required)
    def dispatch(self, request, *args, **kwargs):
        if not replies_enabled():
            raise Http404("Replies are switched off.")
        if getattr(self, "warn_if_no_basic_auth", False) and not getattr(self, "basic_auth", None):
            return HttpResponse("Refused: set ANYMAIL_WEBHOOK_SECRET first.", status=403, content_type=TEXT)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def post(self, request, *args, **kwargs):
        self.run_validators(request)  # type: ignore[attr-defined]
        received = self.parse_events(request)  # type: ignore[attr-defined]
        refused = []
        for event in received:
            try:
                self.signal.send(sender=self.__class__, event=event, esp_name=self.esp_name)  # type: ignore[attr-defined]
            except ReplyRefused as why:
                refused.append(str(why))
        if received and len(refused) == len(received):
            status = REFUSED_STATUS.get(self.provider, 200)
            return HttpResponse(f"Refused: {refused[0]}.", status=status, content_type=TEXT)
        return HttpResponse()


def reply_webhook_view(provider: str, anymail_view: type):
    """The view for one provider: anymail's inbound view with ReplyWebhookMixin in front."""
    view_class: Any = type(
        f"{anymail_view.__name__}ForReplies", (ReplyWebhookMixin, anymail_view), {"provider": provider}
    )
    return provider_configured(view_class.as_view())


@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """A file a customer attached to a reply, to the people who may see the case, as a download
    only: never rendered by the browser under our origin."""
    attachment = selectors.attachment_get(user=request.user, attachment_id=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The file is no longer stored.") from missing
    audit_view(request, attachment, customer=attachment.reply.case.customer)
    content_type = attachment.content_type
    if content_type.startswith("text/"):
        content_type = f"{content_type}; charset=utf-8"  # only UTF-8 text is kept as text
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
