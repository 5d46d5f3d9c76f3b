"""The bell: unread count (polled by htmx) and the inbox."""

from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .models import NotificationPreference
from .selectors import notifications_for, unread_count
from .services import notification_mark_read


@require_GET
def bell(request):
    """The bell badge alone, for htmx to refresh in place."""
    return TemplateResponse(request, "notifications/_bell.html", {"unread": unread_count(user=request.user)})


@require_http_methods(["GET", "POST"])
def inbox(request):
    preference, _ = NotificationPreference.objects.get_or_create(user=request.user)
    if request.method == "POST":
        preference.daily_digest = request.POST.get("daily_digest") == "on"
        preference.save(update_fields=["daily_digest"])
        return redirect("notifications:inbox")
    context = {"items": notifications_for(user=request.user), "preference": preference}
    return TemplateResponse(request, "notifications/inbox.html", context)


@require_POST
def mark_read(request):
    ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()] or None
    notification_mark_read(user=request.user, notification_ids=ids)
    return redirect(
        request.POST.get("next") if request.POST.get("next", "").startswith("/") else "notifications:inbox"
    )
