"""`manage.py receive_replies`: the SMTP receiver for customers' replies (innerloop.replies.smtp)."""

import signal
import ssl
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from innerloop.replies.addresses import replies_enabled
from innerloop.replies.smtp import ReplyHandler


class Command(BaseCommand):
    help = (
        "Receive customers' replies by SMTP: point the reply domain's MX (or your mail server's relay) "
        "here. Only signed reply addresses are accepted (others get 550 at RCPT TO). Runs until stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.CXLOOP_REPLY_SMTP_HOST, help="Address to listen on.")
        parser.add_argument("--port", type=int, default=settings.CXLOOP_REPLY_SMTP_PORT, help="Port.")
        parser.add_argument(
            "--max-bytes", type=int, default=settings.CXLOOP_REPLY_MAX_MESSAGE_BYTES,
            help="Largest message accepted (announced as SIZE; larger ones get 552).",
        )  # fmt: skip
        parser.add_argument("--tls-cert", default="", help="Certificate (PEM) to offer STARTTLS with.")
        parser.add_argument("--tls-key", default="", help="Its private key (PEM).")

    def handle(self, *args, **options) -> None:
        from aiosmtpd.controller import Controller

        if not replies_enabled():
            raise CommandError("Replies are switched off: set CXLOOP_REPLY_DOMAIN first.")
        tls = None
        if options["tls_cert"]:
            tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.load_cert_chain(options["tls_cert"], options["tls_key"] or None)
        controller = Controller(
            ReplyHandler(), hostname=options["host"], port=options["port"],
            data_size_limit=options["max_bytes"], tls_context=tls,
            server_hostname=settings.CXLOOP_REPLY_DOMAIN, ident="cxloop replies",
        )  # fmt: skip
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        controller.start()
        self.stdout.write(
            f"Receiving replies for @{settings.CXLOOP_REPLY_DOMAIN} on {options['host']}:{options['port']}"
        )
        try:
            stop.wait()
        finally:
            controller.stop()
        self.stdout.write("Stopped.")
