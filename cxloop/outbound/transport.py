"""One HTTP POST to a receiver, refused when it would reach this machine or its private network.

Server-side request forgery: an administrator's URL must not reach loopback, private or link-local
addresses (the database, the cloud's metadata service at 169.254.169.254). The host is resolved at
send time and the connection is made to the very address that was checked, so a DNS answer that
changes between the check and the connection (rebinding) cannot slip through. Only http and https;
redirects are not followed (a 3xx is a failed attempt). settings.CXLOOP_OUTBOUND_ALLOW_PRIVATE lifts
the address check, for tests and local receivers only.
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
TOTAL_TIMEOUT = 10.0
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


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
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


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address while naming the host in the request."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), CONNECT_TIMEOUT)
        self.sock.settimeout(self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As above, with TLS verified against the host name (SNI and the certificate)."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), CONNECT_TIMEOUT)
        sock.settimeout(self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, *, body: bytes, headers: dict[str, str]) -> PostResult:
    """POST `body`; the status code, or the error in words. Never raises for the receiver's faults."""
    started = time.monotonic()

    def result(status_code: int | None = None, error: str = "") -> PostResult:
        return PostResult(status_code, error[:300], int((time.monotonic() - started) * 1000))

    try:
        scheme, host, port, address = resolve_allowed(url)
    except RefusedAddress as refused:
        return result(error=str(refused))
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = kind(host, port, address=address, timeout=TOTAL_TIMEOUT)
    try:
        connection.request("POST", target, body=body, headers={**headers, "User-Agent": "cxloop-webhooks"})
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return result(status_code=response.status)
    except (OSError, http.client.HTTPException) as error:
        return result(error=f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)
    finally:
        connection.close()
