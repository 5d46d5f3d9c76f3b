"""Erase a customer from the command line: by external id, or every customer with an email address."""

from django.core.management.base import BaseCommand, CommandError

from cxloop.core.exceptions import ApplicationError
from feedback.privacy.erasure import customer_erase, customer_erase_preview
from feedback.privacy.views import KIND_LABELS


class Command(BaseCommand):
    help = (
        "Erase a customer's personal data (contact details, comments, case messages and notes, emails, "
        "copies in summaries, imports and webhook deliveries); scores and counts stay."
    )

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--external-id", help="the customer's external id")
        who.add_argument("--email", help="an email address: every customer with it is erased")
        parser.add_argument("--dry-run", action="store_true", help="say what would be erased, change nothing")

    def handle(self, *args, external_id=None, email=None, dry_run=False, **options):
        try:
            if dry_run:
                report = customer_erase_preview(external_id=external_id, email=email)
            else:
                # No signed-in person behind a command: no actor, and the audit row says so.
                report = customer_erase(actor=None, external_id=external_id, email=email, via="command")
        except ApplicationError as error:
            raise CommandError(error.message) from error
        verb = "Would erase" if dry_run else "Erased"
        ids = ", ".join(f"#{pk}" for pk in report.customer_ids)
        self.stdout.write(f"{verb} {len(report.customer_ids)} customer(s): {ids}")
        for key, count in sorted(report.counts.items()):
            if count:
                self.stdout.write(f"  {count:>6}  {KIND_LABELS.get(key, key)}")
        if not report.total:
            self.stdout.write("  nothing left to erase (erased before)")
