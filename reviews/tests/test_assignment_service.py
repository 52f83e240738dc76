"""Assignment in the database: by hand, in bulk and automatically. The organisational ties are
read from the data (memberships, partners, KBO numbers, e-mail domains); only the call's pool
is used; reviewers get an e-mail with the due date."""

from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import OrganisationFactory, UserFactory, valid_kbo
from applications.tests.factories import PartnerFactory
from calls.tests.factories import CallFactory
from portal.models import Notification
from reviews import services
from reviews.assignment import GapReason
from reviews.models import Assignment

pytestmark = pytest.mark.django_db


def reviewers_of(application):
    return set(Assignment.objects.active().filter(application=application).values_list("reviewer__email", flat=True))


def test_automatic_assignment_never_picks_a_member_of_the_lead_organisation(
    call, manager, make_reviewer, make_application
):
    application = make_application()
    insider = make_reviewer(email="insider@lead.be", organisation=application.lead_organisation)
    make_reviewer(email="a@uni.be"), make_reviewer(email="b@uni.be")
    services.assign_automatically(call, by=manager)
    assert reviewers_of(application) == {"a@uni.be", "b@uni.be"}
    assert not Assignment.objects.filter(reviewer=insider).exists()


def test_automatic_assignment_never_picks_a_member_of_a_partner_organisation(
    call, manager, make_reviewer, make_application
):
    application = make_application()
    partner_org = OrganisationFactory()
    PartnerFactory(application=application, organisation=partner_org, name=partner_org.name)
    make_reviewer(email="insider@partner.be", organisation=partner_org)
    make_reviewer(email="a@uni.be"), make_reviewer(email="b@uni.be")
    services.assign_automatically(call, by=manager)
    assert reviewers_of(application) == {"a@uni.be", "b@uni.be"}


def test_a_partner_typed_by_hand_is_matched_by_its_kbo_number(call, manager, make_reviewer, make_application):
    application = make_application()
    number = valid_kbo(777)
    PartnerFactory(application=application, organisation=None, name="Vrije Krant", kbo_number=number)
    make_reviewer(email="insider@krant.be", organisation=OrganisationFactory(kbo_number=number))
    make_reviewer(email="a@uni.be"), make_reviewer(email="b@uni.be")
    services.assign_automatically(call, by=manager)
    assert reviewers_of(application) == {"a@uni.be", "b@uni.be"}


def test_reviewers_with_the_e_mail_domain_of_the_lead_or_a_partner_are_not_picked(
    call, manager, make_reviewer, make_application
):
    lead = OrganisationFactory(email_domain="gent.be")
    application = make_application(lead_organisation=lead)
    PartnerFactory(application=application, contact_email="an@vrt.be")
    make_reviewer(email="ambtenaar@gent.be"), make_reviewer(email="journalist@vrt.be")
    make_reviewer(email="a@uni.be"), make_reviewer(email="b@uni.be")
    services.assign_automatically(call, by=manager)
    assert reviewers_of(application) == {"a@uni.be", "b@uni.be"}


def test_only_the_calls_reviewer_pool_is_used(call, manager, make_reviewer, make_application):
    application = make_application()
    make_reviewer(email="other-call@uni.be", call_=CallFactory())
    UserFactory(email="nobody@uni.be")
    make_reviewer(email="a@uni.be")
    outcome = services.assign_automatically(call, by=manager)
    assert reviewers_of(application) == {"a@uni.be"}
    [(short, gap)] = outcome.gaps
    assert short == application and gap.missing == 1 and gap.reason == GapReason.TOO_FEW_REVIEWERS


def test_existing_assignments_are_kept_and_a_declared_conflict_is_never_reassigned(
    call, manager, make_reviewer, make_application, assign
):
    application = make_application()
    kept, conflicted = make_reviewer(email="kept@uni.be"), make_reviewer(email="conflict@uni.be")
    make_reviewer(email="new@uni.be")
    first = assign(application, kept, declared=True)
    assign(application, conflicted, conflict=True)
    services.assign_automatically(call, by=manager)
    assert reviewers_of(application) == {"kept@uni.be", "new@uni.be"}
    assert Assignment.objects.get(pk=first.pk).declared_at is not None
    assert Assignment.objects.get(application=application, reviewer=conflicted).conflict


def test_only_applications_in_review_get_reviewers(call, manager, make_reviewer, make_application):
    submitted, in_review = make_application("submitted"), make_application("in_review")
    make_reviewer(), make_reviewer()
    services.assign_automatically(call, by=manager)
    assert not Assignment.objects.filter(application=submitted).exists()
    assert Assignment.objects.filter(application=in_review).count() == 2


def test_the_load_is_balanced_and_the_maximum_respected(call, manager, make_reviewer, make_application):
    applications = [make_application() for _ in range(5)]
    pool = [make_reviewer() for _ in range(4)]
    outcome = services.assign_automatically(call, by=manager)
    loads = Counter(Assignment.objects.values_list("reviewer_id", flat=True))
    assert sorted(loads[r.pk] for r in pool) == [2, 2, 3, 3]  # 10 assignments over 4 reviewers
    assert sum(loads.values()) == 10 and outcome.gaps == []
    assert all(Assignment.objects.filter(application=a).count() == 2 for a in applications)

    more = [make_application() for _ in range(3)]
    outcome = services.assign_automatically(call, by=manager, max_load=3)
    loads = Counter(Assignment.objects.values_list("reviewer_id", flat=True))
    assert max(loads.values()) == 3
    assert sum(gap.missing for _a, gap in outcome.gaps) == 16 - 12
    assert {gap.reason for _a, gap in outcome.gaps} == {GapReason.MAX_LOAD}
    assert all(a in more for a, _gap in outcome.gaps)


def test_the_calls_maximum_load_is_the_default(call, manager, make_reviewer, make_application):
    call.max_reviewer_load = 1
    call.save()
    for _ in range(3):
        make_application()
    make_reviewer(), make_reviewer()
    services.assign_automatically(call, by=manager)
    assert max(Counter(Assignment.objects.values_list("reviewer_id", flat=True)).values()) == 1


@time_machine.travel("2026-03-02 10:00 +01:00", tick=False)
def test_reviewers_get_one_e_mail_with_the_due_date(call, manager, make_reviewer, make_application):
    call.review_due_days = 14
    call.save()
    first, second = make_application(title="Feitencheck"), make_application(title="Deepfakes")
    reviewer = make_reviewer(email="a@uni.be")
    make_reviewer()
    services.assign_automatically(call, by=manager)
    assignment = Assignment.objects.get(application=first, reviewer=reviewer)
    assert assignment.due_at == timezone.now() + timedelta(days=14)
    [mail] = Notification.objects.filter(recipient=reviewer, template="reviews_assigned")
    assert "Feitencheck" in mail.body and "Deepfakes" in mail.body
    assert "16 maart 2026 10:00" in mail.body  # due date, Brussels time, in Dutch
    assert second.reference in mail.body


def test_assigning_by_hand_applies_the_same_rules(en, call, manager, make_reviewer, make_application, assign):
    application = make_application()
    insider = make_reviewer(organisation=application.lead_organisation)
    outsider = UserFactory()
    conflicted = make_reviewer()
    assign(application, conflicted, conflict=True)
    for person, words in [
        (insider, "belongs to the lead organisation"),
        (outsider, "not in the reviewer pool"),
        (conflicted, "declared a conflict"),
    ]:
        with pytest.raises(services.ReviewError) as refused:
            services.assign(application, person, by=manager)
        assert words in refused.value.message
    fine = make_reviewer()
    assignment = services.assign(application, fine, by=manager)
    assert assignment.due_at is not None and assignment.assigned_by == manager
    with pytest.raises(services.ReviewError, match="already assigned"):
        services.assign(application, fine, by=manager)


def test_a_submitted_application_gets_no_reviewers_before_it_is_admitted(
    en, call, manager, make_reviewer, make_application
):
    with pytest.raises(services.ReviewError, match="admit it first"):
        services.assign(make_application("submitted"), make_reviewer(), by=manager)


def test_only_a_manager_of_the_call_may_assign(call, make_reviewer, make_application):
    other_manager = UserFactory()
    with pytest.raises(services.ReviewError):
        services.assign(make_application(), make_reviewer(), by=other_manager)
    with pytest.raises(services.ReviewError):
        services.assign_automatically(call, by=other_manager)


def test_assign_by_hand_on_the_staff_page(en, client, call, manager, make_reviewer, make_application):
    application = make_application()
    reviewer = make_reviewer()
    client.force_login(manager)
    url = reverse("manage_reviews:assign", args=[call.slug, application.pk])
    response = client.post(url, {"reviewer": reviewer.pk}, follow=True)
    assert response.status_code == 200
    assert Assignment.objects.filter(application=application, reviewer=reviewer).exists()
    assert f"{reviewer} is assigned" in response.content.decode()


def test_automatic_assignment_page_reports_what_it_could_not_do(
    en, client, call, manager, make_reviewer, make_application
):
    application = make_application()
    make_reviewer(organisation=application.lead_organisation)
    make_reviewer(email="only@uni.be")
    client.force_login(manager)
    response = client.post(reverse("manage_reviews:assign_auto", args=[call.slug]), {"max_load": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert application.reference in html
    assert reviewers_of(application) == {"only@uni.be"}
    # Why: one reviewer may review it, one is tied to an organisation of the application.
    assert "Only 1 reviewer(s) of the pool may review it: 1 belong to the lead" in html


def test_bulk_assignment_assigns_every_pair_allowed_and_reports_the_rest(
    client, call, manager, make_reviewer, make_application
):
    first, second = make_application(), make_application()
    insider = make_reviewer(organisation=second.lead_organisation)
    outsider = make_reviewer()
    client.force_login(manager)
    response = client.post(
        reverse("manage_reviews:applications", args=[call.slug]),
        {"action": "assign", "applications": [first.pk, second.pk], "reviewers": [insider.pk, outsider.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert set(Assignment.objects.values_list("application_id", "reviewer_id")) == {
        (first.pk, insider.pk),
        (first.pk, outsider.pk),
        (second.pk, outsider.pk),
    }
    assert str(insider) in response.content.decode()  # the refused pair is reported


def test_bulk_assignment_needs_reviewers(client, call, manager, make_application):
    application = make_application()
    client.force_login(manager)
    response = client.post(
        reverse("manage_reviews:applications", args=[call.slug]), {"action": "assign", "applications": [application.pk]}
    )
    assert response.status_code == 200
    assert response.context["bulk_form"].errors["reviewers"]
    assert f'value="{application.pk}" id="select-{application.pk}" checked' in response.content.decode()


def test_the_assignment_is_in_the_audit_trail_but_not_in_the_applicants_timeline(
    call, manager, make_reviewer, make_application
):
    from applications.selectors import timeline_for as applicant_timeline
    from reviews.queries import timeline_for

    application = make_application()
    reviewer = make_reviewer(email="secret-reviewer@uni.be")
    services.assign(application, reviewer, by=manager)
    assert any(e.data.get("reviewer") == "secret-reviewer@uni.be" for e in timeline_for(application))
    assert not any("secret-reviewer" in str(e.data) for e in applicant_timeline(application, staff=False))


def test_the_page_can_lift_the_calls_maximum_for_one_run(client, call, manager, make_reviewer, make_application):
    call.max_reviewer_load = 1
    call.save()
    for _ in range(3):
        make_application()
    make_reviewer(), make_reviewer()
    client.force_login(manager)
    page = client.get(reverse("manage_reviews:assign_auto", args=[call.slug]))
    assert page.context["form"]["max_load"].value() == 1  # the call's maximum is proposed
    client.post(reverse("manage_reviews:assign_auto", args=[call.slug]), {"max_load": ""})  # emptied: no maximum
    assert sorted(Counter(Assignment.objects.values_list("reviewer_id", flat=True)).values()) == [3, 3]
