from django.urls import path

from . import views

app_name = "calls"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("calls/", views.CallListView.as_view(), name="list"),
    path("calls/<slug:slug>/", views.CallDetailView.as_view(), name="detail"),
    path("calls/<slug:slug>/eligibility/", views.EligibilityView.as_view(), name="eligibility"),
]
