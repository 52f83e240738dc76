"""Organisations and members. Every view asks a predicate of accounts/rules.py and calls a
service of accounts/services.py; a page about an organisation the user may not see is a 404."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView

from portal import audit
from portal.models import Notification

from . import oidc, services
from .forms import InvitationForm, MandateKindsForm, OrganisationForm, RoleForm
from .models import Invitation, Membership, Organisation


class OrganisationListView(LoginRequiredMixin, ListView):
    """The organisations the user belongs to, with their role and the number of members."""

    template_name = "accounts/organisation_list.html"
    context_object_name = "memberships"

    def get_queryset(self):
        return (
            Membership.objects.filter(user=self.request.user)
            .select_related("organisation")
            .annotate(
                member_count=Count("organisation__memberships", filter=Q(organisation__memberships__lapsed_at=None))
            )
            .order_by("organisation__name")
        )


class OrganisationCreateView(LoginRequiredMixin, FormView):
    template_name = "accounts/organisation_form.html"

    def get_form(self, form_class=None):
        return OrganisationForm(submit_label=_("Create organisation"), **self.get_form_kwargs())

    def form_valid(self, form):
        organisation = services.create_organisation(by=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("%(name)s has been created. You are its owner.") % {"name": organisation.name})
        return redirect(organisation)


class MandateKindsView(LoginRequiredMixin, FormView):
    """After a government login: the organisations the person may represent that the portal does
    not know yet. The person picks each one's kind once; then they are created with the
    enterprise number confirmed. Only the mandates of this session's login are offered."""

    template_name = "accounts/mandate_kinds.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not oidc.pending_mandates(request):
            return redirect("accounts:organisations")
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return MandateKindsForm(mandates=oidc.pending_mandates(self.request), **self.get_form_kwargs())

    def form_valid(self, form):
        organisations = services.create_mandated_organisations(self.request.user, form.mandates, form.kinds())
        self.request.session.pop(oidc.PENDING_MANDATES_SESSION_KEY, None)
        messages.success(
            self.request,
            _("Created: %(names)s. The enterprise numbers are confirmed by the government login.")
            % {"names": ", ".join(o.name for o in organisations)},
        )
        target = self.request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(target, allowed_hosts={self.request.get_host()}) and target != "/":
            return redirect(target)
        return redirect("accounts:organisations")


class OrganisationMixin(LoginRequiredMixin):
    """Fetches the organisation of the URL; answers 404 unless the user has `permission`."""

    permission = "accounts.view_organisation"

    @cached_property
    def organisation(self) -> Organisation:
        organisation = get_object_or_404(Organisation, pk=self.kwargs["pk"])
        if not self.request.user.has_perm(self.permission, organisation):
            raise Http404
        return organisation

    def get_context_data(self, **kwargs):
        return super().get_context_data(organisation=self.organisation, **kwargs)


class OrganisationDetailView(OrganisationMixin, TemplateView):
    """Details, members, pending invitations and recent activity. The number of queries does
    not depend on the number of members (see the query-count test)."""

    template_name = "accounts/organisation_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, organisation = self.request.user, self.organisation
        can_manage = user.has_perm("accounts.manage_members", organisation)
        context.update(
            can_manage=can_manage,
            can_change=can_manage and user.has_perm("accounts.change_organisation", organisation),
            # Owners first ("owner" sorts after "member").
            memberships=organisation.memberships.select_related("user").order_by("-role", "user__email"),
        )
        if can_manage:
            context.update(
                invitations=organisation.invitations.filter(accepted_at__isnull=True).select_related("invited_by"),
                invitation_form=InvitationForm(),
                events=audit.events_for(organisation).order_by("-created_at", "-pk")[:20],
                owner_role=Membership.Role.OWNER,
                member_role=Membership.Role.MEMBER,
            )
        return context


class OrganisationUpdateView(OrganisationMixin, FormView):
    permission = "accounts.change_organisation"
    template_name = "accounts/organisation_form.html"

    def get_form(self, form_class=None):
        return OrganisationForm(instance=self.organisation, **self.get_form_kwargs())

    def form_valid(self, form):
        services.update_organisation(self.organisation, by=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("The details have been saved."))
        return redirect(self.organisation)


class InviteView(OrganisationMixin, FormView):
    permission = "accounts.manage_members"
    template_name = "accounts/invite_form.html"
    form_class = InvitationForm

    def form_valid(self, form):
        try:
            invitation = services.invite_member(
                self.organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=self.request.user,
            )
        except services.MembershipError as error:
            form.add_error("email", error.message)
            return self.form_invalid(form)
        messages.success(self.request, _("An invitation has been sent to %(email)s.") % {"email": invitation.email})
        return redirect(self.organisation)


class MembershipActionMixin(OrganisationMixin):
    """Acts on one membership of the organisation; the membership's own predicate decides."""

    @cached_property
    def membership(self) -> Membership:
        membership = get_object_or_404(
            Membership.objects.select_related("user", "organisation"),
            pk=self.kwargs["membership_pk"],
            organisation=self.organisation,
        )
        if not self.request.user.has_perm(self.membership_permission, membership):
            raise Http404
        return membership

    def get_context_data(self, **kwargs):
        return super().get_context_data(membership=self.membership, **kwargs)


class RemoveMemberView(MembershipActionMixin, TemplateView):
    """GET asks for confirmation (works without JavaScript); POST removes or leaves."""

    membership_permission = "accounts.remove_membership"
    template_name = "accounts/membership_confirm_remove.html"

    def post(self, request, *args, **kwargs):
        membership = self.membership
        leaving = membership.user_id == request.user.pk
        try:
            services.remove_member(membership, by=request.user)
        except services.MembershipError as error:
            messages.error(request, error.message)
            return redirect(self.organisation)
        if leaving:
            messages.success(request, _("You have left %(name)s.") % {"name": self.organisation.name})
            return redirect("accounts:organisations")
        messages.success(request, _("%(email)s has been removed.") % {"email": membership.user.email})
        return redirect(self.organisation)


class ChangeRoleView(MembershipActionMixin, TemplateView):
    permission = "accounts.manage_members"
    membership_permission = "accounts.remove_membership"  # owners pass it for every membership
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        membership = self.membership  # another organisation's membership is a 404 before anything else
        form = RoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a valid role."))
            return redirect(self.organisation)
        try:
            services.change_role(membership, role=form.cleaned_data["role"], by=request.user)
        except services.MembershipError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(email)s is now %(role)s.")
                % {"email": membership.user.email, "role": membership.get_role_display()},
            )
        return redirect(self.organisation)


class CancelInvitationView(OrganisationMixin, TemplateView):
    permission = "accounts.manage_members"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        invitation = get_object_or_404(
            Invitation, pk=self.kwargs["invitation_pk"], organisation=self.organisation, accepted_at__isnull=True
        )
        services.cancel_invitation(invitation, by=request.user)
        messages.success(request, _("The invitation for %(email)s has been withdrawn.") % {"email": invitation.email})
        return redirect(self.organisation)


class AcceptInvitationView(LoginRequiredMixin, TemplateView):
    """The link in the invitation e-mail. The token is the secret; it still only works for the
    logged-in user with the invited e-mail address."""

    template_name = "accounts/invitation_accept.html"

    @cached_property
    def invitation(self) -> Invitation:
        return get_object_or_404(
            Invitation.objects.select_related("organisation", "invited_by"), token=self.kwargs["token"]
        )

    def get_context_data(self, **kwargs):
        problem = services.invitation_problem(self.invitation, self.request.user)
        # Someone else holding the link learns nothing about the organisation.
        invitation = self.invitation if problem is None else None
        return super().get_context_data(invitation=invitation, problem=problem, **kwargs)

    def get(self, request, *args, **kwargs):
        invitation = self.invitation
        if invitation.accepted_at and invitation.organisation.memberships.filter(user=request.user).exists():
            return redirect(invitation.organisation)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            membership = services.accept_invitation(self.invitation, by=request.user)
        except services.MembershipError as error:
            messages.error(request, error.message)
            return redirect("accounts:accept_invitation", token=self.kwargs["token"])
        messages.success(request, _("Welcome to %(name)s.") % {"name": membership.organisation.name})
        return redirect(membership.organisation)


class NotificationListView(LoginRequiredMixin, ListView):
    """The e-mails the portal sent (or is about to send) to the logged-in user."""

    template_name = "accounts/notification_list.html"
    context_object_name = "notifications"
    paginate_by = 25

    def get_queryset(self):
        return Notification.objects.filter(recipient=self.request.user).only(
            "subject", "created_at", "sent_at", "status", "email", "body"
        )
