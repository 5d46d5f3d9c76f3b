"""A fake of Twilio's Messages API on loopback: records each request and answers from a script."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from tests.fixtures.servers import free_port

ACCOUNT, TOKEN, SENDER = "AC0123456789abcdef0123456789abcdef", "secret-token", "+15005550006"


class FakeTwilio:
    """POST /2010-04-01/Accounts/<sid>/Messages.json. `answers` is a list of status codes used in
    turn (the last one repeats): 201 accepts with a new sid, others answer Twilio's error shape."""

    def __init__(self, answers: list[int] | None = None) -> None:
        self.answers = list(answers or [201])
        self.requests: list[dict] = []
        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
                fake.requests.append(
                    {"path": self.path, "auth": self.headers.get("Authorization"), "form": form}
                )
                status = fake.answers.pop(0) if len(fake.answers) > 1 else fake.answers[0]
                if status == 201:
                    body = {"sid": f"SM{len(fake.requests):032d}", "status": "queued"}
                else:
                    body = {
                        "code": 21211,
                        "message": "The 'To' number is not a valid phone number.",
                        "status": status,
                    }
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        return Handler

    def start(self) -> "FakeTwilio":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def basic_auth(account: str = ACCOUNT, token: str = TOKEN) -> str:
    return "Basic " + base64.b64encode(f"{account}:{token}".encode()).decode()
