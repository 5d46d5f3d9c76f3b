"""A webhook receiver on loopback for the tests: it verifies each delivery with the Standard Webhooks
reference library, answers with the codes it is told to, and records what it received."""

import json
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tests.fixtures.servers import free_port


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int
    verified: bool


@dataclass
class Receiver:
    """Answers 500 to the first `fail_first` attempts of each webhook-id, then 200 (or `answer`)."""

    secret: str | None = None
    fail_first: int = 0
    answer: int = 200
    received: list[Received] = field(default_factory=list)
    attempts: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.port = free_port()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = dict(self.headers.items())
                self.send_response(receiver.handle(headers, body))
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        verified = False
        if self.secret is not None:
            try:
                Webhook(self.secret).verify(body, headers)
                verified = True
            except WebhookVerificationError:
                verified = False
        key = headers.get("webhook-id") or body.decode()
        with self.lock:
            self.attempts[key] += 1
            answered = 500 if self.attempts[key] <= self.fail_first else self.answer
            self.received.append(Received(headers, body, answered, verified))
        return answered

    def successes_per_id(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for item in self.received:
            if item.answered == 200:
                counts[item.headers["webhook-id"]] += 1
        return dict(counts)

    def bodies(self) -> list[dict]:
        return [json.loads(item.body) for item in self.received]

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
