from django.urls import path

from settlements import batch_views, clause_views, views

app_name = "settlements"

urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("loans/<int:loan_pk>/start/", views.start, name="start"),
    path("verify/", views.verify, name="verify"),
    path("batches/", batch_views.batch_new, name="batch_new"),
    path("batches/<int:pk>/", batch_views.batch_detail, name="batch"),
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
    # The clause library (clause_views): attorneys and staff read, attorneys write.
    path("clauses/", clause_views.clause_library, name="clauses"),
    path("clauses/new/", clause_views.clause_new, name="clause_new"),
    path("clauses/preview/", clause_views.clause_preview, name="clause_preview"),
    path("clauses/<slug:key>/", clause_views.clause_detail, name="clause"),
    path("clauses/<slug:key>/edit/", clause_views.clause_edit, name="clause_edit"),
    path("clauses/<slug:key>/approve/", clause_views.clause_approve, name="clause_approve"),
    path("clauses/<slug:key>/withdraw/", clause_views.clause_withdraw, name="clause_withdraw"),
]
