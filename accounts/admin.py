"""Account administration: staff create and edit accounts here (no public sign-up).

Superusers keep full power. Staff (admin-site access without superuser status) manage
investor accounts, and may deactivate attorney accounts:

- an account with admin-site access, the Staff role or superuser status is read-only to
  them (a POST to its change page answers 403), and they cannot delete any account;
- an account holding the Attorney role (a reviewing power: attorneys approve what staff
  draft) is read-only to them except its active flag, which they may clear, and "Send
  password reset link", which mails the address on file: only a superuser changes an
  attorney's address, name or roles, gives or removes the Attorney role, or creates an
  account holding it (accounts.roles.may_edit);
- nobody types a password for someone else: the password page answers 403 to staff, and
  accounts created here get no password, only a mailed link to choose one; "Send password
  reset link" (a button on an account's page, and an action on the list) mails Django's
  reset link instead;
- the only role they can give is Investor (staff cannot mint staff or attorneys);
  "admin site access" and "superuser status" are read-only to them;
- on their own account they may change their name and e-mail address (not if they also
  hold the Attorney role), not their roles or active flag.

Whenever an account's e-mail address is changed here, by anyone, a notice goes to the
old address once the change is committed (accounts.notices).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from accounts import notices, reset
from accounts.models import User
from accounts.roles import STAFF_ASSIGNABLE_ROLES, holds_reviewing_role, may_edit, may_manage
from noteinvest.access import Role
from noteinvest.forms import HygienicFormMixin


class UserCreationForm(HygienicFormMixin, forms.ModelForm):
    """A new account: address, name and roles; its owner chooses the password by mail."""

    class Meta:
        model = User
        fields = ("email", "full_name", "groups")


class UserEditForm(HygienicFormMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


def _mail_reset_link(request, user, *, welcome=False) -> None:
    reset.send_reset_link_later(
        user.email, domain=request.get_host(), use_https=request.is_secure(), welcome=welcome
    )


@admin.action(description="Send password reset link", permissions=["change"])
def send_password_reset_links(modeladmin, request, queryset):
    sent = skipped = 0
    for user in queryset:
        if user.is_active and may_manage(request.user, user):
            _mail_reset_link(request, user)
            modeladmin.log_change(request, user, "Mailed a password reset link.")
            sent += 1
        else:
            skipped += 1
    if sent:
        modeladmin.message_user(
            request, f"A password reset link is on its way to {sent} account(s).", messages.SUCCESS
        )
    if skipped:
        modeladmin.message_user(
            request,
            f"No link for {skipped} account(s): inactive accounts get none, and only a "
            "superuser sends one to staff or superusers.",
            messages.WARNING,
        )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    add_form_template = None  # the ordinary change form: no password fields to explain
    ordering = ["email"]
    list_display = ["email", "full_name", "role_names", "is_active", "last_login"]
    list_filter = ["groups", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    actions = [send_password_reset_links]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["full_name"]}),
        ("Roles and access", {"fields": ["groups", "is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "groups"],
                "description": "The new account gets no password: a link to choose one is "
                "mailed to its address when you save.",
            },
        ),
    ]
    filter_horizontal = ["groups"]

    @admin.display(description="roles")
    def role_names(self, obj):
        return ", ".join(sorted(g.name for g in obj.groups.all())) or "—"

    @admin.display(description="password")
    def password_status(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        if obj.has_usable_password():
            return "Set."
        return "Not set yet: its owner chooses one through a password reset link."

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_object(self, request, object_id, from_field=None):
        # A save locks the account's row until it commits, so who may change what is
        # decided on what is in the database (no Attorney role granted in between).
        if request.method == "POST" and not connection.get_autocommit():
            queryset = self.get_queryset(request).select_for_update()
            model = queryset.model
            field = model._meta.pk if from_field is None else model._meta.get_field(from_field)
            try:
                return queryset.get(**{field.name: field.to_python(object_id)})
            except (model.DoesNotExist, ValidationError, ValueError):
                return None
        return super().get_object(request, object_id, from_field)

    # --- who may do what -------------------------------------------------------------

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None or request.user.is_superuser:
            return allowed
        # Staff: investor and attorney accounts, and their own (within limits, below).
        return obj.pk == request.user.pk or may_manage(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if not allowed or obj is None or request.user.is_superuser:
            return allowed
        return obj.pk != request.user.pk and may_manage(request.user, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or request.user.is_superuser:
            return fieldsets
        # Staff see whether a password is set, never its hash, never a link to type one.
        return [
            (name, {**opts, "fields": [
                "password_status" if f == "password" else f for f in opts["fields"]
            ]})
            for name, opts in fieldsets
        ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        fields = ["last_login", "date_joined", "password_status"]
        if not request.user.is_superuser:
            # Staff cannot mint staff or superusers, and cannot change their own roles.
            fields += ["is_staff", "is_superuser"]
            if obj is not None and obj.pk == request.user.pk:
                fields += ["groups", "is_active"]
            if obj is not None and holds_reviewing_role(obj):
                # A reviewer's address, name and roles are a superuser's to change; staff
                # may deactivate it (safe), not reactivate it.
                fields += ["email", "full_name", "groups"]
                if not obj.is_active:
                    fields += ["is_active"]
        return list(dict.fromkeys(fields))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(
                name__in=[role.value for role in STAFF_ASSIGNABLE_ROLES]
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # --- saving ------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if not change:
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)
        old_email = form.initial.get("email")
        if change and old_email and old_email != obj.email:
            notices.address_changed_later(old_email, obj, by=request.user)

    def save_related(self, request, form, formsets, change):
        # Groups staff are not offered (other than the roles they give) stay as they were.
        kept = []
        groups = form.fields.get("groups")
        if change and groups is not None and not request.user.is_superuser:
            kept = list(form.instance.groups.exclude(pk__in=groups.queryset))
        super().save_related(request, form, formsets, change)
        if kept:
            form.instance.groups.add(*kept)
        user = form.instance
        if not user.is_staff and user.groups.filter(name=Role.STAFF.value).exists():
            # The Staff role brings admin-site access (as assign_role gives it).
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        if not change:
            _mail_reset_link(request, form.instance, welcome=True)

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request, f"A link to choose a password is on its way to {obj.email}.", messages.INFO
        )
        return super().response_add(request, obj, post_url_continue)

    # --- passwords -----------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<id>/send-reset-link/",
                self.admin_site.admin_view(self.send_reset_link_view),
                name="accounts_user_send_reset_link",
            ),
            *super().get_urls(),
        ]

    def user_change_password(self, request, id, form_url=""):
        # Only a superuser types a password for someone; staff mail a reset link.
        if not request.user.is_superuser:
            raise PermissionDenied("Staff send a password reset link instead.")
        return super().user_change_password(request, id, form_url)

    def send_reset_link_view(self, request, id):
        return require_http_methods(["GET", "POST"])(self._send_reset_link)(request, id)

    def _send_reset_link(self, request, id):
        user = self.get_object(request, unquote(id))
        if user is None:
            raise Http404("No such account.")
        if not (self.has_change_permission(request) and may_manage(request.user, user)):
            raise PermissionDenied("Only a superuser sends a reset link to staff or superusers.")
        change_url = reverse("admin:accounts_user_change", args=[user.pk])
        if request.method == "POST":
            if not user.is_active:
                self.message_user(
                    request, "The account is inactive: no link was sent.", messages.ERROR
                )
            else:
                _mail_reset_link(request, user)
                self.log_change(request, user, "Mailed a password reset link.")
                self.message_user(
                    request, f"A password reset link is on its way to {user.email}.", messages.INFO
                )
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": "Send a password reset link",
            "opts": self.opts,
            "original": user,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/accounts/user/send_reset_link.html", context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            if request.method != "POST":
                raise
            # Another request saved the same address between this form's checks and its
            # write (a double submit). The admin's atomic block rolled everything back;
            # checking the form again now finds the address taken and says so beside the
            # field, with what was typed. Anything else left is a 409 (ConflictMiddleware).
            return super().changeform_view(request, object_id, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        user = self.get_object(request, unquote(object_id))
        extra_context["may_send_reset_link"] = user is not None and may_manage(request.user, user)
        extra_context["reviewer_read_only"] = (
            user is not None and may_manage(request.user, user) and not may_edit(request.user, user)
        )
        return super().change_view(request, object_id, form_url, extra_context)
