"""URL map of the whole site."""

from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from background import views as background_views
from dashboard import views as dashboard_views
from noteinvest import views

admin.site.site_header = "NoteInvest administration"
admin.site.site_title = "NoteInvest admin"
admin.site.index_title = "Accounts and reference data"

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("portfolios/", include("portfolios.urls")),
    path("deficiencies/", include("deficiencies.urls")),
    path("settlements/", include("settlements.urls")),
    path("search/", include("search.urls")),
    path("account/notifications/", include("notifications.urls")),
    path("background/", background_views.index, name="background"),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path(
        "accounts/password_reset/",
        account_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
