"""Public list of funded projects, mounted at /funded/ (namespace `funded`)."""

from django.urls import path

from . import views_funded as views

app_name = "funded"
urlpatterns = [
    path("", views.FundedListView.as_view(), name="list"),
    path("export.csv", views.FundedCsvView.as_view(), name="csv"),
]
