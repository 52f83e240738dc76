"""A person's own data, mounted at /my-data/ (namespace `privacy`)."""

from django.urls import path

from . import views_privacy as views

app_name = "privacy"
urlpatterns = [
    path("", views.MyDataView.as_view(), name="mine"),
    path("export.zip", views.ExportView.as_view(), name="export"),
]
