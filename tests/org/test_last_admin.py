"""Somebody always administers cxloop: two administrators removing each other at the same moment
leave one of them, never none."""

import threading

import pytest
from django.db import connection, transaction

from cxloop.core.exceptions import ApplicationError
from cxloop.org.models import Membership, Role
from cxloop.org.services import membership_revoke, person_deactivate
from tests.factories import UserFactory


def _at_once(*jobs):
    """Runs each job in its own thread and transaction; each first locks what its service locks, so
    both hold their rows before either reaches the last-administrator check."""
    barrier, results = threading.Barrier(len(jobs)), []

    def run(job):
        try:
            with transaction.atomic():
                job(barrier)
            results.append("done")
        except ApplicationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(results)


@pytest.mark.django_db(transaction=True)
def test_two_admins_taking_each_others_role_at_once_leave_one_admin():
    # given: the only two administrators
    ada, bob = UserFactory(username="ada"), UserFactory(username="bob")
    ada_admin = Membership.objects.create(user=ada, role=Role.ADMIN)
    bob_admin = Membership.objects.create(user=bob, role=Role.ADMIN)

    def revoke(membership, actor):
        def job(barrier):
            Membership.objects.select_for_update(no_key=True).get(pk=membership.pk)
            barrier.wait(timeout=10)
            membership_revoke(membership=membership, actor=actor)

        return job

    # when
    results = _at_once(revoke(bob_admin, ada), revoke(ada_admin, bob))
    # then
    assert results == ["done", "refused"]
    assert Membership.objects.filter(role=Role.ADMIN).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_admins_deactivating_each_other_at_once_leave_one_active():
    ada, bob = UserFactory(username="ada"), UserFactory(username="bob")
    for person in (ada, bob):
        Membership.objects.create(user=person, role=Role.ADMIN)

    def deactivate(person, actor):
        def job(barrier):
            barrier.wait(timeout=10)
            person_deactivate(person=person, actor=actor, reason="")

        return job

    results = _at_once(deactivate(bob, ada), deactivate(ada, bob))
    assert results == ["done", "refused"]
    assert Membership.objects.filter(role=Role.ADMIN, user__is_active=True).count() == 1
