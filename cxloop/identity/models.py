"""Which role, on which team or department, each group of the identity provider grants."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cxloop.org.models import ROLE_SCOPE, Department, Role, Team


class GroupMapping(models.Model):
    """One grant: members of `group` (a value of the provider's groups claim) hold `role`, on `team`
    (agent, team lead), on `department` (manager; optional for a committee member's seat) or
    organisation-wide (committee, admin). A person's memberships are set to what their groups grant at
    each single sign-on."""

    group = models.CharField(
        max_length=200, db_index=True, help_text=_("A value of the provider's groups claim, as it sends it.")
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["group", "role"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="group_mapping_role_valid"),
            models.CheckConstraint(
                condition=ROLE_SCOPE,
                name="group_mapping_scope_matches_role",
            ),
            models.UniqueConstraint(
                fields=["group", "role", "team", "department"],
                nulls_distinct=False,
                name="group_mapping_unique",
            ),
        ]

    def __str__(self) -> str:
        where = self.team or self.department or "organisation"
        return f"{self.group} → {self.get_role_display()} · {where}"

    def clean(self) -> None:
        """Name the field that does not fit the role, rather than a database error."""
        from django.core.exceptions import ValidationError

        if self.role in (Role.AGENT, Role.TEAM_LEAD):
            if self.team_id is None:
                raise ValidationError({"team": "An agent or team lead is granted on a team."})
            if self.department_id is not None:
                raise ValidationError({"department": "Leave empty: the team says the department."})
        elif self.role == Role.MANAGER:
            if self.department_id is None:
                raise ValidationError({"department": "A manager is granted on a department."})
            if self.team_id is not None:
                raise ValidationError({"team": "Leave empty for a manager."})
        elif self.team_id is not None:
            raise ValidationError({"team": "Leave empty for this role."})
        elif self.role == Role.ADMIN and self.department_id is not None:
            raise ValidationError({"department": "Leave empty for an administrator."})
