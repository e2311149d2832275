"""Create an account with one or more roles: manage.py create_user EMAIL --role staff."""

import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.emails import normalize_email
from accounts.models import User
from accounts.roles import assign_role
from noteinvest.access import Role


class Command(BaseCommand):
    help = "Create a user who logs in with EMAIL and holds the given role(s)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--role",
            action="append",
            required=True,
            choices=[r.name.lower() for r in Role],
            help="investor, staff or attorney; repeat for several roles",
        )
        parser.add_argument("--name", default="", help="full name")
        parser.add_argument(
            "--password",
            help="the password (default: asked on the terminal; with --no-input, none is set "
            "and the user must use password reset)",
        )
        parser.add_argument("--no-input", action="store_true", help="never prompt")

    def handle(self, *args, email, role, name, password, no_input, **options):
        email = normalize_email(email)
        if User.objects.filter(email=email).exists():
            raise CommandError(f"A user with the e-mail address {email} already exists.")
        if password is None and not no_input:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords do not match.")
        user = User(email=email, full_name=name)
        try:
            user.full_clean(exclude=["password"])
            if password:
                from django.contrib.auth.password_validation import validate_password

                validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        with transaction.atomic():
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save()
            for r in role:
                assign_role(user, Role[r.upper()])
        roles = ", ".join(Role[r.upper()].value for r in role)
        self.stdout.write(self.style.SUCCESS(f"Created {email} ({roles})."))
