"""The committee page's "resolved but recurring" section, computed where it is included."""

from django import template

from governance import permissions
from governance.review_pack.recurring import recurring_section
from governance.review_pack.tables import Section

register = template.Library()


@register.simple_tag(takes_context=True)
def resolved_but_recurring_section(context) -> Section:
    """The section for the page's user (scoped to the teams they may see)."""
    return recurring_section(user=context["request"].user)


@register.simple_tag(takes_context=True)
def may_open_review_pack(context) -> bool:
    """The pack is the committee's and the admins' (the ones who chair)."""
    return permissions.can_chair(context["request"].user)
