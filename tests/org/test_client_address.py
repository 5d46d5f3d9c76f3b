"""One reading of the client's address for everything that uses it, behind a proxy or not."""

import pytest
from allauth.account.adapter import get_adapter
from axes.helpers import get_client_ip_address
from django.test import RequestFactory, override_settings

from cxloop.core.auditlog.context import client_address as audit_address
from cxloop.org.sessions import _client_address as register_address
from cxloop.org.throttle import client_address


def _request(forwarded: str | None = None, remote: str = "10.0.0.1"):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def _everyone(forwarded: str | None, remote: str = "10.0.0.1") -> set[str | None]:
    """The address as the throttle, axes, allauth, the audit log and the session register read it."""
    return {
        client_address(_request(forwarded, remote)),
        get_client_ip_address(_request(forwarded, remote)),
        get_adapter().get_client_ip(_request(forwarded, remote)),
        audit_address(_request(forwarded, remote)),
        register_address(_request(forwarded, remote)),
    }


def test_production_reads_the_address_through_its_proxy(monkeypatch):
    # given: production's settings, as the environment configures them
    monkeypatch.setenv("CXLOOP_TRUSTED_PROXY_COUNT", "1")
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("ALLOWED_HOSTS", "cx.example")
    import importlib

    import cxloop.settings.production as production

    production = importlib.reload(production)
    # then
    assert production.CXLOOP_TRUSTED_PROXY_COUNT == 1
    assert production.AXES_CLIENT_IP_CALLABLE == "cxloop.org.throttle.client_address"


@override_settings(CXLOOP_TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_client_is_the_right_most_forwarded_entry():
    assert _everyone("203.0.113.7") == {"203.0.113.7"}
    # a client's own X-Forwarded-For is kept by the proxy, left of what it appends: ignored
    assert _everyone("198.51.100.66, 203.0.113.7") == {"203.0.113.7"}
    # a request that did not come through the proxy: the address it came from
    assert _everyone(None) == {"10.0.0.1"}
    # a malformed entry is not an address
    assert _everyone("not-an-address") == {"10.0.0.1"}


@override_settings(CXLOOP_TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_second_entry_from_the_right():
    assert _everyone("198.51.100.66, 203.0.113.7, 10.0.0.9") == {"203.0.113.7"}
    assert _everyone("203.0.113.7") == {"10.0.0.1"}


@override_settings(CXLOOP_TRUSTED_PROXY_COUNT=0)
def test_with_no_proxy_configured_the_header_is_ignored():
    assert _everyone("203.0.113.7", remote="192.0.2.5") == {"192.0.2.5"}


@pytest.mark.django_db
@override_settings(CXLOOP_TRUSTED_PROXY_COUNT=1)
def test_the_audit_log_and_the_session_register_record_the_client_behind_the_proxy(client, people):
    from cxloop.core.models import AuditEvent
    from cxloop.org.models import UserSession

    # when: signing in through the proxy
    client.post(
        "/login/",
        {"login": "agent-a1", "password": "pw-for-tests-only"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.7",
    )
    # then
    assert AuditEvent.objects.filter(verb="auth.login").latest("pk").ip == "203.0.113.7"
    assert UserSession.objects.get(user=people["agent"]).ip == "203.0.113.7"
