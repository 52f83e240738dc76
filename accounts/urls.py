from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.OrganisationListView.as_view(), name="organisations"),
    path("new/", views.OrganisationCreateView.as_view(), name="create"),
    path("mandates/", views.MandateKindsView.as_view(), name="mandate_kinds"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("invitations/<str:token>/", views.AcceptInvitationView.as_view(), name="accept_invitation"),
    path("<int:pk>/", views.OrganisationDetailView.as_view(), name="organisation"),
    path("<int:pk>/edit/", views.OrganisationUpdateView.as_view(), name="edit"),
    path("<int:pk>/invite/", views.InviteView.as_view(), name="invite"),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/cancel/",
        views.CancelInvitationView.as_view(),
        name="cancel_invitation",
    ),
    path("<int:pk>/members/<int:membership_pk>/remove/", views.RemoveMemberView.as_view(), name="remove_member"),
    path("<int:pk>/members/<int:membership_pk>/role/", views.ChangeRoleView.as_view(), name="change_role"),
]
