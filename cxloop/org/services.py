"""Writes of the organisation: API tokens (people and roles are edited in the admin)."""

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from cxloop.core.exceptions import ApplicationError
from cxloop.core.models import audit

from .models import ApiToken

KEY_PREFIX = "cxl_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, created_by, name: str, integration: bool = False, scope: str = ApiToken.Scope.READ_WRITE
) -> tuple[ApiToken, str]:
    """A new token and its key, which is returned here and never again."""
    name = name.strip()
    if not name:
        raise ApplicationError("A token needs a name.", {"name": ["This field is required."]})
    if integration:
        # An integration only sends feedback, for the sources it is bound to (feedback.permissions).
        user = _integration_user(name=name)
        scope = ApiToken.Scope.INGEST
    else:
        user = created_by
        scope = ApiToken.Scope.READ_WRITE
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name,
        user=user,
        is_integration=integration,
        scope=scope,
        key_prefix=key[:10],
        key_hash=hash_key(key),
        created_by=created_by,
    )
    audit(actor=created_by, verb="api_token.created", target=token, scope=scope, integration=integration)
    return token, key


def _integration_user(*, name: str):
    """A service user for an integration: cannot log in, holds no role (so no page, no people
    picker, no read), and sends feedback through its tokens for the sources they are bound to."""
    User = get_user_model()
    username = f"integration-{slugify(name)[:100] or 'unnamed'}"
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": name[:150]})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    token = ApiToken.objects.select_for_update(no_key=True).get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(actor=actor, verb="api_token.revoked", target=token)
    return token
