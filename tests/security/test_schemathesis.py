"""#12's acceptance line: Schemathesis against /api/schema/, every phase and check, 0 failures.

The API runs as in production, under gunicorn against a small seeded demo (1,000 feedback
items, with its cases, committee and meeting, plus three signals, an initiative and an open
decision), and Schemathesis' command line drives it with an administrator's personal token (an
administrator sees and may do everything, so most operations really run) and the settings of
tests/security/schemathesis.toml: seed 1, 15 examples per operation and phase, one worker,
the examples, coverage, fuzzing and stateful phases, and `--checks all`.

Why the command line against a real web process, not Schemathesis' pytest integration in-process
(WSGI): one engine runs all four phases, the stateful one included, with one configuration file,
and it is the very command a developer runs by hand against `make run` to reproduce a failure;
and the requests go through gunicorn and the WSGI stack production runs (the body limit read
from the socket, Content-Length, headers), each one committed as in production instead of inside
the test's transaction.

No check is left out: `--checks all` runs not_a_server_error, status_code_conformance,
content_type_conformance, response_headers_conformance, response_schema_conformance,
negative_data_rejection, positive_data_acceptance, missing_required_header, unsupported_method,
allow_header_conformance, use_after_free, ensure_resource_availability, ignored_auth and
object_level_authorization. Two of them find little to do here, by the API's nature, not by
exclusion: object_level_authorization compares what several identities read and this run has
one (tests/security/test_authorization_matrix.py is where one department's principals try every
route on another's objects), and use_after_free needs a DELETE that succeeds, and the only one
(withdrawing a proxy) is the seat holder's, not an administrator's.

The configuration lets the operations whose rules JSON Schema cannot state (a slug naming an
existing row, `to` after `from`) answer schema-valid data with a 400, and lets ingestion answer
an invalid item in an array with its 207 (the contract's per-item answer); it says why for each.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from cxloop.core.health import redis_client
from cxloop.org.services import api_token_create
from feedback.models import Category
from governance.models import Meeting
from governance.services import decision_open
from outerloop.services.initiatives import initiative_create_from_signals
from tests.outerloop.factories import SignalFactory

# Object ids from 1, as in a fresh deployment: the ids Schemathesis draws first name real rows.
pytestmark = [pytest.mark.django_db(transaction=True, reset_sequences=True)]

CONFIG = Path(__file__).with_name("schemathesis.toml")
# Well under CI's patience on two cores: the run itself takes about a minute.
TIMEOUT = 300


def _seed_demo_with_outer_loop() -> str:
    """The demo organisation with signals, an initiative and an open decision; an admin's token key."""
    # Empty first: on a database no transactional test has emptied yet, the rows data migrations
    # made (message templates...) hold the ids that restarted sequences hand out again.
    call_command("flush", interactive=False, verbosity=0)
    call_command("seed_demo", feedback=1000, customers=100, verbosity=0)
    people = get_user_model().objects.in_bulk(["admin", "manager", "committee"], field_name="username")
    signals = [
        SignalFactory(
            category=category, key=f"root_cause:{category.slug}:any", title=f"{category.name} rising"
        )
        for category in Category.objects.filter(parent__isnull=False).order_by("slug")[:3]
    ]
    initiative = initiative_create_from_signals(
        signals=signals[:1], actor=people["manager"], title="Fix checkout", problem="Payments fail.",
        owner=people["manager"],
    )  # fmt: skip
    decision_open(
        meeting=Meeting.objects.get(held_at__isnull=True),
        initiative=initiative,
        rationale="Worth a vote.",
        actor=people["committee"],
    )
    _, key = api_token_create(created_by=people["admin"], name="Schemathesis")
    return key


def test_the_api_answers_as_its_schema_says(processes, tmp_path):
    # given: the demo behind gunicorn
    key = _seed_demo_with_outer_loop()
    base = processes.web(processes.env(settings.REDIS_URL))
    report = tmp_path / "schemathesis.json"
    # when
    try:
        run = subprocess.run(
            [
                sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG),
                "run", f"{base}/api/schema/", "--checks", "all", "-H", f"Authorization: Token {key}",
                "--no-color", "--report", "json", "--report-json-path", str(report),
            ],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            cwd=tmp_path,  # Hypothesis and Schemathesis keep their files in the working directory
        )  # fmt: skip
    finally:
        # The web process queued tasks for workers this test does not start.
        redis = redis_client()
        for queue in redis.scan_iter(f"{processes.queue}*"):
            redis.delete(queue)
    # then
    outcome = json.loads(report.read_text())
    summary = run.stdout[-6000:] + run.stderr[-2000:]
    assert run.returncode == 0, summary
    assert outcome["failures"] == [], summary
    assert outcome["errors"] == [], summary
    assert outcome["operations"]["tested"] == outcome["operations"]["total"] > 30, summary
