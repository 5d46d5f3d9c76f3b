"""Second-factor secrets (the TOTP key, the recovery codes' seed) are stored encrypted, not in clear.

Fernet with a key derived from SECRET_KEY; SECRET_KEY_FALLBACKS still open what the previous key
sealed, so the key can be rotated as Django's own signing allows. A value stored before sealing was
switched on (no prefix) is read as it is.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

PREFIX = "sealed:"


def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(f"cxloop.identity.mfa:{secret_key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _keys() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(key) for key in keys])


def seal(text: str) -> str:
    return PREFIX + _keys().encrypt(text.encode()).decode()


def unseal(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored
    try:
        return _keys().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ValueError("A second-factor secret was sealed with a key this server does not have.") from exc
