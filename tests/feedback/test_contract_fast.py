"""The contract's direct path gives exactly what the serializer gives, and never accepts what the
serializer refuses (feedback/contract_fast.py)."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.contract import ContractValidator, FeedbackInput
from feedback.contract_fast import Unsure, validate_fast
from tests.factories import JourneyStageFactory, SourceFactory, TeamFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

# Values a delivery might carry, well-formed or not: every field gets its share of both.
TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "  ", " padded ", "a\x00b", "\ud800", "x" * 201, "x" * 10_001, "ok"]),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.just(["a"]),
    st.just({"a": 1}),
)
SLUG = st.one_of(st.sampled_from(["known", "unknown", "", "Known"]), TEXT)
TIME = st.one_of(
    st.sampled_from(
        [
            "2026-05-01T09:30:00+02:00",
            "2026-05-01T09:30:00Z",
            "2026-05-01 09:30:00.123456+00:00",
            "2026-05-01T09:30:00",
            "1969-12-31T23:59:59+00:00",
            "2999-01-01T00:00:00+00:00",
            "2026-13-01T00:00:00+00:00",
            "yesterday",
            "2026-05-01",
        ]
    ),
    TEXT,
)
EMAIL = st.one_of(st.sampled_from(["Sam@Example.org", " sam@example.org ", "not-an-email", "", "a@b"]), TEXT)
PHONE = st.one_of(st.sampled_from(["+44 (0)20 7946-0958", "0161 496 0000", "12", "", "+1-800"]), TEXT)
VALUE = st.one_of(
    st.none(), st.sampled_from(["1800.00", "-1", "1e3", "abc"]), st.integers(), st.floats(allow_nan=False)
)
CUSTOMER_FIELDS = {
    "external_id": TEXT,
    "name": TEXT,
    "email": EMAIL,
    "phone": PHONE,
    "segment": TEXT,
    "annual_value": VALUE,
    "unknown": TEXT,
}
METADATA = st.one_of(
    st.dictionaries(
        st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=5), st.none()), max_size=3
    ),
    st.just({"a": "b\x00"}),
    st.just({"nested": {"list": [1, "two"]}}),
    TEXT,
)


def _mutated(valid: st.SearchStrategy, fields: dict) -> st.SearchStrategy:
    """A well-formed dict with up to two of its fields replaced by anything a field may receive:
    the values the direct path must judge exactly as the serializer does."""
    mutation = st.one_of(*(st.tuples(st.just(name), values) for name, values in fields.items()))
    return st.builds(lambda base, changes: {**base, **dict(changes)}, valid, st.lists(mutation, max_size=2))


CUSTOMER = st.one_of(
    st.none(),
    TEXT,
    st.fixed_dictionaries({}, optional=CUSTOMER_FIELDS),
    _mutated(st.just({"external_id": "C-1", "name": "Sam", "email": "sam@example.org"}), CUSTOMER_FIELDS),
)
FIELDS = {
    "source": SLUG,
    "external_id": TEXT,
    "scale": st.one_of(st.sampled_from(["nps", "csat", "ces", "NPS", ""]), TEXT),
    "score": st.one_of(st.integers(min_value=-2, max_value=12), st.booleans(), st.floats(), TEXT),
    "comment": TEXT,
    "occurred_at": TIME,
    "customer": CUSTOMER,
    "touchpoint": SLUG,
    "journey_stage": SLUG,
    "team": SLUG,
    "metadata": METADATA,
    "extra": TEXT,
}
WELL_FORMED = st.fixed_dictionaries(
    {
        "source": st.just("known"),
        "external_id": st.sampled_from(["r-1", " r-2 "]),
        "scale": st.just("nps"),
        "score": st.integers(min_value=0, max_value=10),
    },
    optional={
        "comment": st.sampled_from(["late", " ", ""]),
        "occurred_at": st.just("2026-05-01T09:30:00+02:00"),
        "customer": st.just({"external_id": "C-1"}),
        "touchpoint": st.just("known"),
        "journey_stage": st.just(None),
        "team": st.just("known"),
        "metadata": st.just({"order": "A-1"}),
    },
)
ITEM = st.one_of(st.fixed_dictionaries({}, optional=FIELDS), _mutated(WELL_FORMED, FIELDS))


@pytest.fixture
def known(db):
    SourceFactory(slug="known")
    TouchpointFactory(slug="known")
    JourneyStageFactory(slug="known")
    TeamFactory(slug="known")


def _plain(value):
    """Nested OrderedDicts as dicts, for comparing."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=ITEM)
def test_the_direct_path_agrees_with_the_serializer(known, raw):
    # given
    serializer = FeedbackInput(context={"lookups": {}})
    # when
    try:
        fast = validate_fast(serializer, raw)
    except Unsure:
        return  # the serializer decides
    # then: the serializer accepts it and gives the same
    assert _plain(FeedbackInput(context={"lookups": {}}).run_validation(raw)) == _plain(fast)


def test_a_well_formed_item_takes_the_direct_path(known):
    raw = {
        "source": "known", "external_id": " r-1 ", "scale": "nps", "score": 4, "comment": " late ",
        "occurred_at": "2026-05-01T09:30:00+02:00", "touchpoint": "known", "journey_stage": None,
        "customer": {"external_id": "C-1", "email": " Sam@Example.org ", "phone": "+44 (0)20 7946-0958"},
        "metadata": {"order": "A-1"},
    }  # fmt: skip
    data = validate_fast(FeedbackInput(context={"lookups": {}}), raw)
    assert data["external_id"] == "r-1"
    assert data["comment"] == " late "
    assert data["customer"] == {"external_id": "C-1", "email": "sam@example.org", "phone": "+442079460958"}


def test_a_decimal_is_left_to_the_serializer(known):
    raw = {"source": "known", "external_id": "r-1", "customer": {"external_id": "C-1", "annual_value": "10"}}
    with pytest.raises(Unsure):
        validate_fast(FeedbackInput(context={"lookups": {}}), raw)
    assert FeedbackInput().run_validation(raw)["customer"]["annual_value"] == Decimal("10.00")


@pytest.mark.parametrize("slug", ["kno\x00wn", "\ud800"])
def test_a_slug_postgresql_cannot_compare_is_an_error_not_a_crash(known, slug):
    # when
    data, errors = ContractValidator().validate({"source": "known", "external_id": "r-1", "touchpoint": slug})
    # then: before, the look-up itself failed (a server error)
    assert data is None
    assert list(errors) == ["touchpoint"]
