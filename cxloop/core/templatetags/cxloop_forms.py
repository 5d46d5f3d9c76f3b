"""`{% filter_field field %}`: one field of a filter bar (label and control), rendered in Python.

Django renders every label, input and <option> through a template of its own; a filter bar with
a few dozen sources and touchpoints cost about 10 ms a request that way, on pages people reload
all day. Labels, plain inputs and selects (single, multiple, yes/no) are written here with
format_html, which escapes every value, label and attribute; any other widget (or a select with
grouped options) renders as Django would render it.
"""

from django import forms, template
from django.forms.utils import flatatt
from django.forms.widgets import Input
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.simple_tag
def filter_field(field):
    label = format_html(
        '<label for="{}">{}{}</label>', field.id_for_label, field.label, field.form.label_suffix
    )
    return format_html("{}{}", label, _control(field))


def _control(field):
    widget = field.field.widget
    attrs = {**widget.attrs, "name": field.html_name, "id": field.auto_id}
    if isinstance(widget, forms.Select):
        return _select(field, widget, attrs)
    if isinstance(widget, Input) and not isinstance(widget, forms.FileInput):
        value = widget.format_value(field.value())
        attrs = {"type": widget.input_type, **attrs, **({"value": value} if value not in (None, "") else {})}
        return format_html("<input{}>", flatatt(attrs))
    return field.as_widget()


def _select(field, widget, attrs):
    choices = [(str(value), label) for value, label in widget.choices]
    if any(isinstance(label, list | tuple) for _, label in choices):
        return field.as_widget()
    current = widget.format_value(field.value())
    selected = {current} if isinstance(current, str) else set(current)
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if value in selected else "", label) for value, label in choices),
    )
    if widget.allow_multiple_selected:
        attrs["multiple"] = True
    return format_html("<select{}>{}</select>", flatatt(attrs), options)
