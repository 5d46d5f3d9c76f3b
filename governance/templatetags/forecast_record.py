"""{% forecast_track_record %}: the committee page's record of its forecasts (governance.forecast_record)."""

from django import template

from governance.forecast_record import forecast_track_record as track_record

register = template.Library()


@register.inclusion_tag("governance/_forecast_record.html")
def forecast_track_record() -> dict:
    """The track record, for the committee page's partial."""
    return {"record": track_record()}
