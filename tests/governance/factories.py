import factory
from django.utils import timezone

from governance.models import Committee, CommitteeSeat, Meeting
from tests.factories import DepartmentFactory, UserFactory


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Committee
        django_get_or_create = ("name",)

    name = "Customer experience committee"


class CommitteeSeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeSeat

    committee = factory.SubFactory(CommitteeFactory)
    department = factory.SubFactory(DepartmentFactory)
    holder = factory.SubFactory(UserFactory)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    committee = factory.SubFactory(CommitteeFactory)
    scheduled_for = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=7))
