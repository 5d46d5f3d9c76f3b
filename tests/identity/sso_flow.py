"""A person's trip through single sign-on with the Django test client and the real test provider."""

from urllib.parse import urlsplit

import requests
from django.test import Client

CALLBACK = "http://testserver/accounts/oidc/sso/login/callback/"


def sso_login(client: Client, *, username: str, password: str):
    """Start at cxloop, sign in at the provider's own login page, come back; cxloop's last answer."""
    start = client.post("/accounts/oidc/sso/login/", {"process": "login"})
    assert start.status_code == 302, start.content
    browser = requests.Session()
    page = browser.get(start["Location"], timeout=10)
    assert "Test identity provider" in page.text
    answer = browser.post(
        page.url,
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": browser.cookies["idp_csrftoken"],
        },
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=10,
    )
    while answer.status_code == 302 and not answer.headers["Location"].startswith("http://testserver/"):
        answer = browser.get(
            requests.compat.urljoin(answer.url, answer.headers["Location"]), allow_redirects=False, timeout=10
        )
    if answer.status_code != 302:
        # The provider refused the person at its own login page.
        return answer
    back = urlsplit(answer.headers["Location"])
    return client.get(f"{back.path}?{back.query}")
