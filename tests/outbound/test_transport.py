"""The transport's two guards: a whole POST ends by a deadline whatever the receiver does (so a claim
never outlives its sender and no delivery goes out twice), and no address on a private network is
reached, however it is spelt (IPv6 forms carrying an IPv4 address, decimal, octal or hex literals)."""

import socket
import threading
import time
from datetime import timedelta
from typing import cast

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from cxloop.outbound import transport
from cxloop.outbound.delivery import CLAIM_EXPIRES, deliveries_sweep, delivery_claim, delivery_send
from cxloop.outbound.models import DeliveryAttempt, Endpoint, OutboundDelivery, OutboundEvent
from cxloop.outbound.services import new_event_id
from cxloop.outbound.transport import RefusedAddress, _public, post, resolve_allowed
from tests.factories import OutboundEndpointFactory
from tests.fixtures.servers import free_port

DEADLINE = 3.0


class DribblingReceiver:
    """Reads the request, sends the status line and headers at once, then the body a byte a second."""

    def __init__(self) -> None:
        self.port = free_port()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def _serve(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stop.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._dribble, args=(client,), daemon=True).start()

    def _dribble(self, client: socket.socket) -> None:
        with client:
            client.recv(65536)
            client.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            for _ in range(1000):
                if self.stop.wait(1.0):
                    return
                try:
                    client.sendall(b"x")
                except OSError:
                    return

    def __enter__(self) -> "DribblingReceiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(2)
        self.listener.close()


@pytest.fixture
def dribbling(monkeypatch):
    monkeypatch.setattr(transport, "POST_DEADLINE", DEADLINE)
    with DribblingReceiver() as receiver:
        yield receiver


def test_a_dribbling_receiver_is_cut_at_the_deadline(dribbling):
    started = time.monotonic()
    result = post(dribbling.url, body=b"{}", headers={})
    elapsed = time.monotonic() - started
    assert DEADLINE - 0.5 <= elapsed < DEADLINE + 1.5
    assert result.status_code is None
    assert result.error.startswith("timeout")


def test_the_claim_outlives_the_deadline_many_times():
    assert timedelta(seconds=transport.POST_DEADLINE * 10) <= CLAIM_EXPIRES
    assert transport.POST_DEADLINE <= 20


@pytest.mark.django_db(transaction=True)
def test_a_slow_delivery_is_attempted_by_one_worker_and_logged_as_a_timeout(dribbling):
    # given: a due delivery to a receiver that never finishes its answer
    endpoint = cast(Endpoint, OutboundEndpointFactory(url=dribbling.url, event_types=["case.resolved"]))
    event = OutboundEvent.objects.create(id=new_event_id(), type="case.resolved", payload={"case": {"id": 7}})
    delivery = OutboundDelivery.objects.create(endpoint=endpoint, event=event, next_attempt_at=timezone.now())
    states: list[str | None] = []

    def worker() -> None:
        try:
            states.append(delivery_send(delivery_id=delivery.pk))
        finally:
            db_connection.close()

    # when: two workers take it at once, and the sweep runs while it is being sent
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    swept = deliveries_sweep(now=timezone.now() + timedelta(seconds=70))
    for thread in threads:
        thread.join(DEADLINE + 10)
    # then
    assert swept == 0
    assert sorted(states, key=str) == [None, OutboundDelivery.State.PENDING]
    assert dribbling.connections == 1
    [attempt] = DeliveryAttempt.objects.filter(delivery=delivery)
    assert attempt.status_code is None
    assert attempt.error.startswith("timeout")
    assert attempt.duration_ms < (DEADLINE + 1.5) * 1000


@pytest.mark.django_db
def test_a_claim_is_not_taken_again_within_its_expiry():
    endpoint = cast(Endpoint, OutboundEndpointFactory(event_types=["case.resolved"]))
    event = OutboundEvent.objects.create(id=new_event_id(), type="case.resolved", payload={})
    delivery = OutboundDelivery.objects.create(endpoint=endpoint, event=event, next_attempt_at=timezone.now())
    now = timezone.now()
    assert delivery_claim(delivery_id=delivery.pk, now=now)
    assert not delivery_claim(delivery_id=delivery.pk, now=now + timedelta(seconds=90))
    assert delivery_claim(delivery_id=delivery.pk, now=now + CLAIM_EXPIRES + timedelta(seconds=1))


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b:1::a00:1",  # local-use NAT64
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "::127.0.0.1",  # IPv4-compatible
        "::a9fe:a9fe",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo, client 192.0.2.45 (documentation)
        "2001:0:a00:1:8000:63bf:f5ff:fffe",  # Teredo, server 10.0.0.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
        "::1",
        "fe80::1",
        "fc00::1",
        "127.0.0.1",
        "169.254.169.254",
        "10.1.2.3",
        "100.64.0.1",
    ],
)
def test_addresses_leading_to_a_private_network_are_not_public(address):
    assert not _public(address)


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "64:ff9b::5db8:d822", "::ffff:8.8.8.8"]
)
def test_public_addresses_are_public(address):
    assert _public(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/hook",  # decimal 127.0.0.1
        "http://0x7f.1/hook",  # hex
        "http://0177.0.0.1/hook",  # octal
        "http://0x7f000001/",
        "http://017700000001/",
        "http://2852039166/",  # decimal 169.254.169.254
        "http://0xa9.0xfe.0xa9.0xfe/",
        "http://[::127.0.0.1]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://[2002:a9fe:a9fe::1]/",
        "http://[::ffff:7f00:1]/",
    ],
)
def test_private_addresses_however_spelt_are_refused_in_production(settings, url):
    settings.CXLOOP_OUTBOUND_ALLOW_PRIVATE = False
    with pytest.raises(RefusedAddress, match="private or local"):
        resolve_allowed(url)
    result = post(url, body=b"{}", headers={})
    assert result.status_code is None
    assert "private or local" in result.error
