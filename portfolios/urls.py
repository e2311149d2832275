from django.urls import path

from portfolios import correction_views, views

app_name = "portfolios"

urlpatterns = [
    path("", views.portfolio_list, name="list"),
    path("new/", views.portfolio_edit, name="create"),
    path("<int:pk>/", views.portfolio_detail, name="detail"),
    path("<int:pk>/edit/", views.portfolio_edit, name="edit"),
    path("<int:pk>/correct/", correction_views.portfolio_correct, name="correct"),
    path("corrections/", correction_views.correction_list, name="corrections"),
    path("<int:pk>/payoff.csv", views.portfolio_export, name="export"),
    path("<int:portfolio_pk>/loans/new/", views.loan_edit, name="loan_create"),
    path("<int:pk>/import/", views.import_start, name="import_start"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/status.json", views.import_status, name="import_status"),
    path("imports/<int:pk>/problems.csv", views.import_problems_csv, name="import_problems"),
    path("imports/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("imports/<int:pk>/import/", views.import_checked, name="import_checked"),
    path("imports/<int:pk>/delete/", correction_views.import_delete, name="import_delete"),
    path("mappings/", views.mapping_list, name="mappings"),
    path("mappings/<int:pk>/", views.mapping_edit, name="mapping_edit"),
    path("mappings/<int:pk>/delete/", views.mapping_delete, name="mapping_delete"),
    path("loans/<int:pk>/", views.loan_detail, name="loan_detail"),
    path("loans/<int:pk>/edit/", views.loan_edit, name="loan_edit"),
    path("loans/<int:pk>/correct/", correction_views.loan_correct, name="loan_correct"),
]
