"""A reply address unique to each case, signed so that nobody can guess another case's.

    reply+c42.k3x7q2mfa9ybzr4d@replies.example.com

The local part names the case and carries a truncated HMAC of it (keyed by SECRET_KEY, salted for
this purpose only), in lowercase base32: mailboxes and providers may lowercase the address, and
base32 survives that. A forged or altered address finds no case, and so nothing is stored.
Changing SECRET_KEY, the prefix or the domain retires the addresses already sent.
"""

import base64
import re
from email.utils import parseaddr

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from innerloop.models import Case

SALT = "innerloop.reply-address"
# 20 base32 characters: 100 bits of the HMAC, far beyond guessing by sending mail.
SIGNATURE_LENGTH = 20
_LOCAL_PART = re.compile(r"^(?P<prefix>[a-z0-9._-]+)\+c(?P<case>[0-9]{1,18})\.(?P<signature>[a-z2-7]+)$")


def replies_enabled() -> bool:
    """Replies are received only when the organisation has a reply domain (CXLOOP_REPLY_DOMAIN)."""
    return bool(settings.CXLOOP_REPLY_DOMAIN)


def _signature(case_id: int) -> str:
    digest = salted_hmac(SALT, f"case:{case_id}", algorithm="sha256").digest()
    return base64.b32encode(digest).decode("ascii").lower()[:SIGNATURE_LENGTH]


def reply_address_for(case: Case) -> str:
    """The case's reply address; blank when replies are off (messages then carry no Reply-To)."""
    if not replies_enabled():
        return ""
    prefix = settings.CXLOOP_REPLY_PREFIX
    return f"{prefix}+c{case.pk}.{_signature(case.pk)}@{settings.CXLOOP_REPLY_DOMAIN}"


def case_id_from_reply_address(address: str) -> int | None:
    """The case id a well-formed, correctly signed reply address names; None for any other address."""
    if not replies_enabled():
        return None
    _name, bare = parseaddr(address or "")
    local, _at, domain = bare.strip().lower().rpartition("@")
    if domain != settings.CXLOOP_REPLY_DOMAIN:
        return None
    match = _LOCAL_PART.match(local)
    if match is None or match["prefix"] != settings.CXLOOP_REPLY_PREFIX:
        return None
    case_id = int(match["case"])
    if not constant_time_compare(match["signature"], _signature(case_id)):
        return None
    return case_id


def case_from_reply_address(address: str) -> Case | None:
    """The case a signed reply address belongs to, or None (forged, altered, or no such case)."""
    case_id = case_id_from_reply_address(address)
    if case_id is None:
        return None
    return Case.objects.filter(pk=case_id).select_related("team", "customer").first()
