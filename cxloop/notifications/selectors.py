from .models import Notification


def notifications_for(*, user, limit: int = 50):
    return Notification.objects.filter(user=user).order_by("-created_at")[:limit]


def unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
