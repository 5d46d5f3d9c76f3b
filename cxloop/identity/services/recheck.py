"""The periodic re-check of single sign-on accounts at the identity provider.

A person removed at the provider can no longer sign in there, but a cxloop session they already have,
and their API tokens, would outlive that. So every SSO account is asked about at the provider with the
refresh token kept at its last sign-in (SOCIALACCOUNT_STORE_TOKENS): an answer of `invalid_grant`
means the grant, and so the person, is gone, and they are deactivated here (person_deactivate ends
their sessions and revokes their tokens). Anything else the provider or the network says (an outage,
a misconfigured client) deactivates nobody: it is logged and counted, and the next run asks again.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import requests
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cxloop.core.models import audit
from cxloop.org.services import person_deactivate

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
REASON = "removed at the identity provider"


@dataclass
class RecheckResult:
    checked: int = 0
    deactivated: int = 0
    # No refresh token kept (the provider issued none), or the provider could not be asked.
    unverifiable: int = 0
    errors: int = 0


class _ProviderUnreachable(Exception):
    pass


def _token_endpoint() -> tuple[str, bool]:
    """The provider's token endpoint, and whether it takes the client's secret by HTTP Basic."""
    url = settings.CXLOOP_OIDC_SERVER_URL
    if "/.well-known/" not in url:
        url += "/.well-known/openid-configuration"
    try:
        answer = requests.get(url, timeout=TIMEOUT_SECONDS)
        answer.raise_for_status()
        config = answer.json()
    except (requests.RequestException, ValueError) as exc:
        raise _ProviderUnreachable(str(exc)) from exc
    methods = config.get("token_endpoint_auth_methods_supported", [])
    basic = "client_secret_post" not in methods and "client_secret_basic" in methods
    return config["token_endpoint"], basic


def sso_accounts_recheck() -> RecheckResult:
    """Ask the provider about every active SSO account; deactivate those whose grant it refuses."""
    result = RecheckResult()
    if not settings.CXLOOP_OIDC_SERVER_URL:
        return result
    try:
        endpoint, basic = _token_endpoint()
    except _ProviderUnreachable as exc:
        logger.warning("single sign-on re-check skipped: the provider did not answer (%s)", exc)
        result.errors += 1
        return result
    accounts = SocialAccount.objects.filter(
        provider=settings.CXLOOP_OIDC_PROVIDER_ID, user__is_active=True
    ).select_related("user")
    for account in accounts.order_by("pk").iterator():
        result.checked += 1
        outcome = _recheck_one(account=account, endpoint=endpoint, basic=basic)
        if outcome != "ok":
            setattr(result, outcome, getattr(result, outcome) + 1)
    if result.deactivated or result.unverifiable or result.errors:
        logger.info("single sign-on re-check: %s", result)
    if result.unverifiable:
        _unverifiable_report(result)
    return result


def _unverifiable_report(result: RecheckResult) -> None:
    """Accounts that cannot be checked would stay active whatever the provider did: one warning and
    one audit row per run say how many, so an admin sees it (the provider gave no refresh token: ask
    for the `offline_access` scope, CXLOOP_OIDC_SCOPES)."""
    logger.warning(
        "single sign-on re-check: %s account(s) have no refresh token and cannot be checked at the "
        "provider; a person removed there keeps access here until their next sign-on",
        result.unverifiable,
    )
    audit(
        actor=None,
        verb="sso.recheck_unverifiable",
        target_type="identity.sso",
        target_id=settings.CXLOOP_OIDC_PROVIDER_ID,
        unverifiable=result.unverifiable,
        checked=result.checked,
    )


def _recheck_one(*, account: SocialAccount, endpoint: str, basic: bool) -> str:
    token = SocialToken.objects.filter(account=account).exclude(token_secret="").order_by("-pk").first()
    if token is None:
        logger.warning("single sign-on account %s has no refresh token to re-check with", account.pk)
        return "unverifiable"
    data = {"grant_type": "refresh_token", "refresh_token": token.token_secret}
    client = (settings.CXLOOP_OIDC_CLIENT_ID, settings.CXLOOP_OIDC_CLIENT_SECRET)
    auth: tuple[str, str] | None = client
    if not basic:
        data.update(client_id=client[0], client_secret=client[1])
        auth = None
    try:
        answer = requests.post(endpoint, data=data, auth=auth, timeout=TIMEOUT_SECONDS)
        body = answer.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("single sign-on re-check of account %s failed: %s", account.pk, exc)
        return "errors"
    if answer.status_code == 200 and body.get("access_token"):
        _keep_tokens(token=token, body=body)
        return "ok"
    if answer.status_code in (400, 401) and body.get("error") == "invalid_grant":
        _deprovision(account=account)
        return "deactivated"
    logger.warning(
        "single sign-on re-check of account %s: the provider answered %s %s",
        account.pk,
        answer.status_code,
        body.get("error", ""),
    )
    return "errors"


def _keep_tokens(*, token: SocialToken, body: dict[str, Any]) -> None:
    """The provider may rotate the refresh token (it does): keep the new one, or the next run's
    question would be refused as if the person were gone."""
    token.token = body["access_token"]
    token.token_secret = body.get("refresh_token") or token.token_secret
    expires_in = body.get("expires_in")
    token.expires_at = timezone.now() + timedelta(seconds=int(expires_in)) if expires_in else None
    token.save(update_fields=["token", "token_secret", "expires_at"])


@transaction.atomic
def _deprovision(*, account: SocialAccount) -> None:
    SocialToken.objects.filter(account=account).delete()
    person_deactivate(person=account.user, actor=None, reason=REASON)
