"""Staff pages of calls. Reviews owns <slug>/applications/, assign…, progress/, ranking/ and decisions/."""

from django.urls import path

from . import views_manage as views

app_name = "manage_calls"
urlpatterns = [
    path("", views.CallListView.as_view(), name="list"),
    path("new/", views.CallCreateView.as_view(), name="create"),
    path("<slug:slug>/", views.CallDetailView.as_view(), name="detail"),
    path("<slug:slug>/edit/", views.CallEditView.as_view(), name="edit"),
    path("<slug:slug>/edit/<str:part>/", views.CallPartEditView.as_view(), name="edit_part"),
    path("<slug:slug>/edit/<str:part>/<int:pk>/restore/", views.RestoreItemView.as_view(), name="restore_item"),
    path("<slug:slug>/clone/", views.CloneView.as_view(), name="clone"),
    path("<slug:slug>/publish/", views.PublishView.as_view(), name="publish"),
    path("<slug:slug>/unpublish/", views.UnpublishView.as_view(), name="unpublish"),
    path("<slug:slug>/legal-frame/", views.LegalFrameView.as_view(), name="legal_frame"),
    path("<slug:slug>/deadline/", views.DeadlineView.as_view(), name="deadline"),
    path("<slug:slug>/roles/", views.RolesView.as_view(), name="roles"),
    path("<slug:slug>/roles/<int:pk>/remove/", views.RemoveRoleView.as_view(), name="remove_role"),
    path("<slug:slug>/phase/start-review/", views.StartReviewView.as_view(), name="start_review"),
    path("<slug:slug>/phase/close-review/", views.CloseReviewView.as_view(), name="close_review"),
    path("<slug:slug>/phase/archive/", views.ArchiveView.as_view(), name="archive"),
]
