"""How a person is shown: by their full name, never by the username they sign in with.

`OrgConfig.ready` makes this the user model's `__str__`, so `{{ case.assignee }}`, a form's
choice of people and the admin all show the name without each template remembering to.
"""

from typing import Any


def person_name(user: Any) -> str:
    """The full name, else the username (a person created without a name)."""
    return user.get_full_name().strip() or user.get_username()
