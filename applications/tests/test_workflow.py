"""The state table of DESIGN §3: every transition from every state, through the services that
perform them. Allowed ones reach their target state; refused ones raise TransitionError and
leave the application as it was."""

from datetime import timedelta

import pytest
from django.utils import timezone

from applications import services, workflow
from applications.models import Application, Status
from applications.tests.factories import ApplicationFactory
from applications.workflow import Transition, TransitionError
from calls.models import CallRole
from calls.tests.factories import CallRoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(call):
    return CallRoleFactory(call=call, role=CallRole.Role.MANAGER).user


def _perform(transition, application, *, member, manager):
    """Call the service that performs `transition`, as the actor of the table."""
    if transition in (Transition.SUBMIT, Transition.RESUBMIT):
        return services.submit(application, declaration=True, by=member)
    if transition == Transition.REOPEN:
        return services.reopen(application, by=member)
    if transition == Transition.WITHDRAW:
        return services.withdraw(application, by=member, reason="Niet meer haalbaar")
    if transition == Transition.MARK_INCOMPLETE:
        return services.mark_incomplete(application, by=manager, missing="De begroting ontbreekt.")
    if transition == Transition.MARK_INADMISSIBLE:
        return services.mark_inadmissible(application, by=manager, motivation="Te laat ingediend.")
    if transition == Transition.MARK_ADMISSIBLE:
        return services.mark_admissible(application, by=manager)
    if transition in (Transition.AWARD, Transition.RESERVE, Transition.REJECT):
        status = {Transition.AWARD: "awarded", Transition.RESERVE: "reserve", Transition.REJECT: "rejected"}
        return services.record_decision(application, status=status[transition], by=manager)
    if transition == Transition.PUBLISH_DECISION:
        return services.publish_decision(application, by=manager)
    if transition == Transition.REVISE_DECISION:
        return services.revise_decision(application, status=Status.REJECTED, by=manager)
    raise AssertionError(transition)


# A service that is asked for the state it already produces does nothing (double clicks).
NO_OPS = {
    (Transition.SUBMIT, Status.SUBMITTED),
    (Transition.RESUBMIT, Status.SUBMITTED),
    (Transition.WITHDRAW, Status.WITHDRAWN),
    (Transition.AWARD, Status.AWARDED),
    (Transition.RESERVE, Status.RESERVE),
    (Transition.REJECT, Status.REJECTED),
}

# `services.submit` chooses SUBMIT for a draft and RESUBMIT for an incomplete application.
SERVICE_CHOOSES_OTHER = {(Transition.SUBMIT, Status.INCOMPLETE), (Transition.RESUBMIT, Status.DRAFT)}

CASES = [(t, s) for t in Transition if t != Transition.START for s in Status]


def _in_state(application, status):
    Application.objects.filter(pk=application.pk).update(
        status=status,
        reference="DES-2026-0099" if status != Status.DRAFT else None,
        submitted_at=None if status == Status.DRAFT else timezone.now() - timedelta(days=1),
        completion_deadline=timezone.now() + timedelta(days=7) if status == Status.INCOMPLETE else None,
    )
    application.refresh_from_db()
    return application


@pytest.mark.parametrize(("transition", "source"), CASES, ids=[f"{t}-from-{s}" for t, s in CASES])
def test_every_transition_from_every_state(transition, source, complete, member, manager):
    application = _in_state(complete, source)
    row = workflow.row_for(transition)
    if transition == Transition.REVISE_DECISION and source in row.sources:
        # A revision (granted reconsideration) starts from a published decision.
        Application.objects.filter(pk=application.pk).update(decision_published_at=timezone.now())
        application.refresh_from_db()
    actor = member if row.actor == workflow.Actor.APPLICANT else manager
    assert (workflow.refusal(application, transition, by=actor) is None) == (source in row.sources)
    if (transition, source) in SERVICE_CHOOSES_OTHER:
        return
    if (transition, source) in NO_OPS:
        result = _perform(transition, application, member=member, manager=manager)
        assert result.status == source
        return
    if source in row.sources:
        result = _perform(transition, application, member=member, manager=manager)
        result.refresh_from_db()
        if transition == Transition.REVISE_DECISION:  # revised, and taken back until re-published
            assert result.status == Status.REJECTED and result.decision_published_at is None
        elif row.target is None:  # publishing keeps the status and makes it visible
            assert result.status == source and result.decision_published_at is not None
        else:
            assert result.status == row.target
    else:
        with pytest.raises(TransitionError) as refused:
            _perform(transition, application, member=member, manager=manager)
        assert str(refused.value)
        application.refresh_from_db()
        assert application.status == source


def test_start_creates_a_draft_in_an_open_call(call, member):
    application, created = services.start(call, by=member, organisation=member.organisation)
    assert created and application.status == Status.DRAFT


def test_start_is_refused_when_the_call_is_closed(call, member):
    call.closes_at = timezone.now() - timedelta(minutes=1)
    call.save()
    with pytest.raises(TransitionError, match="gesloten|closed"):
        services.start(call, by=member, organisation=member.organisation)


def test_start_is_refused_for_an_organisation_the_user_does_not_belong_to(call, member, organisation):
    with pytest.raises(TransitionError):
        services.start(call, by=member, organisation=organisation)


def test_several_drafts_only_when_the_call_allows_them(call, member):
    first, _ = services.start(call, by=member, organisation=member.organisation)
    again, created = services.start(call, by=member, organisation=member.organisation)
    assert again == first and not created
    call.allow_multiple_drafts = True
    call.save()
    other, created = services.start(call, by=member, organisation=member.organisation)
    assert created and other != first


@pytest.mark.parametrize(
    "transition",
    [Transition.MARK_ADMISSIBLE, Transition.MARK_INCOMPLETE, Transition.MARK_INADMISSIBLE],
)
def test_applicant_cannot_take_staff_transitions(transition, complete, member):
    application = _in_state(complete, Status.SUBMITTED)
    with pytest.raises(TransitionError):
        _perform(transition, application, member=member, manager=member)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_staff_cannot_submit_or_withdraw_for_the_applicant(complete, manager):
    with pytest.raises(TransitionError):
        services.submit(complete, declaration=True, by=manager)
    with pytest.raises(TransitionError):
        services.withdraw(complete, by=manager)


def test_a_manager_of_another_call_cannot_decide(complete):
    application = _in_state(complete, Status.IN_REVIEW)
    outsider = CallRoleFactory(role=CallRole.Role.MANAGER).user
    with pytest.raises(TransitionError):
        services.record_decision(application, status="awarded", by=outsider)


def test_reopen_is_refused_after_the_deadline(complete, member):
    application = services.submit(complete, declaration=True, by=member)
    later = application.call.closes_at + timedelta(seconds=1)
    with pytest.raises(TransitionError, match="12|:"):
        services.reopen(application, by=member, now=later)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_reopen_keeps_the_reference_and_resubmitting_keeps_it_too(complete, member):
    application = services.submit(complete, declaration=True, by=member)
    reference = application.reference
    application = services.reopen(application, by=member)
    assert application.status == Status.DRAFT and application.reference == reference
    application = services.submit(application, declaration=True, by=member)
    assert application.reference == reference


def test_incomplete_application_resubmits_before_the_completion_deadline_only(complete, member, manager):
    application = services.submit(complete, declaration=True, by=member)
    deadline = timezone.now() + timedelta(days=7)
    application = services.mark_incomplete(application, by=manager, missing="Intentieverklaring", deadline=deadline)
    with pytest.raises(TransitionError):
        services.submit(application, declaration=True, by=member, now=deadline + timedelta(seconds=1))
    application = services.submit(application, declaration=True, by=member, now=deadline - timedelta(minutes=1))
    assert application.status == Status.SUBMITTED


def test_incomplete_default_deadline_is_the_calls_completion_days(complete, member, manager):
    application = services.submit(complete, declaration=True, by=member)
    before = timezone.now()
    application = services.mark_incomplete(application, by=manager, missing="Begroting")
    expected = before + timedelta(days=application.call.completion_days)
    assert abs((application.completion_deadline - expected).total_seconds()) < 60


def test_inadmissible_needs_a_motivation(complete, member, manager):
    application = services.submit(complete, declaration=True, by=member)
    with pytest.raises(TransitionError):
        services.mark_inadmissible(application, by=manager, motivation="  ")
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_incomplete_needs_to_say_what_is_missing(complete, member, manager):
    application = services.submit(complete, declaration=True, by=member)
    with pytest.raises(TransitionError):
        services.mark_incomplete(application, by=manager, missing="")


def test_published_decision_cannot_change_except_reserve_to_awarded(complete, manager):
    application = _in_state(complete, Status.IN_REVIEW)
    application = services.record_decision(application, status="reserve", by=manager)
    application = services.publish_decision(application, by=manager)
    with pytest.raises(TransitionError):
        services.record_decision(application, status="rejected", by=manager)
    application = services.record_decision(application, status="awarded", by=manager)
    assert application.status == Status.AWARDED
    with pytest.raises(TransitionError):
        services.record_decision(application, status="rejected", by=manager)


def test_unpublished_decision_may_change_between_decided_statuses(complete, manager):
    application = _in_state(complete, Status.IN_REVIEW)
    application = services.record_decision(application, status="awarded", by=manager)
    application = services.record_decision(application, status="rejected", by=manager)
    assert application.status == Status.REJECTED


def test_decision_stays_hidden_until_published(complete, manager):
    application = _in_state(complete, Status.IN_REVIEW)
    application = services.record_decision(application, status="rejected", by=manager)
    assert application.visible_status == Status.IN_REVIEW
    application = services.publish_decision(application, by=manager)
    assert application.visible_status == Status.REJECTED


def test_every_state_change_is_in_the_audit_log(complete, member, manager):
    from portal import audit

    application = services.submit(complete, declaration=True, by=member)
    services.mark_admissible(application, by=manager)
    actions = list(audit.events_for(application).values_list("action", flat=True))
    assert "submitted" in actions and "marked_admissible" in actions


def test_withdraw_by_a_member_of_another_organisation_is_refused(complete):
    stranger_application = ApplicationFactory()
    with pytest.raises(TransitionError):
        services.withdraw(complete, by=stranger_application.created_by)


def test_an_unpublished_decision_is_changed_directly_not_revised(complete, manager):
    application = _in_state(complete, Status.AWARDED)
    with pytest.raises(TransitionError):
        services.revise_decision(application, status=Status.REJECTED, by=manager)
