"""Call services: content is sacred, rounds, deadlines and the demo seed."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Membership, Organisation, User
from calls import services, signals
from calls.models import (
    Call,
    CallRole,
    Criterion,
    DeadlineChange,
    EligibilityRule,
    Objective,
    Question,
    RequiredDocument,
)
from calls.seed import DES, DES_DEMO, LB, LB2, LB_DEMO, DemoRefused, seed_calls
from calls.tests.conftest import brussels, make_application
from calls.tests.factories import CriterionFactory, ObjectiveFactory, QuestionFactory, RequiredDocumentFactory

pytestmark = pytest.mark.django_db


# --- Content is sacred ---------------------------------------------------------------------------


def test_a_criterion_with_a_consensus_score_is_archived(call, user):
    criterion = CriterionFactory(call=call)
    criterion.consensus_scores.create(application=make_application(call), score=3, justification="Eens.")
    assert services.remove_item(criterion, by=user) == "archived"
    assert Criterion.objects.get(pk=criterion.pk).archived_at is not None


def test_an_objective_chosen_by_an_application_is_archived(call, user):
    objective = ObjectiveFactory(call=call)
    make_application(call).objectives.add(objective)
    assert services.remove_item(objective, by=user) == "archived"
    assert Objective.objects.filter(pk=objective.pk).exists()


def test_unused_parts_are_deleted(call, user):
    items = [
        QuestionFactory(call=call),
        CriterionFactory(call=call),
        RequiredDocumentFactory(call=call),
        ObjectiveFactory(call=call),
    ]
    assert [services.remove_item(item, by=user) for item in items] == ["deleted"] * 4
    assert not Question.objects.exists() and not RequiredDocument.objects.exists()


def test_an_answer_keeps_its_question_after_archiving(call, user, answered_question):
    services.remove_item(answered_question, by=user)
    answer = answered_question.answers.get()
    assert answer.question_id == answered_question.pk and answer.question_text == answered_question.text


# --- Deadline -------------------------------------------------------------------------------------


def test_changing_the_deadline_records_it_and_tells_downstream_apps(call, user):
    received = []
    signals.deadline_changed.connect(lambda sender, **kw: received.append(kw), weak=False, dispatch_uid="t")
    try:
        new = brussels(2030, 5, 11, 18)
        change = services.change_deadline(call, new_closes_at=new, reason="Verlengd.", by=user)
    finally:
        signals.deadline_changed.disconnect(dispatch_uid="t")
    assert Call.objects.get(pk=call.pk).closes_at == new
    assert received and received[0]["change"] == change and received[0]["call"].pk == call.pk


def test_a_deadline_before_the_opening_is_refused(call, user):
    with pytest.raises(ValidationError):
        services.change_deadline(call, new_closes_at=call.opens_at - timedelta(hours=1), reason="Fout", by=user)
    assert not DeadlineChange.objects.exists()


# --- Rounds ------------------------------------------------------------------------------------


def test_cloning_the_local_authority_call_copies_everything(lb, user):
    copy = services.clone_call(
        lb,
        by=user,
        slug="lokale-besturen-2021-ronde-2",
        title_nl="Tweede ronde",
        opens_at=brussels(2021, 9, 1, 9),
        closes_at=brussels(2021, 10, 1, 10),
        exclude_funded=True,
    )
    assert not copy.published and copy.cloned_from == lb
    assert copy.objectives.count() == 6 and copy.criteria.count() == 4
    assert copy.questions.count() == lb.questions.count() and copy.documents.count() == 4
    kinds = sorted(copy.eligibility_rules.values_list("kind", flat=True))
    assert kinds == sorted([*lb.eligibility_rules.values_list("kind", flat=True), "not_funded_in"])
    assert copy.eligibility_rules.get(kind="not_funded_in").excluded_call == lb
    assert lb.objectives.count() == 6  # the original is untouched
    assert not copy.deadline_changes.exists()


def test_cloned_criteria_point_at_the_new_rounds_objectives(des, user):
    copy = services.clone_call(
        des,
        by=user,
        slug="des-2",
        title_nl="Desinformatie 2",
        opens_at=brussels(2023, 3, 1, 9),
        closes_at=brussels(2023, 5, 1, 12),
    )
    for criterion in copy.criteria.select_related("objective"):
        assert criterion.objective.call_id == copy.pk
    assert not copy.eligibility_rules.filter(kind="not_funded_in").exists()


# --- Seed ------------------------------------------------------------------------------------------


def counts():
    models = [
        Call,
        Objective,
        Criterion,
        Question,
        RequiredDocument,
        EligibilityRule,
        DeadlineChange,
        CallRole,
        User,
        Organisation,
        Membership,
    ]
    return {model.__name__: model.objects.count() for model in models}


def test_the_seed_creates_both_calls_exactly(des, lb):
    assert (des.reference_prefix, lb.reference_prefix) == ("DES", "LB")
    assert des.total_budget == 3_000_000 and lb.total_budget == 818_573
    assert des.published and lb.published and des.status == "closed"
    assert timezone.localtime(lb.closes_at).strftime("%A %d %B %Y %H:%M") == "Tuesday 11 May 2021 18:00"
    change = lb.deadline_changes.get()
    assert timezone.localtime(change.old_closes_at).strftime("%d %B %Y %H:%M") == "16 April 2021 12:00"
    assert des.objectives.count() == 4 and lb.objectives.count() == 6
    for criterion in des.criteria.all():
        assert (criterion.weight, criterion.threshold, criterion.objective.number) == (1, 2.5, criterion.order)
    assert des.overall_threshold == 50 and des.score_step == 0.5 and des.max_score == 5
    assert lb.eligibility_rules.get(kind="grant_max").amount == 60000
    share = lb.eligibility_rules.get(kind="max_grant_share")
    assert share.percent == 80 and share.waiver_allowed
    assert des.title_en and lb.description_en and des.eligible_applicants_nl


def test_the_seed_twice_changes_nothing(settings, only_calls_demo):
    seed_calls(demo=True, allow_without_debug=True)
    before = counts()
    updated = dict(Call.objects.values_list("slug", "updated_at"))
    seed_calls(demo=True, allow_without_debug=True)
    assert counts() == before
    assert dict(Call.objects.values_list("slug", "updated_at")) == updated


def test_the_demo_seed_opens_copies_and_creates_the_demo_people(only_calls_demo):
    result = seed_calls(demo=True, allow_without_debug=True)
    assert set(result["calls"]) == {DES, LB, LB2, DES_DEMO, LB_DEMO}
    for slug in (DES_DEMO, LB_DEMO):
        call = result["calls"][slug]
        assert call.is_open()
        assert (call.closes_at - timezone.now()).days in (59, 60)
        assert timezone.localtime(call.closes_at).hour == 12
    rule = result["calls"][LB_DEMO].eligibility_rules.get(kind="project_dates")
    assert rule.start_from > timezone.localdate() and (rule.end_by - rule.start_from).days in (364, 365)
    users = result["users"]
    assert set(users) == {"admin", "manager", "reviewer1", "reviewer2", "reviewer3", "applicant", "media"}
    assert users["admin"].is_superuser and users["admin"].check_password("oproep-demo")
    assert users["applicant"].emailaddress_set.get().verified
    for call in result["calls"].values():
        assert CallRole.objects.filter(call=call, user=users["manager"], role="manager").exists()
        assert CallRole.objects.filter(call=call, role="reviewer").count() == 3
    organisations = result["organisations"]
    assert organisations["gemeente"].kind == "municipality" and organisations["gemeente"].kbo_number
    assert organisations["onderzoek"].kind == "research" and organisations["media"].kind == "news_media"
    assert Membership.objects.filter(user=users["applicant"], role="owner").count() == 2


def test_the_demo_seed_tells_downstream_apps(only_calls_demo):
    receiver = mock.Mock()
    signals.demo_seeded.connect(receiver, weak=False, dispatch_uid="test")
    try:
        seed_calls(demo=True, allow_without_debug=True)
    finally:
        signals.demo_seeded.disconnect(dispatch_uid="test")
    kwargs = receiver.call_args.kwargs
    assert set(kwargs["calls"]) == {DES, LB, LB2, DES_DEMO, LB_DEMO} and "media" in kwargs["organisations"]


def test_demo_accounts_are_refused_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(DemoRefused):
        seed_calls(demo=True)
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_calls", "--demo")
    assert not User.objects.exists() and not Call.objects.exists()


def test_the_real_calls_may_be_seeded_without_debug(settings):
    settings.DEBUG = False
    call_command("seed_calls")
    assert Call.objects.count() == 3 and not User.objects.exists()  # DES and both LB rounds
