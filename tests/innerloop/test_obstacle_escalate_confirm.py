"""Escalating a raised obstacle from the huddle page is one-way: it asks for a ticked box (no script)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from innerloop.huddles import services
from innerloop.huddles.selectors import obstacles_escalated
from tests.innerloop.test_huddles import HuddleFactory

pytestmark = pytest.mark.django_db


def test_escalating_an_obstacle_needs_the_box_ticked(client, org, people):
    # given: an obstacle raised but not escalated
    huddle = HuddleFactory(team=org["team_a1"], scheduled_at=timezone.now() - timedelta(hours=1))
    obstacle = services.obstacle_create(huddle=huddle, actor=people["lead"], text="Refund limit too low")
    client.force_login(people["lead"])
    url = f"/huddles/{huddle.pk}/obstacles/{obstacle.pk}/escalate/"
    page = client.get(f"/huddles/{huddle.pk}/").content.decode()
    # when
    unticked = client.post(url, follow=True)
    still_raised = list(obstacles_escalated())
    ticked = client.post(url, {"confirm": "on"})
    # then
    assert 'name="confirm" value="on" required' in page
    assert "Tick “I understand” to escalate the obstacle" in unticked.content.decode()
    assert still_raised == []
    assert ticked.status_code == 302
    assert [o.pk for o in obstacles_escalated()] == [obstacle.pk]
