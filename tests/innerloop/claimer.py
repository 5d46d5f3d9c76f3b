"""A separate process that claims cases until none is left, printing each id (see test_claim_concurrency)."""

import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxloop.settings.test")
    django.setup()
    from django.contrib.auth import get_user_model

    from innerloop.services.cases import case_claim_next

    username, team_id = sys.argv[1], int(sys.argv[2])
    user = get_user_model().objects.get(username=username)
    claimed = []
    while (case := case_claim_next(team_ids=[team_id], user=user)) is not None:
        claimed.append(case.pk)
    sys.stdout.write("\n".join(map(str, claimed)))


if __name__ == "__main__":
    main()
