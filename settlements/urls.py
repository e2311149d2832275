from django.urls import path

from settlements import views

app_name = "settlements"

urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("loans/<int:loan_pk>/start/", views.start, name="start"),
    path("verify/", views.verify, name="verify"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/<str:step>/", views.edit, name="edit"),
    path("<int:pk>/preview/<str:step>/", views.preview, name="preview"),
    path("<int:pk>/comment/", views.comment, name="comment"),
    path(
        "<int:pk>/comments/<int:comment_pk>/resolve/",
        views.resolve_comment,
        name="resolve_comment",
    ),
    path("<int:pk>/request-changes/", views.request_changes, name="request_changes"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/riders/<int:rider_pk>/approve/", views.approve_rider, name="approve_rider"),
    path("<int:pk>/sent/", views.mark_sent, name="sent"),
    path("<int:pk>/signed/", views.upload_signed, name="signed"),
    path("<int:pk>/signed.pdf", views.signed_pdf, name="signed_pdf"),
    path("<int:pk>/payments/", views.record_payment, name="payment"),
    path("<int:pk>/status/", views.change_status, name="status"),
    path("<int:pk>/v<int:number>.pdf", views.version_pdf, name="pdf"),
]
