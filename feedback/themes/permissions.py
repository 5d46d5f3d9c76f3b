"""Who may decide a proposed theme: whoever shapes the taxonomy today, that is administrators and the
people the Django admin lets add categories (feedback.add_category)."""

from cxloop.org.models import Role
from cxloop.org.scoping import scope_for

ADD_CATEGORY = "feedback.add_category"


def can_decide_themes(user) -> bool:
    """Whether `user` may accept, merge or reject proposed themes (and see the page that does it)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return scope_for(user).has_role(Role.ADMIN) or user.has_perm(ADD_CATEGORY)
