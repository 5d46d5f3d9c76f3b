"""One HTTP POST to a receiver, refused when it would reach this machine or its private network.

Server-side request forgery: an administrator's URL must not reach loopback, private or link-local
addresses (the database, the cloud's metadata service at 169.254.169.254). The host is resolved at
send time and the connection is made to the very address that was checked, so a DNS answer that
changes between the check and the connection (rebinding) cannot slip through. Only http and https;
redirects are not followed (a 3xx is a failed attempt). settings.CXLOOP_OUTBOUND_ALLOW_PRIVATE lifts
the address check, for tests and local receivers only. IPv6 forms that carry an IPv4 address (mapped,
IPv4-compatible, 6to4, Teredo, NAT64) are judged by the IPv4 address inside them too, since the network
delivers them there.

A whole POST (connect, TLS, sending, the answer's headers and body) must end within POST_DEADLINE:
a socket timeout alone applies to each read, so a receiver dribbling a byte a second would keep the
worker (and the delivery's claim) indefinitely. Every socket operation gets only the time left.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

CONNECT_TIMEOUT = 5.0
# The whole POST; the delivery's claim (delivery.CLAIM_EXPIRES) must comfortably outlast it.
POST_DEADLINE = 15.0
# What is kept of a receiver's answer: enough to read an error, never a large body.
MAX_RESPONSE_BYTES = 2048


class RefusedAddress(Exception):
    """The URL may not be sent to (scheme, or an address on a private network)."""


@dataclass(frozen=True)
class PostResult:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


# NAT64 (RFC 6052 well-known prefix): the last 32 bits are the IPv4 address reached.
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
# Local-use NAT64 (RFC 8215): translated inside the operator's own network, whatever it embeds.
NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")
# Deprecated IPv4-compatible addresses (::a.b.c.d).
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to (none for a plain IPv6 address)."""
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.ipv4_mapped:
        return [ip.ipv4_mapped]
    if ip.sixtofour:
        return [ip.sixtofour]
    if ip.teredo:
        return list(ip.teredo)  # the server and the client
    if ip in NAT64_WELL_KNOWN or ip in IPV4_COMPATIBLE:
        return [low32]
    return []


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in NAT64_LOCAL_USE:
            return False
        embedded = _embedded_ipv4(ip)
        if embedded:
            return all(_public(str(inner)) for inner in embedded)
    return ip.is_global and not ip.is_multicast


def resolve_allowed(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, address to connect to) for `url`, or RefusedAddress saying why."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedAddress("only http and https addresses are sent to")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise RefusedAddress(f"the host does not resolve ({error.strerror})") from error
    addresses = [str(info[4][0]) for info in infos]
    if not settings.CXLOOP_OUTBOUND_ALLOW_PRIVATE:
        refused = [address for address in addresses if not _public(address)]
        if refused:
            raise RefusedAddress(f"the host resolves to a private or local address ({refused[0]})")
    return parts.scheme, parts.hostname, port, addresses[0]


class _Deadline:
    """Gives every socket operation only the time left before the POST's deadline."""

    deadline: float

    def _arm(self) -> None:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"the receiver took longer than {POST_DEADLINE:g} s in all")
        self.settimeout(left)  # type: ignore[attr-defined]

    def recv(self, *args, **kwargs):
        self._arm()
        return super().recv(*args, **kwargs)  # type: ignore[misc]

    def recv_into(self, *args, **kwargs):
        self._arm()
        return super().recv_into(*args, **kwargs)  # type: ignore[misc]

    def send(self, *args, **kwargs):
        self._arm()
        return super().send(*args, **kwargs)  # type: ignore[misc]

    def sendall(self, *args, **kwargs):
        self._arm()
        return super().sendall(*args, **kwargs)  # type: ignore[misc]


class _DeadlineSocket(_Deadline, socket.socket):
    pass


class _DeadlineSSLSocket(_Deadline, ssl.SSLSocket):
    def read(self, *args, **kwargs):
        self._arm()
        return super().read(*args, **kwargs)

    def do_handshake(self, *args, **kwargs):
        self._arm()
        return super().do_handshake(*args, **kwargs)


def _connect(address: str, port: int, deadline: float) -> _DeadlineSocket:
    family = socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET
    sock = _DeadlineSocket(family, socket.SOCK_STREAM)
    sock.deadline = deadline
    try:
        sock.settimeout(max(0.001, min(CONNECT_TIMEOUT, deadline - time.monotonic())))
        sock.connect((address, port))
    except BaseException:
        sock.close()
        raise
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address while naming the host in the request."""

    def __init__(self, host: str, port: int, *, address: str, deadline: float):
        super().__init__(host, port, timeout=POST_DEADLINE)
        self.address = address
        self.deadline = deadline

    def connect(self) -> None:
        self.sock = _connect(self.address, self.port, self.deadline)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As above, with TLS verified against the host name (SNI and the certificate)."""

    def __init__(self, host: str, port: int, *, address: str, deadline: float):
        context = ssl.create_default_context()
        context.sslsocket_class = _DeadlineSSLSocket
        super().__init__(host, port, timeout=POST_DEADLINE, context=context)
        self.address = address
        self.deadline = deadline

    def connect(self) -> None:
        sock = _connect(self.address, self.port, self.deadline)
        wrapped = self._context.wrap_socket(  # type: ignore[attr-defined]
            sock, server_hostname=self.host, do_handshake_on_connect=False
        )
        wrapped.deadline = self.deadline
        wrapped.do_handshake()
        self.sock = wrapped


def post(url: str, *, body: bytes, headers: dict[str, str]) -> PostResult:
    """POST `body`; the status code, or the error in words. Never raises for the receiver's faults."""
    started = time.monotonic()
    deadline = started + POST_DEADLINE

    def result(status_code: int | None = None, error: str = "") -> PostResult:
        return PostResult(status_code, error[:300], int((time.monotonic() - started) * 1000))

    try:
        scheme, host, port, address = resolve_allowed(url)
    except RefusedAddress as refused:
        return result(error=str(refused))
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = kind(host, port, address=address, deadline=deadline)
    try:
        connection.request("POST", target, body=body, headers={**headers, "User-Agent": "cxloop-webhooks"})
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return result(status_code=response.status)
    except TimeoutError:
        return result(error=f"timeout: no complete answer within {POST_DEADLINE:g} s")
    except (OSError, http.client.HTTPException) as error:
        return result(error=f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)
    finally:
        connection.close()
