"""`{% queue_rows rows %}`: the <tr> of each queue row, built with format_html (as the admin builds its
change list rows): every value is escaped, and a row costs a few microseconds instead of the
template engine's fraction of a millisecond. The queue page is the one frontline staff reload all day.
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

ROW = (
    '<tr class="{overdue_class}">'
    '<td><input type="checkbox" name="cases" value="{pk}" aria-label="Select case {pk}"></td>'
    '<td><a href="{url}">{due}</a>{overdue}</td>'
    '<td><span class="priority priority-{priority}">{priority_label}</span></td>'
    "<td>{kind}</td>"
    '<td class="comment">{words}{score}</td>'
    "<td>{customer}{tier}</td>"
    "<td>{status}</td>"
    "<td>{assignee}</td>"
    "</tr>"
)
OVERDUE = mark_safe(' <strong class="error">overdue</strong>')


@register.simple_tag
def queue_rows(rows):
    return format_html_join("\n", "{}", ((_row(row),) for row in rows))


def _row(row):
    return format_html(
        ROW,
        overdue_class="overdue" if row.overdue else "",
        pk=row.pk,
        url=row.url,
        due=row.due,
        overdue=OVERDUE if row.overdue else "",
        priority=row.priority,
        priority_label=row.priority_label,
        kind=row.kind,
        words=row.words,
        score=format_html(' <span class="muted">{}</span>', row.score) if row.score else "",
        customer=row.customer,
        tier=format_html(' <span class="muted">· {}</span>', row.tier) if row.tier else "",
        status=row.status,
        assignee=row.assignee,
    )
