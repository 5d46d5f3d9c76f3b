"""Database sessions whose register row (cxloop.org.UserSession) follows the session when its id
rotates: at sign-in, at a password change (update_session_auth_hash) and at a role change
(cxloop.org.sessions). Django's cycle_key deletes the old row, and with it (cascade) the register
row, so a rotated session would otherwise drop out of the list an administrator ends."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    def cycle_key(self) -> None:
        from .models import UserSession

        data = self._session  # type: ignore[attr-defined]  # SessionBase's, undeclared in the stubs
        old_key = self.session_key
        self.create()
        self._session_cache = data
        if old_key:
            # Moved before the old row goes, which would take the register row with it.
            UserSession.objects.filter(session_id=old_key).update(session_id=self.session_key)
            self.delete(old_key)
