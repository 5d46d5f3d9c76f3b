from django import template
from django.db import connection

from feedback.enrichment.pii import mask_personal_data

register = template.Library()

PERSONAL_DATA_CODENAME = "view_personal_data"
# Granted directly or through a group: two EXISTS that indexes answer. Plain SQL, as the ORM
# took longer to compile this than PostgreSQL to answer it, on every list page.
_PERSONAL_DATA_SQL = """
    SELECT EXISTS (
        SELECT 1 FROM auth_permission p
        JOIN django_content_type t ON t.id = p.content_type_id AND t.app_label = 'feedback'
        WHERE p.codename = %(codename)s AND (
            EXISTS (SELECT 1 FROM auth_user_user_permissions up
                    WHERE up.permission_id = p.id AND up.user_id = %(user)s)
            OR EXISTS (SELECT 1 FROM auth_user_groups ug
                       JOIN auth_group_permissions gp ON gp.group_id = ug.group_id
                       WHERE gp.permission_id = p.id AND ug.user_id = %(user)s)
        )
    )
"""


def can_see_personal_data(user) -> bool:
    """Whether `user` holds feedback.view_personal_data, directly or through a group.

    One query, cached on the user object for the request (Django's has_perm would load every
    permission of the user and of their groups: two queries on each list page).
    """
    if user is None or not user.is_active or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_cxloop_personal_data", None)
    if cached is None:
        with connection.cursor() as cursor:
            cursor.execute(_PERSONAL_DATA_SQL, {"user": user.pk, "codename": PERSONAL_DATA_CODENAME})
            (cached,) = cursor.fetchone()
        user._cxloop_personal_data = cached
    return cached


@register.simple_tag(takes_context=True)
def customer_words(context, text: str) -> str:
    """The comment as the viewer may see it: personal data masked without the permission.

    Returns plain text; Django's autoescaping still applies where it is output.
    """
    request = context.get("request")
    if can_see_personal_data(getattr(request, "user", None)):
        return text
    return mask_personal_data(text or "")
