from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Department, Role, Team
from .services import role_scope_problems


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, label=_("Name"), help_text=_("What uses it, e.g. “Typeform sync” or “my scripts”.")
    )
    integration = forms.BooleanField(
        required=False, label=_("For an integration (not tied to you; administrators only)")
    )
    scopes = forms.MultipleChoiceField(
        choices=ApiToken.Scope.choices,
        initial=[ApiToken.Scope.READ],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Scopes"),
        help_text=_("What the token may do. An integration token only sends feedback."),
    )
    expires_in_days = forms.IntegerField(min_value=1, required=False, label=_("Expires after (days)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        longest = settings.CXLOOP_API_TOKEN_DAYS
        field = self.fields["expires_in_days"]
        field.initial = longest
        field.validators.append(MaxValueValidator(longest))
        field.widget.attrs.update(max=longest, min=1)
        field.help_text = _("At most %(days)d days; %(days)d when left empty.") % {"days": longest}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("integration") and "scopes" in data and not data["scopes"]:
            self.add_error("scopes", _("Pick at least one scope."))
        return data


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        required=True, error_messages={"required": _("Tick the box to confirm.")}, label=_("Yes, I am sure")
    )


class DeactivateForm(ConfirmForm):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Reason"),
        help_text=_("Recorded in the audit log, e.g. “left the company”."),
    )


# --- roles, invitations ---------------------------------------------------------------------------


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.department.name})"


class RoleScopeForm(forms.Form):
    """A role and where it is held: a team (agent, team lead), a department (manager; optionally a
    committee member's seat) or the whole organisation (administrator)."""

    role = forms.ChoiceField(choices=Role.choices, label=_("Role"))
    team = TeamChoiceField(
        queryset=Team.objects.select_related("department"),
        required=False,
        empty_label=_("(none)"),
        label=_("Team"),
        help_text=_("For agents and team leads."),
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("(none)"),
        label=_("Department"),
        help_text=_("For managers; for a committee member, the department whose seat they hold."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role"):
            problems = role_scope_problems(
                role=data["role"], team=data.get("team"), department=data.get("department")
            )
            for field, problem in problems.items():
                self.add_error(field, problem)
        return data


def _language_choices() -> list[tuple[str, Any]]:
    return [("", _("The organisation's default")), *settings.LANGUAGES]


class InvitationForm(RoleScopeForm):
    """Who an administrator invites, in which role and language."""

    field_order = ["full_name", "email", "role", "team", "department", "language"]

    full_name = forms.CharField(max_length=150, label=_("Full name"))
    email = forms.EmailField(label=_("Email address"), help_text=_("The invitation is sent here."))
    language = forms.ChoiceField(choices=_language_choices, required=False, label=_("Language"))

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if get_user_model().objects.filter(email__iexact=email, is_active=True).exists():
            raise forms.ValidationError(
                _("Someone with this email address already has an account: change their role on their page.")
            )
        return email


class InvitationAcceptForm(forms.Form):
    """The invited person picks a username and a password (Django's password validators)."""

    username = forms.CharField(
        max_length=150,
        label=_("Username"),
        validators=[UnicodeUsernameValidator()],
        help_text=_("What you sign in with: letters, digits and @ . + - _ only."),
    )
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.fields["username"].widget.attrs.update(autocomplete="username", autocapitalize="none")

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken: choose another."))
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            User = get_user_model()
            probe = User(
                username=data.get("username", ""),
                email=self.invitation.email,
                first_name=self.invitation.full_name,
            )
            try:
                password_validation.validate_password(first, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data
