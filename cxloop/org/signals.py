"""Receivers that hold whatever path a change takes (the Django admin, single sign-on, the demo, a
shell): a person unticked as active loses their sessions and tokens, and every role granted or
taken away is audited.

The actor of these rows is the person of the request being served, when there is one (audit()
reads it from the request context); `via="signal"` marks rows written here.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from cxloop.core.models import audit

from .models import Membership
from .services import deactivating, person_deactivated_elsewhere

User = get_user_model()
_WAS_ACTIVE = "_cxloop_was_active"
_WAS_MEMBERSHIP = "_cxloop_was_membership"


@receiver(pre_save, sender=User, dispatch_uid="cxloop.org.user_note_active")
def _note_active(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if instance.pk is None or (update_fields is not None and "is_active" not in update_fields):
        return  # a new person, or a save that leaves is_active alone (e.g. last_login at sign-in)
    was = User.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()
    setattr(instance, _WAS_ACTIVE, was)


@receiver(post_save, sender=User, dispatch_uid="cxloop.org.user_end_access")
def _end_access_when_deactivated(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    was_active = instance.__dict__.pop(_WAS_ACTIVE, None)
    if created or not was_active or instance.is_active or deactivating.get():
        return
    person_deactivated_elsewhere(person=instance, actor=None, via="signal")


def _membership_data(membership: Membership) -> dict[str, Any]:
    return {
        "membership_id": membership.pk,
        "role": membership.role,
        "team": membership.team.slug if membership.team is not None else None,
        "department": membership.department.slug if membership.department is not None else None,
        "via": "signal",
    }


def _holding(membership: Membership, data: dict[str, Any]) -> tuple:
    return (membership.user_id, data["role"], data["team"], data["department"])


@receiver(pre_save, sender=Membership, dispatch_uid="cxloop.org.membership_note")
def _note_membership(sender: Any, instance: Membership, **kwargs: Any) -> None:
    if instance.pk is None:
        return
    before = Membership.objects.select_related("team", "department", "user").filter(pk=instance.pk).first()
    setattr(instance, _WAS_MEMBERSHIP, before)


@receiver(post_save, sender=Membership, dispatch_uid="cxloop.org.membership_granted")
def _audit_membership_saved(sender: Any, instance: Membership, created: bool, **kwargs: Any) -> None:
    before = instance.__dict__.pop(_WAS_MEMBERSHIP, None)
    data = _membership_data(instance)
    if before is not None:
        old = _membership_data(before)
        if _holding(before, old) == _holding(instance, data):
            return  # saved unchanged
        audit(actor=None, verb="membership.revoked", target=before.user, **old)
    audit(actor=None, verb="membership.granted", target=instance.user, **data)


@receiver(post_delete, sender=Membership, dispatch_uid="cxloop.org.membership_revoked")
def _audit_membership_deleted(sender: Any, instance: Membership, **kwargs: Any) -> None:
    data = _membership_data(instance)
    audit(
        actor=None,
        verb="membership.revoked",
        target_type=User._meta.label_lower,
        target_id=instance.user_id,
        **data,
    )
