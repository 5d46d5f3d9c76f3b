"""Celery interfaces for sending surveys: thin, by id (the work is in feedback.surveys.sending)."""

from celery import shared_task


@shared_task(name="surveys.invitation_send")
def invitation_send(*, invitation_id: int) -> bool:
    """Send one invitation that is due (the contact rules enqueue it after commit)."""
    from .sending import invitation_send as send

    return send(invitation_id=invitation_id)


@shared_task(name="surveys.send_due")
def send_due() -> int:
    """Send the invitations whose time has come (quiet hours ended, or whose task was lost)."""
    from .sending import invitations_send_due

    return invitations_send_due()


@shared_task(name="surveys.reminders_send_due")
def reminders_send_due() -> int:
    """Send the one reminder of each unanswered invitation whose delay has passed."""
    from .sending import reminders_send_due as send

    return send()
