"""Staff call management: who may see what, and every change going through a service."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from calls.models import Call, CallRole, Criterion, DeadlineChange, EligibilityRule, Objective, Question
from calls.tests.factories import CallRoleFactory, CriterionFactory, ObjectiveFactory, QuestionFactory
from portal.models import AuditEvent, Notification

pytestmark = pytest.mark.django_db


def call_pages(call):
    return [
        reverse("manage_calls:detail", args=[call.slug]),
        reverse("manage_calls:edit", args=[call.slug]),
        reverse("manage_calls:edit_part", args=[call.slug, "criteria"]),
        reverse("manage_calls:deadline", args=[call.slug]),
        reverse("manage_calls:roles", args=[call.slug]),
        reverse("manage_calls:clone", args=[call.slug]),
    ]


# --- Who gets in --------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, call):
    for url in [reverse("manage_calls:list"), reverse("manage_calls:create"), *call_pages(call)]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_applicants_and_reviewers_get_404(client, call, applicant, reviewer):
    for user in (applicant, reviewer):
        client.force_login(user)
        for url in [reverse("manage_calls:list"), reverse("manage_calls:create"), *call_pages(call)]:
            assert client.get(url).status_code == 404, url


def test_a_manager_sees_and_edits_only_their_own_calls(client, call, other_call, manager):
    client.force_login(manager)
    listing = client.get(reverse("manage_calls:list")).content.decode()
    assert call.title_nl in listing and other_call.title_nl not in listing
    for url in call_pages(call):
        assert client.get(url).status_code == 200, url
    for url in call_pages(other_call):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("manage_calls:deadline", args=[other_call.slug]),
        {"new_closes_at": "2030-01-01T12:00", "reason": "Poging"},
    )
    assert response.status_code == 404
    assert client.post(reverse("manage_calls:publish", args=[other_call.slug])).status_code == 404
    assert not DeadlineChange.objects.filter(call=other_call).exists()


def test_only_admins_create_calls(client, manager, admin_user):
    client.force_login(manager)
    assert client.get(reverse("manage_calls:create")).status_code == 404
    client.force_login(admin_user)
    assert client.get(reverse("manage_calls:create")).status_code == 200


def test_admins_see_every_call(client, call, other_call, admin_user):
    client.force_login(admin_user)
    listing = client.get(reverse("manage_calls:list")).content.decode()
    assert call.title_nl in listing and other_call.title_nl in listing


@pytest.mark.parametrize("count", [1, 20])
def test_the_management_list_uses_a_fixed_number_of_queries(client, django_assert_max_num_queries, count):
    manager = UserFactory()
    for _i in range(count):
        role = CallRoleFactory(user=manager, role=CallRole.Role.MANAGER)
        CallRoleFactory(call=role.call, role=CallRole.Role.MANAGER)  # a second manager, shown in the list
    client.force_login(manager)
    with django_assert_max_num_queries(12):  # 8 today; headroom for the shared layout
        response = client.get(reverse("manage_calls:list"))
    assert response.content.decode().count('<th scope="row">') == count


# --- Creating and editing ----------------------------------------------------------------------


NEW_CALL = {
    "slug": "nieuwe-oproep",
    "reference_prefix": "NO",
    "title_nl": "Nieuwe oproep",
    "total_budget": "250.000",
    "opens_at": "2030-01-01T09:00",
    "closes_at": "2030-03-01T12:00",
    "summary_max_chars": 2000,
    "max_upload_mb": 20,
    "max_attachments": 20,
    "completion_days": 7,
    "reviews_required": 3,
    "review_due_days": 21,
    "max_score": 5,
    "score_step": "0.5",
    "overall_threshold": 50,
    "disagreement_gap": 2,
    "funding_policy": "strict",
    "review_visibility": "after_own",
    "retention_years": "5",
    "funded_retention_years": "10",
}


def test_an_admin_creates_a_call_and_becomes_its_manager(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("manage_calls:create"), NEW_CALL)
    call = Call.objects.get(slug="nieuwe-oproep")
    assert response.status_code == 302
    assert call.total_budget == 250000 and not call.published
    assert CallRole.objects.filter(call=call, user=admin_user, role="manager").exists()
    assert timezone.localtime(call.closes_at).hour == 12


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "1999-12-31T23:59", "3000-01-01T00:00"])
def test_a_moment_outside_the_years_a_call_can_take_place_is_refused(client, admin_user, call, moment):
    """The year 1 in Brussels is the year 0 in UTC: stored, it made every page that reads the call
    fail. The call's moments are refused outside 2000–2999, beside the field."""
    client.force_login(admin_user)
    response = client.post(reverse("manage_calls:create"), {**NEW_CALL, "opens_at": moment})
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    assert not Call.objects.filter(slug="nieuwe-oproep").exists()
    response = client.post(
        reverse("manage_calls:deadline", args=[call.slug]), {"new_closes_at": moment, "reason": "Tikfout"}
    )
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    assert not DeadlineChange.objects.exists()
    assert client.get(reverse("manage_calls:list")).status_code == 200


def test_a_bad_call_form_keeps_what_was_typed(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("manage_calls:create"), {"slug": "x y", "title_nl": "Mijn titel", "total_budget": "veel"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "error-summary" in html and "Mijn titel" in html
    assert not Call.objects.exists()


def formset_data(formset_prefix, rows, initial=0):
    data = {
        f"{formset_prefix}-TOTAL_FORMS": str(len(rows)),
        f"{formset_prefix}-INITIAL_FORMS": str(initial),
        f"{formset_prefix}-MIN_NUM_FORMS": "0",
        f"{formset_prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{formset_prefix}-{i}-{key}"] = value
    return data


def test_a_manager_adds_an_objective_and_a_linked_criterion(client, call, manager):
    client.force_login(manager)
    url = reverse("manage_calls:edit_part", args=[call.slug, "objectives"])
    response = client.post(
        url, formset_data("objectives", [{"number": "1", "title_nl": "Mediawijsheid", "title_en": "Media literacy"}])
    )
    assert response.status_code == 302
    objective = Objective.objects.get(call=call)
    url = reverse("manage_calls:edit_part", args=[call.slug, "criteria"])
    row = {"order": "1", "title_nl": "Bijdrage", "weight": "1", "threshold": "2.5", "objective": str(objective.pk)}
    assert client.post(url, formset_data("criteria", [row])).status_code == 302
    criterion = Criterion.objects.get(call=call)
    assert criterion.objective == objective and criterion.threshold == 2.5


def test_a_rule_without_its_value_is_refused_beside_the_field(client, call, manager):
    client.force_login(manager)
    url = reverse("manage_calls:edit_part", args=[call.slug, "rules"])
    response = client.post(
        url, formset_data("rules", [{"kind": "grant_max", "severity": "blocking", "count_lead": "on"}])
    )
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert not EligibilityRule.objects.filter(call=call).exists()
    row = {"kind": "grant_max", "severity": "blocking", "amount": "60.000", "count_lead": "on"}
    assert client.post(url, formset_data("rules", [row])).status_code == 302
    assert EligibilityRule.objects.get(call=call).amount == 60000


def test_a_criterion_threshold_above_the_scale_is_refused(client, call, manager):
    client.force_login(manager)
    url = reverse("manage_calls:edit_part", args=[call.slug, "criteria"])
    response = client.post(
        url, formset_data("criteria", [{"order": "1", "title_nl": "X", "weight": "1", "threshold": "7"}])
    )
    assert response.status_code == 200 and "error-summary" in response.content.decode()


def test_a_forged_form_count_is_refused_without_building_thousands_of_forms(client, call, manager):
    """TOTAL_FORMS is typed by the browser: a huge one is capped and answered with an error,
    not thousands of forms that keep a server busy until the gateway gives up."""
    client.force_login(manager)
    url = reverse("manage_calls:edit_part", args=[call.slug, "rules"])
    data = formset_data("rules", [{"kind": "grant_max", "severity": "blocking", "amount": "60.000"}])
    data["rules-TOTAL_FORMS"] = "99999999999999999999"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert len(response.context["formset"].forms) <= 60
    assert not EligibilityRule.objects.filter(call=call).exists()


@pytest.mark.parametrize("whose", ["archived in another window", "another call's"])
def test_a_row_that_is_not_one_of_the_calls_items_is_refused(client, call, other_call, manager, whose):
    """A stale page (the objective was archived meanwhile) or a forged id posts a row id that is
    not among the call's editable items: refused with an error, never saved as a duplicate."""
    mine = ObjectiveFactory(call=call, number=1)
    if whose == "archived in another window":
        mine.archived_at = timezone.now()
        mine.save()
        posted_id = mine.pk
    else:
        posted_id = ObjectiveFactory(call=other_call, number=1).pk
    client.force_login(manager)
    url = reverse("manage_calls:edit_part", args=[call.slug, "objectives"])
    row = {"id": str(posted_id), "number": "1", "title_nl": "Gewijzigd", "title_en": ""}
    response = client.post(url, formset_data("objectives", [row], initial=1))
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert "laad de pagina opnieuw" in response.content.decode()
    assert Objective.objects.filter(call=call).count() == 1
    assert not Objective.objects.filter(title_nl="Gewijzigd").exists()


def test_removing_an_unused_question_deletes_it(client, call, manager):
    question = QuestionFactory(call=call)
    client.force_login(manager)
    url = reverse("manage_calls:edit_part", args=[call.slug, "questions"])
    row = {
        "id": str(question.pk),
        "order": "1",
        "kind": "long_text",
        "text_nl": question.text_nl,
        "max_chars": "2000",
        "required": "on",
        "DELETE": "on",
    }
    assert client.post(url, formset_data("questions", [row], initial=1)).status_code == 302
    assert not Question.objects.filter(pk=question.pk).exists()


def test_a_question_with_answers_is_archived_not_deleted(client, call, manager, answered_question):
    client.force_login(manager)
    url = reverse("manage_calls:edit_part", args=[call.slug, "questions"])
    row = {
        "id": str(answered_question.pk),
        "order": "1",
        "kind": "long_text",
        "text_nl": answered_question.text_nl,
        "max_chars": "2000",
        "required": "on",
        "DELETE": "on",
    }
    assert client.post(url, formset_data("questions", [row], initial=1)).status_code == 302
    answered_question.refresh_from_db()
    assert answered_question.archived_at is not None
    assert answered_question.answers.count() == 1
    assert AuditEvent.objects.filter(action="item_archived", call_id=call.pk).exists()
    # Archived questions leave the public page and the edit form, but can be restored.
    page = client.get(url).content.decode()
    assert "Gearchiveerd" in page
    client.post(reverse("manage_calls:restore_item", args=[call.slug, "questions", answered_question.pk]))
    answered_question.refresh_from_db()
    assert answered_question.archived_at is None


def test_publish_and_unpublish(client, manager, call):
    Call.objects.filter(pk=call.pk).update(published=False)
    client.force_login(manager)
    client.post(reverse("manage_calls:publish", args=[call.slug]))
    assert Call.objects.get(pk=call.pk).published
    client.post(reverse("manage_calls:unpublish", args=[call.slug]))
    assert not Call.objects.get(pk=call.pk).published
    assert set(AuditEvent.objects.filter(call_id=call.pk).values_list("action", flat=True)) >= {
        "call_published",
        "call_unpublished",
    }


def test_moving_the_deadline_is_recorded_with_its_reason(client, manager, call):
    old = call.closes_at
    client.force_login(manager)
    response = client.post(
        reverse("manage_calls:deadline", args=[call.slug]),
        {"new_closes_at": "2030-05-11T18:00", "reason": "Verlengd op vraag van de sector."},
    )
    assert response.status_code == 302
    call.refresh_from_db()
    change = DeadlineChange.objects.get(call=call)
    assert change.old_closes_at == old and change.new_closes_at == call.closes_at
    assert change.changed_by == manager and change.reason == "Verlengd op vraag van de sector."
    assert timezone.localtime(call.closes_at).strftime("%Y-%m-%d %H:%M") == "2030-05-11 18:00"
    public = client.get(call.get_absolute_url()).content.decode()
    assert "Verlengd op vraag van de sector." in public


def test_a_deadline_change_needs_a_reason(client, manager, call):
    client.force_login(manager)
    response = client.post(
        reverse("manage_calls:deadline", args=[call.slug]), {"new_closes_at": "2030-05-11T18:00", "reason": " "}
    )
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    assert not DeadlineChange.objects.exists()


def test_cloning_from_the_staff_page(client, manager, call):
    ObjectiveFactory(call=call)
    client.force_login(manager)
    response = client.post(
        reverse("manage_calls:clone", args=[call.slug]),
        {
            "slug": "ronde-2",
            "title_nl": "Ronde 2",
            "opens_at": "2030-01-01T09:00",
            "closes_at": "2030-02-01T10:00",
            "exclude_funded": "on",
        },
    )
    assert response.status_code == 302
    copy = Call.objects.get(slug="ronde-2")
    assert copy.objectives.count() == 1 and not copy.published
    assert copy.eligibility_rules.filter(kind="not_funded_in", excluded_call=call).exists()


def test_cloning_onto_a_used_short_name_keeps_the_form(client, manager, call, other_call):
    client.force_login(manager)
    response = client.post(
        reverse("manage_calls:clone", args=[call.slug]),
        {
            "slug": other_call.slug,
            "title_nl": "Ronde 2",
            "opens_at": "2030-01-01T09:00",
            "closes_at": "2030-02-01T10:00",
        },
    )
    assert response.status_code == 200 and "error-summary" in response.content.decode()


def test_managing_the_reviewer_pool(client, manager, call):
    colleague = UserFactory(email="beoordelaar@example.org")
    client.force_login(manager)
    url = reverse("manage_calls:roles", args=[call.slug])
    assert client.post(url, {"email": "Beoordelaar@example.org", "role": "reviewer"}).status_code == 302
    role = CallRole.objects.get(call=call, user=colleague, role="reviewer")
    notification = Notification.objects.get(recipient=colleague, template="calls_role_added")
    assert call.title_nl in notification.subject and "beoordelaar" in notification.subject
    response = client.post(url, {"email": "niemand@example.org", "role": "reviewer"})
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    client.post(reverse("manage_calls:remove_role", args=[call.slug, role.pk]))
    assert not CallRole.objects.filter(pk=role.pk).exists()


def test_review_phase_then_archive(client, manager, call):
    client.force_login(manager)
    client.post(reverse("manage_calls:start_review", args=[call.slug]))
    call.refresh_from_db()
    assert call.review_started_at is None  # still open: refused
    Call.objects.filter(pk=call.pk).update(
        opens_at=timezone.now() - timedelta(days=9), closes_at=timezone.now() - timedelta(days=1)
    )
    client.post(reverse("manage_calls:start_review", args=[call.slug]))
    call.refresh_from_db()
    assert call.status == "review"
    client.post(reverse("manage_calls:close_review", args=[call.slug]))
    call.refresh_from_db()
    assert not call.is_review_open()
    client.post(reverse("manage_calls:archive", args=[call.slug]))
    call.refresh_from_db()
    assert call.status == "archived"


def test_criteria_edit_page_offers_only_this_calls_objectives(client, manager, call, other_call):
    ObjectiveFactory(call=call, title_nl="Eigen doelstelling")
    ObjectiveFactory(call=other_call, title_nl="Vreemde doelstelling")
    CriterionFactory(call=call)
    client.force_login(manager)
    html = client.get(reverse("manage_calls:edit_part", args=[call.slug, "criteria"])).content.decode()
    assert "Eigen doelstelling" in html and "Vreemde doelstelling" not in html
