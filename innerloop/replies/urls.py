"""/hooks/replies/: each provider's inbound-email webhook, and attachment downloads."""

from anymail.webhooks.amazon_ses import AmazonSESInboundWebhookView
from anymail.webhooks.brevo import BrevoInboundWebhookView
from anymail.webhooks.mailersend import MailerSendInboundWebhookView
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.mailjet import MailjetInboundWebhookView
from anymail.webhooks.mailtrap import MailtrapInboundWebhookView
from anymail.webhooks.postal import PostalInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from anymail.webhooks.resend import ResendInboundWebhookView
from anymail.webhooks.sendgrid import SendGridInboundWebhookView
from anymail.webhooks.sparkpost import SparkPostInboundWebhookView
from django.urls import path

from . import views

app_name = "replies"

PROVIDERS = {
    "amazon_ses": AmazonSESInboundWebhookView,
    "brevo": BrevoInboundWebhookView,
    "mailersend": MailerSendInboundWebhookView,
    "mailgun": MailgunInboundWebhookView,
    "mailjet": MailjetInboundWebhookView,
    "mailtrap": MailtrapInboundWebhookView,
    "postal": PostalInboundWebhookView,
    "postmark": PostmarkInboundWebhookView,
    "resend": ResendInboundWebhookView,
    "sendgrid": SendGridInboundWebhookView,
    "sparkpost": SparkPostInboundWebhookView,
}

urlpatterns = [
    *(
        path(f"{provider}/", views.reply_webhook_view(provider, view), name=f"inbound-{provider}")
        for provider, view in PROVIDERS.items()
    ),
    # Mailgun forwards the raw message (body-mime) to a URL that contains "mime".
    path(
        "mailgun/mime/",
        views.reply_webhook_view("mailgun", MailgunInboundWebhookView),
        name="inbound-mailgun-mime",
    ),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
