"""The decisions API: a seat's vote is cast by its holder or the proxy the holder named (#12)."""

import pytest
from rest_framework.test import APIClient

from cxloop.org.models import Role
from governance import services
from governance.models import Decision, MeetingProxy
from tests.factories import MembershipFactory, UserFactory
from tests.outerloop.factories import InitiativeFactory

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_one_member_cannot_cast_every_seats_vote(committee, decision, people):
    # given: a committee member who holds department B's seat, and no proxies
    api = _client(people["committee"])
    own_seat = committee["seats"][1]
    # when: they approve for each seat in turn
    answers = [
        api.post(
            f"/api/v1/decisions/{decision.pk}/vote/", {"seat": seat.pk, "choice": "approved"}, format="json"
        )
        for seat in committee["seats"]
    ]
    # then: only their own seat's vote is recorded; the others are refused, naming the seat
    decision.refresh_from_db()
    assert [answer.status_code for answer in answers] == [403, 200, 403]
    assert answers[0].json()["seat"] == ["not yours"]
    assert "holder" in answers[0].json()["detail"]
    assert list(decision.votes.values_list("seat", flat=True)) == [own_seat.pk]
    assert decision.status == Decision.Status.OPEN


def test_an_admin_casts_no_seats_vote(committee, decision, people):
    # given: the admin holds no seat and is nobody's proxy
    api = _client(people["admin"])
    # when
    answers = [
        api.post(
            f"/api/v1/decisions/{decision.pk}/vote/", {"seat": seat.pk, "choice": "approved"}, format="json"
        )
        for seat in committee["seats"]
    ]
    # then
    assert [answer.status_code for answer in answers] == [403, 403, 403]
    assert not decision.votes.exists()


def test_the_holder_names_a_proxy_who_votes_and_the_log_says_so(committee, decision, people):
    # given: Tom Reed holds Logistics & returns' seat
    seat, tom, member = committee["seats"][2], committee["seats"][2].holder, people["committee"]
    proxies = f"/api/v1/meetings/{committee['meeting'].pk}/proxies/"
    # when: Tom names the committee member; the member votes for Tom's seat
    named = _client(tom).post(proxies, {"seat": seat.pk, "proxy": member.username}, format="json")
    listed = _client(people["manager"]).get(proxies)
    voted = _client(member).post(
        f"/api/v1/decisions/{decision.pk}/vote/", {"seat": seat.pk, "choice": "approved"}, format="json"
    )
    # then
    assert named.status_code == 201
    assert named.json() | {"named_at": None} == {
        "meeting": committee["meeting"].pk, "seat": seat.pk, "department": "dept-c",
        "proxy": member.username, "named_by": "tom", "named_at": None,
    }  # fmt: skip
    assert [row["proxy"] for row in listed.json()["results"]] == [member.username]
    assert voted.status_code == 200
    [vote] = voted.json()["votes"]
    assert (vote["cast_by"], vote["cast_as"], vote["proxy_for"]) == (member.username, "proxy", "tom")
    assert vote["log_entry"] == (
        f"Logistics & returns: approve (cast by {member.get_full_name()} as proxy for Tom Reed)"
    )
    detail = _client(people["manager"]).get(f"/api/v1/decisions/{decision.pk}/").json()
    assert detail["votes"] == voted.json()["votes"]


@pytest.mark.parametrize(
    ("who", "proxy", "status", "field", "reason"),
    [
        ("committee", "committee-1", 403, "seat", "not yours"),
        ("admin", "admin-user", 403, "seat", "not yours"),
        ("tom", "agent-a1", 400, "proxy", "not a committee member or manager"),
        ("tom", "tom", 400, "proxy", "seat holder"),
    ],
)
def test_naming_a_proxy_is_refused_with_the_field_and_reason(
    committee, people, who, proxy, status, field, reason
):
    # given
    seat = committee["seats"][2]
    actor = {**people, "tom": seat.holder}[who]
    # when
    answer = _client(actor).post(
        f"/api/v1/meetings/{committee['meeting'].pk}/proxies/",
        {"seat": seat.pk, "proxy": proxy},
        format="json",
    )
    # then
    assert answer.status_code == status
    assert answer.json()[field] == [reason]
    assert answer.json()["detail"]
    assert not MeetingProxy.objects.exists()


def test_unknown_person_or_seat_is_a_400_naming_the_field(committee):
    # given
    tom = committee["seats"][2].holder
    proxies = f"/api/v1/meetings/{committee['meeting'].pk}/proxies/"
    # when
    answer = _client(tom).post(proxies, {"seat": 0, "proxy": "nobody"}, format="json")
    # then
    assert answer.status_code == 400
    assert set(answer.json()) == {"seat", "proxy"}


def test_the_holder_withdraws_the_proxy_and_it_can_no_longer_vote(committee, decision, people):
    # given
    seat, tom, member = committee["seats"][2], committee["seats"][2].holder, people["committee"]
    services.proxy_name(meeting=committee["meeting"], seat=seat, proxy=member, actor=tom)
    withdraw = f"/api/v1/meetings/{committee['meeting'].pk}/proxies/{seat.pk}/"
    # when
    refused = _client(member).delete(withdraw)
    withdrawn = _client(tom).delete(withdraw)
    vote = _client(member).post(
        f"/api/v1/decisions/{decision.pk}/vote/", {"seat": seat.pk, "choice": "approved"}, format="json"
    )
    # then
    assert (refused.status_code, refused.json()["seat"]) == (403, ["not yours"])
    assert withdrawn.status_code == 204
    assert (vote.status_code, vote.json()["seat"]) == (403, ["not yours"])
    assert not MeetingProxy.objects.exists()


def test_a_manager_named_proxy_votes_on_an_initiative_beyond_their_department(committee, people, org):
    # given: Grace manages department B and holds no seat; the initiative is department A's
    grace = UserFactory(username="grace", first_name="Grace", last_name="Mensah")
    MembershipFactory(user=grace, role=Role.MANAGER, team=None, department=org["dept_b"])
    decision = services.decision_open(
        meeting=committee["meeting"], initiative=InitiativeFactory(departments=[org["dept_a"]]),
        rationale="Department A's fix", actor=people["committee"],
    )  # fmt: skip
    seat = committee["seats"][2]
    vote = f"/api/v1/decisions/{decision.pk}/vote/"
    unseen = _client(grace).post(vote, {"seat": seat.pk, "choice": "approved"}, format="json")
    # when: Tom names her for the meeting
    services.proxy_name(meeting=committee["meeting"], seat=seat, proxy=grace, actor=seat.holder)
    cast = _client(grace).post(vote, {"seat": seat.pk, "choice": "approved"}, format="json")
    # then
    assert unseen.status_code == 404
    assert cast.status_code == 200
    assert cast.json()["votes"][0]["log_entry"] == (
        "Logistics & returns: approve (cast by Grace Mensah as proxy for Tom Reed)"
    )
