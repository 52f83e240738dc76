"""The applicant's evaluation summary, mounted at /evaluation/ (namespace `summary`)."""

from django.urls import path

from . import views_reconsideration
from . import views_summary as views

app_name = "summary"
urlpatterns = [
    path("<int:pk>/", views.SummaryView.as_view(), name="detail"),
    path("<int:pk>/letter.pdf", views.LetterView.as_view(), name="letter"),
    path("<int:pk>/reconsideration/", views_reconsideration.RequestView.as_view(), name="reconsideration"),
    path(
        "<int:pk>/reconsideration/files/<int:file_pk>/",
        views_reconsideration.ApplicantFileView.as_view(),
        name="reconsideration_file",
    ),
]
