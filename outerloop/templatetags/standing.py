"""{% standing_behind signal_or_initiative as standing %}: the cases and customers behind a proposal
to change a policy (outerloop.standing), for templates/outerloop/_standing_behind.html."""

from typing import Any

from django import template

from outerloop.standing import StandingBehind, standing_behind_of

register = template.Library()


@register.simple_tag
def standing_behind(subject: Any) -> StandingBehind:
    return standing_behind_of(subject)
