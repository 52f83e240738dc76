from django.urls import path

from . import views

app_name = "applications"
urlpatterns = [
    path("", views.application_list, name="list"),
    path("start/<slug:slug>/", views.start, name="start"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/edit/<str:section>/", views.section, name="section"),
    path("<int:pk>/edit/<str:section>/autosave/", views.autosave, name="autosave"),
    path("<int:pk>/attachments/upload/<int:document_pk>/", views.upload_document, name="upload"),
    path("<int:pk>/questions/<int:question_pk>/upload/", views.upload_answer, name="upload_answer"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.download_attachment, name="attachment"),
    path("<int:pk>/attachments/<int:attachment_pk>/delete/", views.delete_attachment, name="delete_attachment"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/delete/", views.delete_draft, name="delete"),
    path("<int:pk>/receipt.pdf", views.receipt, name="receipt"),
    path("<int:pk>/proposal.pdf", views.proposal_pdf, name="proposal_pdf"),
    path("<int:pk>/messages/", views.messages_view, name="messages"),
]
