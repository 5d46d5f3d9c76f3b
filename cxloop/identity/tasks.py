"""Periodic work of sign-in (scheduled by setup_periodic_tasks)."""

from celery import shared_task


@shared_task(name="identity.sso_accounts_recheck")
def sso_accounts_recheck() -> dict[str, int]:
    """Deactivate the people the identity provider no longer knows (their sessions and tokens end)."""
    from dataclasses import asdict

    from .services.recheck import sso_accounts_recheck as recheck

    return asdict(recheck())
