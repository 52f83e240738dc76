"""Staff search across their calls, under /manage/search/ (see portal/urls.py)."""

from django.urls import path

from . import views_search as views

app_name = "manage_search"
urlpatterns = [path("", views.SearchView.as_view(), name="search")]
