"""The organisation's part of the demo: departments, teams across time zones, and the people in them.

The first part `manage.py seed_demo` seeds; the feedback demo routes its rows to these teams.
"""

import random
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from cxloop.core.demo import DEMO_PASSWORD, DEMO_USERNAMES, FIRST_NAMES, LAST_NAMES
from cxloop.core.exceptions import ApplicationError

from .models import Department, Membership, Preference, Role, Team

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# `agent` and `lead` work on this team; `manager` runs its department.
DEMO_TEAM = "contact-centre-leeds"
# The department whose committee seat `committee` holds.
DEMO_COMMITTEE_SEAT = "logistics-returns"
EMAIL_DOMAIN = "northgate-home.example"
# The interface language of everyone on these teams (the rest use the organisation default).
TEAM_LANGUAGES = {"contact-centre-lisbon": "pt"}

DEPARTMENTS = (
    ("retail-stores", "Retail Stores"),
    ("customer-care", "Customer Care"),
    ("digital", "Digital"),
    ("logistics-returns", "Logistics & Returns"),
)


@dataclass(frozen=True)
class TeamSpec:
    slug: str
    name: str
    department: str
    timezone: str
    agents: int


TEAMS = (
    TeamSpec("store-service", "Store Service", "retail-stores", "Europe/London", 5),
    TeamSpec("click-collect", "Click & Collect", "retail-stores", "Europe/Dublin", 3),
    TeamSpec("contact-centre-leeds", "Contact Centre Leeds", "customer-care", "Europe/London", 6),
    TeamSpec("contact-centre-lisbon", "Contact Centre Lisbon", "customer-care", "Europe/Lisbon", 5),
    TeamSpec("social-care", "Social & Email Care", "customer-care", "Europe/Dublin", 3),
    TeamSpec("business-accounts", "Business Accounts", "customer-care", "Europe/London", 2),
    TeamSpec("web-shop", "Web Shop", "digital", "Europe/Amsterdam", 3),
    TeamSpec("mobile-app", "Mobile App", "digital", "Europe/Berlin", 3),
    TeamSpec("home-delivery", "Home Delivery", "logistics-returns", "Europe/London", 5),
    TeamSpec("returns", "Returns", "logistics-returns", "Europe/London", 3),
    TeamSpec("aftercare", "Aftercare & Warranty", "logistics-returns", "Europe/Warsaw", 3),
)


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str
    role: str
    team: str | None = None
    department: str | None = None
    demo_login: bool = False


# Fixed people behind the five demo logins, so screenshots and docs can name them.
DEMO_PEOPLE = (
    Person("agent", "Priya", "Nair", Role.AGENT, team=DEMO_TEAM, demo_login=True),
    Person("lead", "Tom", "Whitaker", Role.TEAM_LEAD, team=DEMO_TEAM, demo_login=True),
    Person("manager", "Grace", "Mensah", Role.MANAGER, department="customer-care", demo_login=True),
    Person("committee", "Daniel", "Byrne", Role.COMMITTEE, department=DEMO_COMMITTEE_SEAT, demo_login=True),
    Person("admin", "Alex", "Morgan", Role.ADMIN, demo_login=True),
    # An agent of the Lisbon contact centre, who sees cxloop in Portuguese (TEAM_LANGUAGES).
    Person("agente", "Inês", "Carvalho", Role.AGENT, team="contact-centre-lisbon", demo_login=True),
)


@dataclass(frozen=True)
class Organisation:
    """What the feedback generator needs to know about the organisation once it exists."""

    team_ids: dict[str, int]
    team_timezones: dict[str, str]
    # First names of the people serving customers on each team, for shout-outs.
    first_names: dict[str, tuple[str, ...]]
    people: int


def _ascii(text: str) -> str:
    """Lower-case ASCII letters and digits only, for usernames ("Seán O'Brien" -> "sean", "obrien")."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(char for char in plain if char.isalnum())


def people_plan(*, rng: random.Random) -> list[Person]:
    """Everyone in the organisation: the demo logins plus generated colleagues with unique names."""
    people = list(DEMO_PEOPLE)
    taken = {(person.first_name, person.last_name) for person in people}
    usernames = {person.username for person in people}
    # Names are dealt from shuffled decks, so first names repeat only in a very large organisation and a
    # shout-out to "Nadia" points at one person.
    decks: dict[tuple[str, ...], list[str]] = {FIRST_NAMES: [], LAST_NAMES: []}

    def deal(names: tuple[str, ...]) -> str:
        if not decks[names]:
            decks[names] = list(names)
            rng.shuffle(decks[names])
        return decks[names].pop()

    def new_person(role: str, *, team: str | None = None, department: str | None = None) -> Person:
        while True:
            first, last = deal(FIRST_NAMES), deal(LAST_NAMES)
            username = f"{_ascii(first)}.{_ascii(last)}"
            if (first, last) not in taken and username not in usernames:
                taken.add((first, last))
                usernames.add(username)
                return Person(username, first, last, role, team=team, department=department)

    demo_roles = {(person.role, person.team or person.department) for person in DEMO_PEOPLE}
    for spec in TEAMS:
        if (Role.TEAM_LEAD, spec.slug) not in demo_roles:
            people.append(new_person(Role.TEAM_LEAD, team=spec.slug))
        already = sum(1 for person in people if person.role == Role.AGENT and person.team == spec.slug)
        people.extend(new_person(Role.AGENT, team=spec.slug) for _ in range(spec.agents - already))
    for slug, _ in DEPARTMENTS:
        if (Role.MANAGER, slug) not in demo_roles:
            people.append(new_person(Role.MANAGER, department=slug))
        if (Role.COMMITTEE, slug) not in demo_roles:
            people.append(new_person(Role.COMMITTEE, department=slug))
    # The chair sits on the committee without a departmental seat.
    people.append(new_person(Role.COMMITTEE))
    return people


def organisation_present() -> bool:
    """Whether an earlier run already seeded the organisation (its `agent` login exists)."""
    return get_user_model().objects.filter(username=DEMO_USERNAMES[0]).exists()


def _refuse_taken_logins() -> None:
    taken = sorted(
        get_user_model().objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True)
    )
    if taken:
        raise ApplicationError(
            "These demo usernames already belong to someone: " + ", ".join(taken), {"usernames": taken}
        )


def organisation_create(*, rng: random.Random) -> Organisation:
    """Create departments, teams, users and their memberships (refused when a demo login is taken)."""
    _refuse_taken_logins()
    departments = Department.objects.bulk_create(
        Department(slug=slug, name=name) for slug, name in DEPARTMENTS
    )
    department_ids = {department.slug: department.pk for department in departments}
    teams = Team.objects.bulk_create(
        Team(
            slug=spec.slug,
            name=spec.name,
            department_id=department_ids[spec.department],
            timezone=spec.timezone,
            # The demo team the agent and lead log in to also takes what nothing else routes.
            is_triage_team=spec.slug == DEMO_TEAM,
        )
        for spec in TEAMS
    )
    team_ids = {team.slug: team.pk for team in teams}

    people = people_plan(rng=rng)
    # One hash for the five logins: hashing is deliberately slow and they share the password anyway.
    demo_hash = make_password(DEMO_PASSWORD)
    users = get_user_model().objects.bulk_create([_user(person, demo_hash=demo_hash) for person in people])
    Membership.objects.bulk_create(
        Membership(
            user=user,
            role=person.role,
            team_id=team_ids[person.team] if person.team else None,
            department_id=department_ids[person.department] if person.department else None,
        )
        for user, person in zip(users, people, strict=True)
    )
    # The Lisbon contact centre works in Portuguese (the agents and their lead).
    Preference.objects.bulk_create(
        Preference(user=user, language=TEAM_LANGUAGES[person.team])
        for user, person in zip(users, people, strict=True)
        if person.team in TEAM_LANGUAGES
    )
    first_names = {
        spec.slug: tuple(person.first_name for person in people if person.team == spec.slug) for spec in TEAMS
    }
    return Organisation(
        team_ids=team_ids,
        team_timezones={spec.slug: spec.timezone for spec in TEAMS},
        first_names=first_names,
        people=len(people),
    )


def _user(person: Person, *, demo_hash: str) -> "User":
    user = get_user_model()(
        username=person.username,
        first_name=person.first_name,
        last_name=person.last_name,
        email=f"{person.username}@{EMAIL_DOMAIN}",
        is_staff=person.role == Role.ADMIN,
        is_superuser=person.role == Role.ADMIN,
    )
    if person.demo_login:
        user.password = demo_hash
    else:
        user.set_unusable_password()
    return user
