"""The login page: password sign-in (allauth's form, axes), the single sign-on button, the session id."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-only"


def test_the_session_id_rotates_at_login(client, people):
    # given: a session from before signing in
    session = client.session
    session["before"] = "kept"
    session.save()
    before = session.session_key
    client.cookies["sessionid"] = before
    # when
    response = client.post(reverse("login"), {"login": "agent-a1", "password": PASSWORD})
    # then
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert client.session["before"] == "kept"


def test_single_sign_on_is_offered_only_when_configured(client, db, settings):
    # given
    settings.CXLOOP_OIDC_SERVER_URL = ""
    without = client.get(reverse("login")).content.decode()
    settings.CXLOOP_OIDC_SERVER_URL = "https://idp.example"
    settings.CXLOOP_OIDC_NAME = "Example <ID>"
    # when
    page = client.get(reverse("login"))
    # then
    assert "Sign in with" not in without
    html = page.content.decode()
    assert "Sign in with Example &lt;ID&gt;" in html
    assert 'action="/accounts/oidc/sso/login/"' in html
    # the button's post is answered with a redirect to the provider, which the page's CSP allows
    assert "form-action 'self' https://idp.example" in page["Content-Security-Policy"]


def test_password_sign_in_can_be_switched_off(client, people, settings):
    # given
    settings.CXLOOP_PASSWORD_LOGIN = False
    settings.CXLOOP_OIDC_SERVER_URL = "https://idp.example"
    # when
    page = client.get(reverse("login")).content.decode()
    response = client.post(reverse("login"), {"login": "agent-a1", "password": PASSWORD})
    # then
    assert 'name="password"' not in page
    assert response.status_code == 200
    assert "switched off here: use single sign-on" in response.content.decode()
    assert client.get("/feedback/").status_code == 302


def test_allauth_addresses_lead_to_the_one_login_page_and_unoffered_pages_say_why(client, db):
    assert client.get("/accounts/login/?next=/feedback/")["Location"] == "/login/?next=/feedback/"
    reset = client.get("/accounts/password/reset/")
    assert reset.status_code == 404
    assert "reset by an administrator" in reset.content.decode()
    signup = client.get("/accounts/signup/")
    assert "Sign Up Closed" in signup.content.decode() or signup.status_code in (403, 404)


def test_the_admin_login_goes_through_cxloop_login(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fadmin%2F"
