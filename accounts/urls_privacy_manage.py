"""Staff's list of erasure requests, mounted at /manage/privacy/ (namespace `privacy_manage`)."""

from django.urls import path

from . import views_privacy as views

app_name = "privacy_manage"
urlpatterns = [
    path("", views.ErasureRequestListView.as_view(), name="list"),
    path("<int:pk>/", views.HandleErasureView.as_view(), name="handle"),
]
