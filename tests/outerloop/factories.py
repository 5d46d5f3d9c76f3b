import factory
from django.utils import timezone

from outerloop.models import Initiative, Signal
from tests.factories import CategoryFactory, UserFactory


class SignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signal

    key = factory.Sequence(lambda n: f"root_cause:test-{n}:any")
    title = factory.Sequence(lambda n: f"Signal {n}")
    category = factory.SubFactory(CategoryFactory)
    rising = True
    recent_count = 40
    baseline_count = 30
    expected_count = 10.0
    rate_ratio = 4.0
    p_value = 1e-6
    teams = 2
    departments = 1
    department_ids = factory.LazyFunction(list)
    customers = 10
    value_at_risk = 5000
    window_start = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=28))
    window_end = factory.LazyFunction(timezone.now)


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Initiative {n}")
    problem = "Deliveries miss their slots."
    owner = factory.SubFactory(UserFactory)
    stage_changed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def departments(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.departments.set(extracted)

    @factory.post_generation
    def signals(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.signals.set(extracted)
