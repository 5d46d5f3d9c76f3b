"""Every route of the project, from the URL resolver and the admin's registry, as concrete requests.

Nothing here is a hand-kept list of pages: a route added to any urls.py, or a model registered in
the admin, joins the security tests by itself. Path parameters are filled with the foreign world's
values (world.FOREIGN for every id, its slug for every slug); `<action>` takes every action name
the route's view module declares, in a dict of actions or as `action == "..."` comparisons.
"""

import importlib
import inspect
import json
import re
from dataclasses import dataclass

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

from .world import FOREIGN, FOREIGN_SLUG, SHARED

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
ACTION_LITERAL = re.compile(r"""action\s*==\s*["']([\w-]+)["']""")


@dataclass(frozen=True)
class Route:
    name: str
    url: str
    is_api: bool


def _patterns(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if getattr(pattern, "app_name", None) == "admin":
                continue  # from the admin's registry below, with real ids
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def _view_module(callback):
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    return importlib.import_module((view_class or callback).__module__)


def _action_names(callback) -> list[str]:
    module = _view_module(callback)
    names = set(ACTION_LITERAL.findall(inspect.getsource(module)))
    for attribute, value in vars(module).items():
        if attribute.endswith("ACTIONS") and isinstance(value, dict):
            names |= {key for key in value if isinstance(key, str)}
    return sorted(names) or ["unknown"]


def _table_names(callback) -> list[str]:
    tables = getattr(_view_module(callback), "TABLES", None)
    return sorted(tables) if isinstance(tables, dict) else ["unknown"]


@dataclass(frozen=True)
class Fill:
    """What to put in path parameters: ids (the first `pk` also takes `also`), and slugs."""

    ids: int = FOREIGN
    also: tuple[int, ...] = (SHARED,)
    slug: str = FOREIGN_SLUG


def _values(name: str, converter: str | None, callback, fill: Fill) -> list[str]:
    if name == "action":
        return _action_names(callback)
    if name == "table":
        return _table_names(callback)
    if name == "source_slug":
        return ["store-notes"]
    if converter == "int" or (converter is None and name.endswith(("id", "pk"))):
        return [str(fill.ids), *map(str, fill.also)] if name == "pk" else [str(fill.ids)]
    return [fill.slug]


def project_routes(fill: Fill = Fill()) -> list[Route]:
    routes = []
    for pattern, url_pattern in _patterns(get_resolver().url_patterns):
        parameters = list(PARAMETER.finditer(pattern))
        urls = [pattern]
        for match in parameters:
            values = _values(match["name"], match["converter"], url_pattern.callback, fill)
            urls = [url.replace(match.group(0), value, 1) for url in urls for value in values]
        for url in urls:
            routes.append(
                Route(name=url_pattern.name or pattern, url="/" + url, is_api=url.startswith("api/"))
            )
    return routes


def admin_routes(fill: Fill = Fill()) -> list[Route]:
    routes = []
    for model in admin.site._registry:
        opts = model._meta
        one = (fill.ids,)
        views = (("changelist", ()), ("add", ()), ("change", one), ("delete", one), ("history", one))
        for view, args in views:
            try:
                url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)
            except NoReverseMatch:
                continue
            routes.append(Route(name=f"admin:{opts.label_lower}:{view}", url=url, is_api=False))
    return routes


def all_routes(fill: Fill = Fill()) -> list[Route]:
    return project_routes(fill) + admin_routes(fill)


def kitchen_sink(world) -> dict:
    """One body with a plausible value for every field the project's forms and APIs take, pointing
    at the foreign world wherever it names an object: what an attacker would send."""
    return {
        "note": "x", "text": "x", "comment": "x", "reason": "x", "rationale": "x", "notes": "x",
        "title": "x", "problem": "x", "summary": "x", "subject": "x", "body": "x", "name": "x",
        "channel": "phone", "outcome": "reached", "promised": "x", "next_step": "x",
        "root_cause": world.ours["category"].slug, "resolution_note": "x", "recovery_score": 9,
        "to_status": "waiting_on_customer", "status": "waiting_on_customer", "version": 0,
        "into": FOREIGN, "choice": "approve", "seat": FOREIGN, "proxy": FOREIGN, "stage": "design",
        "due_on": "2027-01-01", "owner": FOREIGN, "assignee": FOREIGN, "cases": [FOREIGN], "case": FOREIGN,
        "team": FOREIGN_SLUG, "initiative": FOREIGN, "meeting": FOREIGN, "decision": FOREIGN,
        "scheduled_for": "2027-01-10T10:00", "held_on": "2026-12-01", "kind": "obstacle",
        "weekday": 0, "time": "09:30", "every_weeks": 1, "enabled": "on", "attendees": [FOREIGN],
        "state": "kept", "score": 9, "category": world.ours["category"].slug, "read": [FOREIGN],
        "ids": [FOREIGN], "notification_ids": [FOREIGN], "source": "store-notes", "external_id": "x",
        "scale": "nps", "department": FOREIGN_SLUG, "signals": [FOREIGN],
    }  # fmt: skip


def request(client, method: str, route: Route, body: dict):
    """One request; JSON for the API, a form everywhere else."""
    call = getattr(client, method.lower())
    if method == "GET":
        return call(route.url)
    if route.is_api:
        return call(route.url, data=json.dumps(body), content_type="application/json")
    if method == "POST":
        return call(route.url, data=body)
    return call(route.url, data=json.dumps(body), content_type="application/json")
