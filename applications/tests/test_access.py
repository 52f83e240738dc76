"""Who may see what: members of the lead organisation see and change their applications; a
member of another organisation gets 404 everywhere; anonymous visitors are sent to log in."""

import pytest
from django.urls import reverse

from accounts.tests.factories import MembershipFactory
from applications import services
from calls.models import CallRole
from calls.tests.factories import CallRoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(complete, member):
    return services.submit(complete, declaration=True, by=member)


@pytest.fixture
def outsider(db):
    """A member of another organisation."""
    return MembershipFactory(role="owner").user


def _urls(application):
    attachment = application.attachments.get()
    return {
        "page": reverse("applications:detail", args=[application.pk]),
        "attachment": reverse("applications:attachment", args=[application.pk, attachment.pk]),
        "receipt": reverse("applications:receipt", args=[application.pk]),
        "section": reverse("applications:section", args=[application.pk, "general"]),
        "messages": reverse("applications:messages", args=[application.pk]),
        "withdraw": reverse("applications:withdraw", args=[application.pk]),
    }


@pytest.mark.parametrize("page", ["page", "attachment", "receipt", "section", "messages", "withdraw"])
def test_a_member_of_another_organisation_gets_404(client, submitted, outsider, page):
    client.force_login(outsider)
    assert client.get(_urls(submitted)[page]).status_code == 404


@pytest.mark.parametrize("page", ["page", "attachment", "receipt"])
def test_the_member_gets_the_page(client, submitted, member, page):
    client.force_login(member)
    assert client.get(_urls(submitted)[page]).status_code == 200


def test_another_organisation_cannot_change_submit_or_upload(client, complete, outsider):
    client.force_login(outsider)
    for url in (
        reverse("applications:submit", args=[complete.pk]),
        reverse("applications:reopen", args=[complete.pk]),
        reverse("applications:autosave", args=[complete.pk, "general"]),
        reverse("applications:upload", args=[complete.pk, complete.call.documents.get().pk]),
        reverse("applications:delete_attachment", args=[complete.pk, complete.attachments.get().pk]),
    ):
        assert client.post(url, {"version": complete.version, "title": "Gekaapt"}).status_code == 404
    complete.refresh_from_db()
    assert complete.title != "Gekaapt" and complete.status == "draft"


@pytest.mark.parametrize("page", ["page", "attachment", "receipt", "section"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, submitted, page):
    response = client.get(_urls(submitted)[page])
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_call_manager_sees_the_application_but_cannot_edit_it(client, submitted):
    manager = CallRoleFactory(call=submitted.call, role=CallRole.Role.MANAGER).user
    client.force_login(manager)
    urls = _urls(submitted)
    assert client.get(urls["page"]).status_code == 200
    assert client.get(urls["attachment"]).status_code == 200
    assert client.get(urls["section"]).status_code == 404


def test_a_manager_of_another_call_gets_404(client, submitted):
    manager = CallRoleFactory(role=CallRole.Role.MANAGER).user
    client.force_login(manager)
    assert client.get(_urls(submitted)["page"]).status_code == 404


def test_my_applications_lists_only_my_organisations(client, submitted, outsider):
    client.force_login(outsider)
    assert submitted.title not in client.get(reverse("applications:list")).text


def test_start_requires_login(client, call):
    response = client.post(reverse("applications:start", args=[call.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_user_with_several_organisations_chooses_the_lead(client, call, member):
    other = MembershipFactory(user=member, organisation__kind="news_media").organisation
    client.force_login(member)
    url = reverse("applications:start", args=[call.slug])
    page = client.post(url)  # the call page's button sends no organisation
    assert page.status_code == 200 and other.name in page.text and member.organisation.name in page.text
    response = client.post(url, {"organisation": other.pk})
    assert response.status_code == 302
    assert call.applications.get().lead_organisation == other


def test_a_user_cannot_start_for_an_organisation_they_do_not_belong_to(client, call, member, outsider):
    client.force_login(member)
    organisation = outsider.memberships.get().organisation
    response = client.post(reverse("applications:start", args=[call.slug]), {"organisation": organisation.pk})
    assert response.status_code == 400
    assert not call.applications.exists()


def _api_detail(application):
    return reverse("api:application-detail", args=[application.pk])


@pytest.mark.parametrize("staff", ["manager", "administrator"])
def test_a_manager_without_totp_gets_no_proposal_content_on_any_route(client, submitted, settings, staff, admin_user):
    from allauth.mfa.models import Authenticator

    settings.REQUIRE_STAFF_MFA = True
    if staff == "manager":
        manager = CallRoleFactory(call=submitted.call, role=CallRole.Role.MANAGER).user
    else:
        manager = admin_user  # a superuser is held to the same two-factor rule
    client.force_login(manager)
    urls = _urls(submitted)
    routes = [urls["page"], urls["attachment"], urls["receipt"], urls["messages"], _api_detail(submitted)]
    for url in routes:
        response = client.get(url)
        assert response.status_code == 404, url
        assert submitted.title not in response.content.decode(), url
    # With an authenticator app set up, the same manager reads it all.
    Authenticator.objects.create(user=manager, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"})
    for url in routes:
        assert client.get(url).status_code == 200, url


def test_a_reviewer_without_totp_cannot_read_the_proposal_through_the_applicant_pages(client, submitted, settings):
    from reviews.models import Assignment

    settings.REQUIRE_STAFF_MFA = True
    submitted.status = "in_review"
    submitted.save()
    reviewer = CallRoleFactory(call=submitted.call, role=CallRole.Role.REVIEWER).user
    Assignment.objects.create(application=submitted, reviewer=reviewer, declared_at=submitted.submitted_at)
    client.force_login(reviewer)
    for url in (_urls(submitted)["page"], _urls(submitted)["attachment"], _api_detail(submitted)):
        assert client.get(url).status_code == 404, url


def test_the_applicant_needs_no_totp_for_their_own_application(client, submitted, member, settings):
    settings.REQUIRE_STAFF_MFA = True
    client.force_login(member)
    assert client.get(_urls(submitted)["page"]).status_code == 200
    assert client.get(_api_detail(submitted)).status_code == 200


@pytest.mark.parametrize("staff", ["manager", "admin"])
@pytest.mark.parametrize("state", ["draft", "reopened"])
def test_a_draft_is_404_to_staff_on_page_and_api(client, complete, member, admin_user, staff, state):
    if state == "reopened":
        # Submitted once, then taken back to draft: it is the applicant's alone again.
        services.reopen(services.submit(complete, declaration=True, by=member), by=member)
        complete.refresh_from_db()
        assert complete.reference and complete.status == "draft"
    user = admin_user if staff == "admin" else CallRoleFactory(call=complete.call, role=CallRole.Role.MANAGER).user
    client.force_login(user)
    attachment = complete.attachments.get()
    for url in (
        reverse("applications:detail", args=[complete.pk]),
        reverse("applications:attachment", args=[complete.pk, attachment.pk]),
        reverse("applications:messages", args=[complete.pk]),
        _api_detail(complete),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert complete.title not in response.content.decode(), url
