"""The reviewer's pages, under /review/."""

from django.urls import path

from . import views_review as views

app_name = "review"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("expertise/", views.ExpertiseView.as_view(), name="expertise"),
    path("assignments/<str:state>/", views.AssignmentListView.as_view(), name="list"),
    path("applications/<int:pk>/declare/", views.DeclarationView.as_view(), name="declare"),
    path("applications/<int:pk>/", views.ReviewView.as_view(), name="application"),
]
