"""The beneficiary's grant pages, mounted at /grants/ (namespace `grants`)."""

from django.urls import path

from . import pdf, views

app_name = "grants"
urlpatterns = [
    path("", views.MyGrantsView.as_view(), name="list"),
    path("<int:pk>/", views.GrantView.as_view(), name="detail"),
    path("<int:pk>/decision.pdf", pdf.GrantDecisionPdfView.as_view(), name="decision-pdf"),
    path("<int:pk>/reports/<slug:kind>/", views.ReportEditView.as_view(), name="report"),
    path("<int:pk>/evidence/<uuid:uuid>/", views.EvidenceView.as_view(), name="evidence"),
]
