"""Run the test provider's set-up and its people: `idp client ...`, `idp user ...`, `idp remove ...`."""

from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand
from oidc_provider.models import Client, ResponseType, RSAKey, Token


class Command(BaseCommand):
    help = "Manage the test identity provider."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        client = sub.add_parser("client")
        client.add_argument("--id", required=True)
        client.add_argument("--secret", required=True)
        client.add_argument("--redirect-uri", action="append", default=[])
        user = sub.add_parser("user")
        user.add_argument("username")
        user.add_argument("--password", required=True)
        user.add_argument("--groups", default="")
        groups = sub.add_parser("groups")
        groups.add_argument("username")
        groups.add_argument("--groups", default="")
        remove = sub.add_parser("remove")
        remove.add_argument("username")
        deactivate = sub.add_parser("deactivate")
        deactivate.add_argument("username")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _client(self, *, id, secret, redirect_uri, **_):
        if not RSAKey.objects.exists():
            call_command("creatersakey")
        client, _ = Client.objects.get_or_create(client_id=id, defaults={"name": "cxloop"})
        client.client_type = "confidential"
        client.client_secret = secret
        client.require_consent = False
        client.reuse_consent = True
        client.redirect_uris = sorted(set(client.redirect_uris) | set(redirect_uri))
        client.save()
        client.response_types.set([ResponseType.objects.get(value="code")])

    def _user(self, *, username, password, groups, **_):
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.email = f"{username}@idp.example"
        user.is_active = True
        user.save()
        self._groups(username=username, groups=groups)

    def _groups(self, *, username, groups, **_):
        names = [name for name in groups.split(",") if name]
        User.objects.get(username=username).groups.set(
            [Group.objects.get_or_create(name=name)[0] for name in names]
        )

    def _remove(self, *, username, **_):
        # Deleting the person deletes their grants (tokens) with them.
        User.objects.filter(username=username).delete()

    def _deactivate(self, *, username, **_):
        # As real providers do when an account is disabled: its refresh tokens stop working too.
        User.objects.filter(username=username).update(is_active=False)
        Token.objects.filter(user__username=username).delete()
