import factory
from django.utils import timezone

from innerloop.models import Case, CaseKind, CaseRule, MessageTemplate, SlaPolicy
from tests.factories import FeedbackFactory, TeamFactory


class CaseKindFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseKind
        django_get_or_create = ("slug",)

    slug = "detractor_recovery"
    name = "Detractor recovery"


class SlaPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SlaPolicy
        django_get_or_create = ("slug",)

    slug = "day"
    name = "First contact within a day"
    first_contact_minutes = 24 * 60
    resolution_minutes = 5 * 24 * 60


class CaseRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseRule

    position = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: f"Rule {n}")
    case_kind = factory.SubFactory(CaseKindFactory)
    sla_policy = factory.SubFactory(SlaPolicyFactory)
    routing = CaseRule.Routing.FEEDBACK


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    feedback = factory.SubFactory(FeedbackFactory, score=3)
    kind = factory.SubFactory(CaseKindFactory)
    team = factory.SubFactory(TeamFactory)
    customer = factory.LazyAttribute(lambda case: case.feedback.customer)
    due_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(hours=24))
    first_contact_due_at = factory.LazyAttribute(lambda case: case.due_at)
    resolution_due_at = factory.LazyAttribute(lambda case: case.due_at + timezone.timedelta(days=4))


class MessageTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MessageTemplate
        django_get_or_create = ("slug",)

    slug = "sorry"
    name = "Sorry"
    subject = "About your feedback, {customer_name}"
    body = "Hello {customer_name}, this is {agent_name} from {team_name} about case {case_id}."
