"""Sign-in: passwords, single sign-on (OpenID Connect) and a second factor (cxloop/identity).

Star-imported by base.py; kept apart so that each settings module stays readable.
"""

from cxloop.env import env

# --- Sign-in with django-allauth (cxloop/identity; README "Single sign-on and second factor") ---
# People sign in with their username, or through the organisation's OpenID provider. Nobody signs
# themselves up: accounts are made by admins, or just in time at a single sign-on whose groups map to
# a role (cxloop.identity.GroupMapping).
ACCOUNT_LOGIN_METHODS = {"username"}
# (signup is closed; allauth derives the login form's password field from these)
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
# A single sign-on never joins an existing account by its email; it gets an account of its own.
ACCOUNT_UNIQUE_EMAIL = False
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_ADAPTER = "cxloop.identity.adapters.AccountAdapter"
ACCOUNT_LOGOUT_REDIRECT_URL = "login"
# django-axes and cxloop's own throttle limit failed passwords; allauth's limits on the same would only
# answer first and differently (AccountAdapter.pre_authenticate skips them). allauth's `login_failed`
# rate is also its only limit on guessing the second factor's code (per person): that one stays on, and
# cxloop.org.throttle counts those failures too, towards its lock of the username and address.
ACCOUNT_RATE_LIMITS = {"login": None, "login_failed": env("CXLOOP_MFA_CODE_RATE_LIMIT", default="5/300s/key")}
ACCOUNT_FORMS = {"login": "cxloop.identity.forms.LoginForm"}
# Password sign-in can be switched off where everyone uses single sign-on.
CXLOOP_PASSWORD_LOGIN = env.bool("CXLOOP_PASSWORD_LOGIN", default=True)

# Single sign-on: shown on the login page only when the provider is configured.
CXLOOP_OIDC_SERVER_URL = env("CXLOOP_OIDC_SERVER_URL", default="").rstrip("/")
CXLOOP_OIDC_CLIENT_ID = env("CXLOOP_OIDC_CLIENT_ID", default="")
CXLOOP_OIDC_CLIENT_SECRET = env("CXLOOP_OIDC_CLIENT_SECRET", default="")
CXLOOP_OIDC_NAME = env("CXLOOP_OIDC_NAME", default="single sign-on")
# offline_access: the provider issues a refresh token, which the periodic re-check needs to ask about
# the person (without one, they are counted as unverifiable there).
CXLOOP_OIDC_SCOPES = env.list(
    "CXLOOP_OIDC_SCOPES", default=["openid", "profile", "email", "groups", "offline_access"]
)
CXLOOP_OIDC_GROUPS_CLAIM = env("CXLOOP_OIDC_GROUPS_CLAIM", default="groups")
# The id in the redirect URI registered at the provider: <base URL>/accounts/oidc/sso/login/callback/
CXLOOP_OIDC_PROVIDER_ID = "sso"
SOCIALACCOUNT_ADAPTER = "cxloop.identity.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
# The refresh token is kept so the periodic re-check can ask the provider whether the person still
# exists there (cxloop.identity.services.recheck).
SOCIALACCOUNT_STORE_TOKENS = True
# The provider itself is built from the CXLOOP_OIDC_* settings (cxloop.identity.adapters.sso_app).
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True}}

# Second factor: TOTP, WebAuthn security keys and passkeys, recovery codes. Required for the roles
# listed (superusers count as admins); a person holding one reaches nothing but enrolment until they
# have a TOTP or WebAuthn factor. A single sign-on is trusted to have checked the provider's own
# second factor unless CXLOOP_MFA_FOR_SSO is on.
CXLOOP_MFA_REQUIRED_ROLES = env.list("CXLOOP_MFA_REQUIRED_ROLES", default=["admin", "committee"])
CXLOOP_MFA_FOR_SSO = env.bool("CXLOOP_MFA_FOR_SSO", default=False)
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
# A passkey is a second factor here, not a way round the password (and its lockout).
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = env("CXLOOP_MFA_ISSUER", default="cxloop")
# One period either side, for phones whose clock is a little off.
MFA_TOTP_TOLERANCE = 1
MFA_ADAPTER = "cxloop.identity.adapters.MfaAdapter"
# The code and security-key steps of sign-in refuse a username or address the throttle has locked.
MFA_FORMS = {
    "authenticate": "cxloop.identity.forms.AuthenticateForm",
    "authenticate_webauthn": "cxloop.identity.forms.AuthenticateWebAuthnForm",
}
