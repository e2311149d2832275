from django.urls import path

from deficiencies import views

app_name = "deficiencies"

urlpatterns = [
    path("loans/<int:loan_pk>/liquidation/", views.record_liquidation, name="record"),
    path("<int:pk>/", views.deficiency_detail, name="detail"),
    path("<int:pk>/liquidation/", views.edit_liquidation, name="edit_event"),
    path("<int:pk>/liquidation/reverse/", views.reverse_liquidation, name="reverse"),
    path("<int:pk>/status/", views.change_status, name="status"),
    path("<int:pk>/suit/", views.record_suit, name="suit"),
    path("<int:pk>/judgment/", views.record_judgment, name="judgment"),
    path("<int:pk>/judgment/renewal/", views.renew_judgment, name="judgment_renewal"),
    path("<int:pk>/counsel/", views.answer_condition, name="answer"),
    path("<int:pk>/bankruptcy/", views.record_bankruptcy, name="bankruptcy"),
    path("<int:pk>/actions/", views.add_action, name="action"),
    path("<int:pk>/recoveries/", views.add_recovery, name="recovery"),
    path("portfolio/<int:pk>/", views.portfolio_deficiencies, name="portfolio"),
    path("deadlines/", views.deadlines, name="deadlines"),
    path("deadlines/calendar-link/", views.calendar_link, name="calendar_link"),
    path("calendar/<str:token>.ics", views.calendar, name="calendar"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/<str:code>/", views.rule_detail, name="rule_detail"),
    path("rules/<str:code>/edit/", views.rule_edit, name="rule_edit"),
    path("rules/<str:code>/review/", views.rule_review, name="rule_review"),
    path("provisions/<int:pk>/edit/", views.provision_edit, name="provision_edit"),
    path("provisions/<int:pk>/review/", views.provision_review, name="provision_review"),
]
