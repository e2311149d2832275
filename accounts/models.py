"""Users who log in by e-mail address; their roles are Django groups (see noteinvest.access)."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.emails import normalize_email
from noteinvest.access import Role, roles_of


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        # Django's own (domain lower-cased only) is replaced by the one app-wide spelling.
        return normalize_email(email)

    def get_by_natural_key(self, email):
        # Stored addresses are normalized: an exact match, never __iexact (see accounts.emails).
        return self.get(email=normalize_email(email))

    def _create(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("e-mail address", max_length=254, unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(
        default=True, help_text="Clear this instead of deleting the account."
    )
    is_staff = models.BooleanField(
        "admin site access", default=False, help_text="May log in to the admin site."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    # Moves forward (bump_roles_version) whenever the user's groups change: a session keeps
    # the roles it read under this stamp and reads them again once it differs.
    roles_version = models.PositiveBigIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = normalize_email(self.email)
        # Normalizing can lengthen an address (a ligature becomes three letters) or make it
        # another one (a full-width @ becomes @): the stored form is checked again.
        field = self._meta.get_field("email")
        if len(self.email) > field.max_length:
            raise ValidationError(
                {"email": f"The address is longer than {field.max_length} characters."}
            )
        try:
            EmailValidator()(self.email)
        except ValidationError:
            raise ValidationError(
                {"email": "Enter a valid e-mail address (it is not one once normalized)."}
            ) from None

    def save(self, **kwargs):
        # roles_version only moves through bump_roles_version (UPDATE ... + 1). A full save
        # of a user loaded before a role change would write the old stamp back, and a
        # session would then trust the roles it cached under that stamp.
        full_save = kwargs.get("update_fields") is None and not kwargs.get("force_insert")
        if full_save and not self._state.adding:
            skip = {"roles_version", *self.get_deferred_fields()}
            kwargs["update_fields"] = [
                f.attname for f in self._meta.concrete_fields
                if not f.primary_key and not f.generated and f.attname not in skip
            ]  # fmt: skip
        super().save(**kwargs)

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def roles(self) -> frozenset[Role]:
        return roles_of(self)
