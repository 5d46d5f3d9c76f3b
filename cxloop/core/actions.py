"""Action tables: one declaration per action of an aggregate, run alike by its HTML view and its API.

An `Action` names what the action takes (a DRF serializer: the one place its input is validated),
who may do it (a permission predicate, checked before the input is read: a refusal is a 403), the
service it calls (`perform`) and what the page says when it worked (`message`). An `ActionTable`
maps the action names of one aggregate (a signal, an initiative, a meeting) to their actions.

- The API runs an action with `Action.run`: the predicate, then the serializer (a 400 naming the
  field), then the service (whose ApplicationError the API's exception handler answers).
- An HTML view runs it with `action_run_form`: the Django form only renders and parses the HTML
  encoding (a row's pk in a <select>); its cleaned values are handed to the same serializer in their
  API representation (`form_input`), and the serializer's and the service's errors come back on the
  form. So a page and the API accept and refuse the same input.

`html` and `api` say where an action is offered today; a table test checks both surfaces against it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.relations import ManyRelatedField, RelatedField
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .exceptions import ApplicationError

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

Actor = AbstractBaseUser | AnonymousUser
TargetT = TypeVar("TargetT")


def anyone(user: Actor, target: object) -> bool:
    """The default predicate: the view's or API's role check is all there is."""
    return True


NOT_ALLOWED = gettext_lazy("You may not do this.")


@dataclass(frozen=True)
class Action(Generic[TargetT]):
    """One action: its input, its permission predicate, its service call and its success message."""

    name: str
    input: type[serializers.Serializer] | None
    perform: Callable[[Any, TargetT, dict[str, Any]], Any]
    message: Callable[[Any, dict[str, Any]], str | StrPromise]
    allowed: Callable[[Any, TargetT], bool] = anyone
    denied: str | StrPromise = NOT_ALLOWED
    html: bool = True
    api: bool = True

    def check(self, *, user: Actor, target: TargetT) -> None:
        """Refuse (403) unless the predicate lets `user` do this to `target`."""
        if not self.allowed(user, target):
            raise PermissionDenied(self.denied)

    def validate(self, data: Mapping[str, Any], *, user: Actor) -> dict[str, Any]:
        """The input, validated by the action's serializer (a DRF ValidationError when invalid)."""
        if self.input is None:
            return {}
        serializer = self.input(data=data, context={"user": user})
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def run(self, *, user: Actor, target: TargetT, data: Mapping[str, Any]) -> Any:
        """Check, validate and perform: what an API endpoint does."""
        self.check(user=user, target=target)
        return self.perform(user, target, self.validate(data, user=user))


class ActionTable(Mapping[str, Action[TargetT]]):
    """The actions of one aggregate, by name (the name is the URL's `action` slug)."""

    def __init__(self, *actions: Action[TargetT]) -> None:
        self._actions = {action.name: action for action in actions}

    def __getitem__(self, name: str) -> Action[TargetT]:
        return self._actions[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._actions)

    def __len__(self) -> int:
        return len(self._actions)

    @property
    def html_names(self) -> set[str]:
        return {name for name, action in self._actions.items() if action.html}

    @property
    def api_names(self) -> set[str]:
        return {name for name, action in self._actions.items() if action.api}


# --- HTML: a form wraps the action's serializer ------------------------------------------------


class ActionForm(forms.Form):
    """A form that renders and parses an action's input; the action's serializer validates it.

    `input_names` maps a form field to the serializer field it feeds, where their names differ.
    """

    input_names: ClassVar[dict[str, str]] = {}


def form_input(form: forms.Form, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
    """The form's cleaned values in the serializer's representation (a row becomes its slug or pk)."""
    names: dict[str, str] = getattr(form, "input_names", {})
    fields = serializer_class().fields
    data: dict[str, Any] = {}
    for name, value in form.cleaned_data.items():
        key = names.get(name, name)
        field = fields.get(key)
        if field is None:
            continue
        if value is None:
            data[key] = None
        elif isinstance(field, RelatedField | ManyRelatedField):
            data[key] = field.to_representation(value)
        elif isinstance(value, Model):
            data[key] = value.pk
        else:
            data[key] = field.to_representation(value)
    return data


def _errors_to_form(form: forms.Form, errors: Mapping[str, Any]) -> None:
    names = {
        serializer_name: form_name for form_name, serializer_name in getattr(form, "input_names", {}).items()
    }
    for key, messages in errors.items():
        field = names.get(key, key)
        texts = [str(message) for message in (messages if isinstance(messages, list) else [messages])]
        if field in form.fields:
            form.add_error(field, texts)
        else:
            label = "" if key in ("non_field_errors", "detail") else f"{key}: "
            form.add_error(None, [f"{label}{text}" for text in texts])


@dataclass(frozen=True)
class ActionDone:
    result: Any
    message: str | StrPromise


def action_run_form(
    action: Action[TargetT],
    *,
    user: Actor,
    target: TargetT,
    form: forms.Form | None,
    extra: Mapping[str, Any] | None = None,
) -> ActionDone | None:
    """Check, validate and perform for a page: None when refused, with the reasons on `form`.

    The predicate raises PermissionDenied (403) before the form is read. A form-less action
    (`form=None`) lets the service's ApplicationError through, for the view to show as it likes.
    """
    action.check(user=user, target=target)
    if form is None:
        result = action.perform(user, target, dict(extra or {}))
        return ActionDone(result=result, message=action.message(result, dict(extra or {})))
    if not form.is_valid():
        return None
    data: dict[str, Any] = {}
    if action.input is not None:
        serializer = action.input(
            data={**form_input(form, action.input), **(extra or {})}, context={"user": user}
        )
        if not serializer.is_valid():
            _errors_to_form(form, serializer.errors)
            return None
        data = dict(serializer.validated_data)
    try:
        result = action.perform(user, target, data)
    except ApplicationError as error:
        form.add_error(None, error.message)
        return None
    return ActionDone(result=result, message=action.message(result, data))


# --- API: an endpoint runs one action of a table -------------------------------------------------


class ActionApi(APIView):
    """An endpoint for one action: find its target, run the action, answer with `output`.

    Subclasses set `entry` (the table's action: not `action`, which DRF and drf-spectacular read as a
    viewset's) and `output` and define the HTTP method (with its schema), which calls
    `run_action`; the target is looked up (a 404) before the input is read, as everywhere.
    """

    entry: ClassVar[Action[Any]]
    output: ClassVar[type[serializers.BaseSerializer] | None] = None
    success_status: ClassVar[int] = 200

    def get_target(self, request: Request, **kwargs: Any) -> Any:
        return None

    def get_input(self, request: Request, target: Any, **kwargs: Any) -> Mapping[str, Any]:
        return request.data

    def present(self, result: Any, target: Any) -> Any:
        """What `output` serializes: the service's result unless the endpoint answers with another row."""
        return result

    def run_action(self, request: Request, **kwargs: Any) -> Response:
        target = self.get_target(request, **kwargs)
        result = self.entry.run(
            user=request.user, target=target, data=self.get_input(request, target, **kwargs)
        )
        if self.output is None:
            return Response(status=self.success_status)
        return Response(self.output(self.present(result, target)).data, status=self.success_status)
