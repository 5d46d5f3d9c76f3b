"""Channels to and from customers and other systems: the recovery check, replies to cases, text
messages, survey response links and outbound webhooks.

Star-imported by base.py; kept apart so that each settings module stays readable.
"""

from cxloop.env import env

# When a case with a customer is resolved, ask the customer themselves "Is this resolved for you?"
# (innerloop.recovery); off, only the score an agent records counts.
CXLOOP_RECOVERY_CHECK = env.bool("CXLOOP_RECOVERY_CHECK", default=True)
# Replies to a case's messages (innerloop.replies), to its signed <prefix>+c<case>.<signature>@<domain>,
# by a provider's inbound webhook (/hooks/replies/<provider>/) or `manage.py receive_replies` (SMTP).
# Without a domain, messages carry no reply address and every reply is refused.
CXLOOP_REPLY_DOMAIN = env("CXLOOP_REPLY_DOMAIN", default="").strip().lower()
CXLOOP_REPLY_PREFIX = env("CXLOOP_REPLY_PREFIX", default="reply").strip().lower()
CXLOOP_REPLY_TO_CLOSED = env("CXLOOP_REPLY_TO_CLOSED", default="reopen")  # or "new_case", linked to it
CXLOOP_REPLY_MAX_ATTACHMENT_BYTES = env.int("CXLOOP_REPLY_MAX_ATTACHMENT_BYTES", default=10 * 1024 * 1024)
CXLOOP_REPLY_MAX_MESSAGE_BYTES = env.int("CXLOOP_REPLY_MAX_MESSAGE_BYTES", default=40 * 1024 * 1024)
# Types kept, as found in the files' bytes; empty: innerloop.replies.attachments.ALLOWED_TYPES.
CXLOOP_REPLY_ALLOWED_TYPES = env.list("CXLOOP_REPLY_ALLOWED_TYPES", default=[])
CXLOOP_REPLY_SMTP_HOST = env("CXLOOP_REPLY_SMTP_HOST", default="127.0.0.1")
CXLOOP_REPLY_SMTP_PORT = env.int("CXLOOP_REPLY_SMTP_PORT", default=2525)
# Text messages (surveys by SMS): "twilio", or "" for none; the provider's account and sender.
CXLOOP_SMS_PROVIDER = env("CXLOOP_SMS_PROVIDER", default="")
CXLOOP_SMS_BASE_URL = env("CXLOOP_SMS_BASE_URL", default="https://api.twilio.com").rstrip("/")
CXLOOP_SMS_ACCOUNT = env("CXLOOP_SMS_ACCOUNT", default="")
CXLOOP_SMS_TOKEN = env("CXLOOP_SMS_TOKEN", default="")
CXLOOP_SMS_FROM = env("CXLOOP_SMS_FROM", default="")

# Survey response links (feedback/surveys/response_views.py), per CXLOOP_LOGIN_FAILURE_WINDOW_SECONDS:
# links that do not work, tried from one address, before it is paused for the cooldown; and changes
# to one answer through its link before further ones are refused (429).
CXLOOP_SURVEY_LINK_FAILURES_PER_ADDRESS = env.int("CXLOOP_SURVEY_LINK_FAILURES_PER_ADDRESS", default=30)
CXLOOP_SURVEY_ANSWERS_PER_LINK = env.int("CXLOOP_SURVEY_ANSWERS_PER_LINK", default=20)

# Outbound webhooks (cxloop.outbound). Addresses on loopback, private or link-local networks are
# refused when sent to (the host is resolved at send time), unless this is on: tests and a local
# receiver only, never in production.
CXLOOP_OUTBOUND_ALLOW_PRIVATE = env.bool("CXLOOP_OUTBOUND_ALLOW_PRIVATE", default=False)
# Multiplies every retry delay and the 24-hour retry window; 1 in production (tests speed it up).
CXLOOP_OUTBOUND_BACKOFF_SCALE = env.float("CXLOOP_OUTBOUND_BACKOFF_SCALE", default=1.0)
# An endpoint whose deliveries gave up this many times in a row is disabled and its owner told.
CXLOOP_OUTBOUND_DISABLE_AFTER = env.int("CXLOOP_OUTBOUND_DISABLE_AFTER", default=5)
# How long a process reuses its list of subscribed endpoints (keeps emitting cheap when none wants it).
CXLOOP_OUTBOUND_SUBSCRIBERS_CACHE_SECONDS = env.float(
    "CXLOOP_OUTBOUND_SUBSCRIBERS_CACHE_SECONDS", default=5.0
)
