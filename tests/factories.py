"""factory_boy factories shared by every test package."""

from datetime import UTC, datetime

import factory
from django.contrib.auth import get_user_model

from cxloop.org.models import Department, Membership, Role, Team
from feedback.models import Category, Customer, Feedback, JourneyStage, Source, Touchpoint


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Department {n}")
    slug = factory.Sequence(lambda n: f"department-{n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    department = factory.SubFactory(DepartmentFactory)
    timezone = "Europe/London"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = "Person"
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-only")

    @factory.post_generation
    def persist_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.AGENT
    team = factory.SubFactory(TeamFactory)
    department = None


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"source-{n}")
    name = factory.Sequence(lambda n: f"Source {n}")
    kind = Source.Kind.SURVEY


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    external_id = factory.Sequence(lambda n: f"cust-{n}")
    name = factory.Sequence(lambda n: f"Customer {n}")
    email = factory.Sequence(lambda n: f"customer{n}@example.test")
    segment = "consumer"


class TouchpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touchpoint

    slug = factory.Sequence(lambda n: f"touchpoint-{n}")
    name = factory.Sequence(lambda n: f"Touchpoint {n}")


class JourneyStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JourneyStage

    slug = factory.Sequence(lambda n: f"stage-{n}")
    name = factory.Sequence(lambda n: f"Stage {n}")
    position = factory.Sequence(lambda n: n)


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    source = factory.SubFactory(SourceFactory)
    external_id = factory.Sequence(lambda n: f"resp-{n}")
    scale = Feedback.Scale.NPS
    score = 9
    comment = "Friendly staff and quick delivery."
    occurred_at = factory.LazyFunction(lambda: datetime.now(UTC))
    customer = factory.SubFactory(CustomerFactory)
    team = factory.SubFactory(TeamFactory)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"Category {n}")
    parent = None


# --- surveys: definitions and invitations (helper H1) -------------------------------------------


class InviteSurveyFactory(factory.django.DjangoModelFactory):
    """A customer NPS survey by email, with no quiet hours, sampling or cap unless a test sets them."""

    class Meta:
        model = "feedback.Survey"

    slug = factory.Sequence(lambda n: f"survey-{n}")
    name = factory.Sequence(lambda n: f"Survey {n}")
    source = factory.SubFactory(SourceFactory)
    quiet_from = "00:00"
    quiet_until = "00:00"


class InviteSurveyTextFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "feedback.SurveyText"

    survey = factory.SubFactory(InviteSurveyFactory)
    language = "en"
    question = "How likely are you to recommend us to a friend?"
    email_subject = "A question about your visit"


class InviteInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "feedback.SurveyInvitation"

    survey = factory.SubFactory(InviteSurveyFactory)
    customer = factory.SubFactory(CustomerFactory)
    status = "sent"


# --- Outbound webhooks (H7) ------------------------------------------------------------------------


class OutboundEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "outbound.Endpoint"

    name = factory.Sequence(lambda n: f"Receiver {n}")
    url = "http://127.0.0.1:9/hook"
    format = "standard"
    event_types = factory.LazyFunction(lambda: ["case.opened"])
    feedback_filter = factory.LazyFunction(dict)


def outbound_endpoint_with_deliveries() -> list[str]:
    """An endpoint with a delivered, a retrying and a given-up delivery, for the page crawls; the
    addresses of its pages."""
    from django.urls import reverse
    from django.utils import timezone

    from cxloop.outbound.models import DeliveryAttempt, OutboundDelivery, OutboundEvent
    from cxloop.outbound.services import new_event_id

    endpoint = OutboundEndpointFactory(name="Data warehouse", event_types=["case.opened", "decision.taken"])
    for state, code in (("delivered", 200), ("pending", 500), ("gave_up", 503)):
        payload = {"case": {"id": 1}}
        event = OutboundEvent.objects.create(id=new_event_id(), type="case.opened", payload=payload)
        delivery = OutboundDelivery.objects.create(
            endpoint=endpoint, event=event, state=state, attempts=1, next_attempt_at=timezone.now()
        )
        DeliveryAttempt.objects.create(delivery=delivery, status_code=code, duration_ms=120)
    return [reverse("outbound:detail", args=[endpoint.pk]), reverse("outbound:edit", args=[endpoint.pk])]


class CustomerTransactionFactory(factory.django.DjangoModelFactory):
    """An order of a customer (#18 item 8); pass kind="churn", amount=None for a churn."""

    class Meta:
        model = "feedback.CustomerTransaction"

    customer = factory.SubFactory(CustomerFactory)
    kind = "order"
    external_id = factory.Sequence(lambda n: f"txn-{n}")
    amount = "100.00"  # the column reads the text; refresh_from_db gives a Decimal
    occurred_at = factory.LazyFunction(lambda: datetime.now(UTC))
