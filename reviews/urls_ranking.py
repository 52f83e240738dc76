"""Ranking and decisions of one call, mounted at /manage/calls/<slug>/ (namespace `ranking`)."""

from django.urls import path

from . import views_ranking as views
from . import views_reconsideration

app_name = "ranking"
urlpatterns = [
    path("ranking/", views.RankingView.as_view(), name="ranking"),
    path("ranking/<int:pk>/grant/", views.GrantView.as_view(), name="grant"),
    path("ranking/export.csv", views.ExportCsvView.as_view(), name="export_csv"),
    path("ranking/export.xlsx", views.ExportXlsxView.as_view(), name="export_xlsx"),
    path("ranking/apply/", views.ApplyProposalView.as_view(), name="apply"),
    path("decisions/", views.DecisionListView.as_view(), name="decisions"),
    path("decisions/<int:pk>/", views.DecideView.as_view(), name="decide"),
    path("decisions/publish/", views.PublishView.as_view(), name="publish"),
    path("decisions/emails/", views.EmailTemplateListView.as_view(), name="emails"),
    path("decisions/emails/<str:outcome>/<str:language>/", views.EmailTemplateView.as_view(), name="email"),
    path("reconsiderations/", views_reconsideration.ListView.as_view(), name="reconsiderations"),
    path("reconsiderations/<int:pk>/", views_reconsideration.DetailView.as_view(), name="reconsideration"),
    path(
        "reconsiderations/<int:pk>/files/<int:file_pk>/",
        views_reconsideration.StaffFileView.as_view(),
        name="reconsideration_file",
    ),
]
