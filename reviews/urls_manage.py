"""Staff pages of the review of one call, under /manage/calls/<slug>/ (see portal/urls.py)."""

from django.urls import path

from . import views_manage as views

app_name = "manage_reviews"
urlpatterns = [
    path("applications/", views.ApplicationListView.as_view(), name="applications"),
    path("applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="application"),
    path("applications/<int:pk>/admissibility/", views.AdmissibilityView.as_view(), name="admissibility"),
    path("applications/<int:pk>/waiver/", views.WaiverView.as_view(), name="waiver"),
    path("applications/<int:pk>/assign/", views.AssignView.as_view(), name="assign"),
    path("applications/<int:pk>/double-funding/<int:flag>/", views.DuplicateFlagView.as_view(), name="duplicate_flag"),
    path("applications/<int:pk>/messages/", views.MessageView.as_view(), name="message"),
    path("applications/<int:pk>/consensus/", views.ConsensusView.as_view(), name="consensus"),
    path("assign/", views.AutomaticAssignmentView.as_view(), name="assign_auto"),
    path("progress/", views.ProgressView.as_view(), name="progress"),
    path("reminders/", views.RemindView.as_view(), name="remind"),
]
