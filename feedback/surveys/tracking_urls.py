"""Email providers' delivery, open, bounce and complaint webhooks, under /hooks/email/.

Each is django-anymail's own tracking view for that provider (it checks the provider's signature
where there is one and the basic-auth secret, and normalises the events), mounted at
/hooks/email/<provider>/tracking/; the events go to feedback.surveys.tracking. Without a webhook
secret (ANYMAIL_WEBHOOK_SECRET) anymail would accept anyone's calls, with a warning; these
endpoints refuse them instead (403), since an event can mark a customer do-not-contact.
"""

from functools import wraps

from anymail.exceptions import AnymailConfigurationError, AnymailImproperlyInstalled
from anymail.utils import get_anymail_setting
from anymail.webhooks.amazon_ses import AmazonSESTrackingWebhookView
from anymail.webhooks.brevo import BrevoTrackingWebhookView
from anymail.webhooks.mailersend import MailerSendTrackingWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.mailjet import MailjetTrackingWebhookView
from anymail.webhooks.mandrill import MandrillCombinedWebhookView
from anymail.webhooks.postal import PostalTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from anymail.webhooks.resend import ResendTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from anymail.webhooks.sparkpost import SparkPostTrackingWebhookView
from django.http import HttpResponseForbidden
from django.urls import path

from . import tracking  # noqa: F401 (connects the receiver of anymail's tracking signal)

TRACKING_VIEWS = {
    "amazon_ses": AmazonSESTrackingWebhookView,
    "brevo": BrevoTrackingWebhookView,
    "mailersend": MailerSendTrackingWebhookView,
    "mailgun": MailgunTrackingWebhookView,
    "mailjet": MailjetTrackingWebhookView,
    "mandrill": MandrillCombinedWebhookView,
    "postal": PostalTrackingWebhookView,
    "postmark": PostmarkTrackingWebhookView,
    "resend": ResendTrackingWebhookView,
    "sendgrid": SendGridTrackingWebhookView,
    "sparkpost": SparkPostTrackingWebhookView,
}


def provider_configured(view):
    """Answer 403 with the reason when the provider's own settings are missing (anymail raises on
    each call then: a Brevo webhook without its API key, Amazon SES without boto3), not a 500."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (AnymailConfigurationError, AnymailImproperlyInstalled) as why:
            first_line = str(why).splitlines()[0]
            return HttpResponseForbidden(f"This email provider is not configured here: {first_line}")

    return checked


def _secret_required(view):
    """Refuse every call while no webhook secret is configured (anymail would only warn)."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not get_anymail_setting("webhook_secret", default=None):
            return HttpResponseForbidden("Set ANYMAIL_WEBHOOK_SECRET to receive email provider events.")
        return view(request, *args, **kwargs)

    return guarded


app_name = "email_tracking"

urlpatterns = [
    path(f"{esp}/tracking/", _secret_required(provider_configured(view.as_view())), name=f"{esp}_tracking")
    for esp, view in TRACKING_VIEWS.items()
]
