from django import template
from django.db.models import Exists, OuterRef

from feedback.enrichment.pii import mask_personal_data

register = template.Library()

PERSONAL_DATA_CODENAME = "view_personal_data"


def can_see_personal_data(user) -> bool:
    """Whether `user` holds feedback.view_personal_data, directly or through a group.

    One EXISTS query, cached on the user object for the request (Django's has_perm would load
    every permission of the user and of their groups: two queries on each list page).
    """
    if user is None or not user.is_active or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_cxloop_personal_data", None)
    if cached is None:
        from django.contrib.auth.models import Group, Permission

        directly = user.user_permissions.through.objects.filter(permission=OuterRef("pk"), user=user)
        by_group = Group.permissions.through.objects.filter(permission=OuterRef("pk"), group__user=user)
        # One query of two EXISTS that indexes answer, not a join over both paths at once.
        cached = (
            Permission.objects.filter(codename=PERSONAL_DATA_CODENAME, content_type__app_label="feedback")
            .filter(Exists(directly) | Exists(by_group))
            .exists()
        )
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
