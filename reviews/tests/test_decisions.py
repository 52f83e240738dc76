"""Recording, applying and publishing decisions, and the e-mails they send."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications.workflow import TransitionError
from portal.models import AuditEvent, Notification
from portal.notifications import history_for
from reviews import decisions
from reviews.models import Decision, DecisionEmailTemplate

from .ranking_data import D, application, closed_call, criterion, manager_of, member_of, review

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return closed_call(total_budget=D("100000"), overall_threshold=D("50"))


@pytest.fixture
def manager(call):
    return manager_of(call)


@pytest.fixture
def scored_app(call):
    c = criterion(call, threshold="2.5")
    app = application(call, requested=60000)
    review(app, {c: 4})
    return app


def test_an_award_needs_an_amount_up_to_the_requested_one_and_a_motivation(scored_app, manager):
    with pytest.raises(ValidationError) as error:
        decisions.award(scored_app, granted_amount=D("60000.01"), motivation="", by=manager)

    assert set(error.value.message_dict) == {"granted_amount", "motivation"}
    with pytest.raises(ValidationError) as error:
        decisions.award(scored_app, granted_amount=None, motivation="Sterk", by=manager)
    assert set(error.value.message_dict) == {"granted_amount"}
    scored_app.refresh_from_db()
    assert scored_app.status == "in_review"
    assert not Decision.objects.exists()


def test_an_award_records_the_decision_and_moves_the_application_but_shows_nothing_yet(scored_app, manager):
    decision = decisions.award(scored_app, granted_amount=D("55000"), motivation="Sterk project.", by=manager)

    scored_app.refresh_from_db()
    assert scored_app.status == "awarded"
    assert scored_app.visible_status == "in_review"
    assert decision.granted_amount == D("55000")
    assert decision.published_at is None
    assert decision.decided_by == manager
    event = AuditEvent.objects.for_object(decision).get(action="decided")
    assert event.actor == manager
    assert event.call_id == scored_app.call_id
    assert event.data["granted_amount"] == "55000"
    assert event.data["motivation"] == "Sterk project."
    assert not Notification.objects.exists()


def test_a_rejection_needs_a_motivation_and_a_reserve_decision_gets_a_default_one(call, scored_app, manager):
    with pytest.raises(ValidationError) as error:
        decisions.reject(scored_app, motivation="  ", by=manager)
    assert "motivation" in error.value.message_dict

    decision = decisions.reserve(scored_app, by=manager)

    assert decision.outcome == "reserve"
    assert "reservelijst" in decision.motivation
    assert decision.granted_amount is None


def test_a_decision_can_change_until_it_is_published(scored_app, manager):
    decisions.award(scored_app, granted_amount=D("50000"), motivation="Goed.", by=manager)
    decision = decisions.reject(scored_app, motivation="Toch niet.", by=manager)

    scored_app.refresh_from_db()
    assert scored_app.status == "rejected"
    assert decision.granted_amount is None
    assert Decision.objects.count() == 1
    assert AuditEvent.objects.for_object(decision).filter(action="decision_changed").exists()

    decisions.publish(scored_app.call, by=manager)
    with pytest.raises((ValidationError, TransitionError)):
        decisions.award(scored_app, granted_amount=D("50000"), motivation="Toch wel.", by=manager)


def test_someone_who_does_not_manage_the_call_cannot_decide(scored_app, user):
    with pytest.raises(TransitionError):
        decisions.award(scored_app, granted_amount=D("50000"), motivation="Goed.", by=user)
    assert not Decision.objects.exists()


def proposal_call():
    """Budget 100 000: A (60 000) funded, B (50 000) reserve, F failing, U unscored."""
    call = closed_call(total_budget=D("100000"), funding_policy="strict")
    relevance = criterion(call, threshold="2.5", title_nl="Relevantie")
    quality = criterion(call, threshold="2.5", title_nl="Kwaliteit")
    apps = {
        "A": application(call, title="A", requested=60000),
        "B": application(call, title="B", requested=50000),
        "F": application(call, title="F", requested=20000),
        "U": application(call, title="U", requested=20000),
    }
    review(apps["A"], {relevance: 5, quality: 4})
    review(apps["B"], {relevance: 4, quality: 3})
    review(apps["F"], {relevance: 2, quality: 5})
    return call, apps


def test_applying_the_proposal_awards_above_the_line_reserves_below_and_rejects_the_failing():
    call, apps = proposal_call()
    manager = manager_of(call)

    applied = decisions.apply_proposal(call, by=manager)

    outcomes = {d.application.title: d for d in Decision.objects.select_related("application")}
    assert outcomes["A"].outcome == "award" and outcomes["A"].granted_amount == D("60000")
    assert outcomes["B"].outcome == "reserve"
    assert outcomes["F"].outcome == "reject"
    assert "Relevantie" in outcomes["F"].motivation and "2,00" in outcomes["F"].motivation
    assert "U" not in outcomes
    assert (len(applied.awarded), len(applied.reserved), len(applied.rejected), applied.unscored) == (1, 1, 1, 1)
    statuses = {a.title: a.status for a in call.applications.all()}
    assert statuses == {"A": "awarded", "B": "reserve", "F": "rejected", "U": "in_review"}
    assert all(d.published_at is None for d in outcomes.values())
    assert AuditEvent.objects.filter(action="ranking_proposal_applied", call_id=call.pk).exists()


def test_applying_the_proposal_uses_the_what_if_amount_and_leaves_earlier_decisions_alone():
    from reviews.ranking import propose_grant

    call, apps = proposal_call()
    manager = manager_of(call)
    propose_grant(apps["A"], amount=D("45000"), by=manager)
    decisions.reject(apps["B"], motivation="Past niet in het programma.", by=manager)

    applied = decisions.apply_proposal(call, by=manager)

    assert Decision.objects.get(application=apps["A"]).granted_amount == D("45000")
    assert Decision.objects.get(application=apps["B"]).motivation == "Past niet in het programma."
    assert applied.already_decided == 1


def test_publishing_opens_the_decisions_and_emails_every_member_from_the_template(
    call, scored_app, manager, django_capture_on_commit_callbacks
):
    owner = member_of(scored_app.lead_organisation, full_name="Eva Aanvrager", preferred_language="nl")
    colleague = member_of(scored_app.lead_organisation, full_name="John Applicant", preferred_language="en")
    decisions.award(scored_app, granted_amount=D("55000"), motivation="Sterk en haalbaar project.", by=manager)

    with django_capture_on_commit_callbacks(execute=True):
        count = decisions.publish(call, by=manager)

    assert count == 1
    scored_app.refresh_from_db()
    decision = scored_app.decision
    assert decision.published_at is not None
    assert scored_app.decision_published_at == decision.published_at
    assert scored_app.visible_status == "awarded"
    call.refresh_from_db()
    assert call.decisions_published_at == decision.published_at

    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {owner.email, colleague.email}
    dutch, english = by_address[owner.email], by_address[colleague.email]
    assert "subsidie toegekend" in dutch.subject and scored_app.reference in dutch.subject
    assert "€ 55.000" in dutch.body and "Sterk en haalbaar project." in dutch.body
    assert "Beste Eva Aanvrager" in dutch.body
    assert "grant awarded" in english.subject and "€55,000" in english.body
    assert reverse("summary:detail", args=[scored_app.pk]) in dutch.body
    # Every sent e-mail is logged on its application.
    assert set(history_for(scored_app).values_list("email", flat=True)) == {owner.email, colleague.email}
    assert AuditEvent.objects.for_object(decision).filter(action="decision_published", actor=manager).exists()
    assert AuditEvent.objects.filter(action="decisions_published", call_id=call.pk).exists()


def test_the_calls_own_template_replaces_the_default(call, scored_app, manager, django_capture_on_commit_callbacks):
    member_of(scored_app.lead_organisation, preferred_language="nl")
    decisions.save_email_template(
        call,
        outcome="award",
        language="nl",
        subject="Proficiat {{ organisation }}",
        body="Toegekend: {{ granted_amount }} voor {{ title }}.\n{{ summary_url }}",
        by=manager,
    )
    decisions.award(scored_app, granted_amount=D("40000"), motivation="Goed.", by=manager)

    with django_capture_on_commit_callbacks(execute=True):
        decisions.publish(call, by=manager)

    (message,) = mail.outbox
    assert message.subject == f"Proficiat {scored_app.lead_organisation.name}"
    assert message.body.startswith(f"Toegekend: € 40.000 voor {scored_app.title}.")


def test_the_calls_decisions_count_as_published_only_when_nothing_is_left_undecided(manager):
    call, apps = proposal_call()
    manager = manager_of(call)
    decisions.award(apps["A"], granted_amount=D("60000"), motivation="Goed.", by=manager)

    assert decisions.publish(call, by=manager) == 1
    call.refresh_from_db()
    assert call.decisions_published_at is None  # B, F and U are still in review
    assert decisions.publish(call, by=manager) == 0


def test_reviewer_names_never_reach_the_decision_email(call, manager, django_capture_on_commit_callbacks):
    from accounts.tests.factories import UserFactory

    c = criterion(call, threshold="2.5")
    app = application(call)
    reviewer = UserFactory(full_name="Zoltan Quibblesworth", email="zoltan.q@reviewers.example.org")
    review(app, {c: 4}, reviewer=reviewer, comments={c: "Een helder plan."}, overall="Overtuigend.")
    member_of(app.lead_organisation)
    decisions.award(app, granted_amount=D("10000"), motivation="Goed plan.", by=manager)

    with django_capture_on_commit_callbacks(execute=True):
        decisions.publish(call, by=manager)

    (message,) = mail.outbox
    for secret in ("Zoltan", "Quibblesworth", "zoltan.q@", "reviewers.example.org"):
        assert secret not in message.subject and secret not in message.body


def test_a_reserve_application_is_awarded_when_budget_frees_and_is_notified_at_once(
    django_capture_on_commit_callbacks,
):
    call, apps = proposal_call()
    manager = manager_of(call)
    member = member_of(apps["B"].lead_organisation)
    decisions.apply_proposal(call, by=manager)
    decisions.publish(call, by=manager)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        decision = decisions.award_reserve(
            apps["B"], granted_amount=D("50000"), motivation="Budget vrijgekomen.", by=manager
        )

    apps["B"].refresh_from_db()
    assert apps["B"].status == "awarded"
    assert decision.published_at is not None
    (message,) = mail.outbox
    assert message.to == [member.email]
    assert "Budget vrijgekomen." in message.body
    # 60 000 + 50 000 on a budget of 100 000: shown as an overrun, not refused.
    from reviews.ranking import ranking_for

    assert ranking_for(call).overrun == D("10000")
    assert [n.template for n in history_for(apps["B"]).order_by("created_at", "pk")] == [
        "reviews_decision_reserve",
        "reviews_decision_award",
    ]


def test_only_a_published_reserve_decision_can_be_awarded_that_way(scored_app, manager):
    decisions.reserve(scored_app, by=manager)

    with pytest.raises(ValidationError):
        decisions.award_reserve(scored_app, granted_amount=D("1000"), motivation="Nu al?", by=manager)


@pytest.mark.parametrize(
    "text, fine",
    [
        ("Beste {{ applicant }}, {{organisation}} krijgt {{ granted_amount }}.", True),
        ("{{ reviewer }}", False),
        ("{% debug %}", False),
        ("{% include 'x.html' %}", False),
        ("{{ title|upper }}", False),
        ("{# comment #}", False),
        ("{{ title }", False),
    ],
)
def test_decision_templates_allow_only_the_known_placeholders(text, fine):
    assert (decisions.template_problems(text) == []) is fine


def test_saving_an_invalid_template_is_refused_with_the_reason(call, manager):
    with pytest.raises(ValidationError) as error:
        decisions.save_email_template(call, outcome="reject", language="en", subject="", body="{{ foo }}", by=manager)

    assert set(error.value.message_dict) == {"subject", "body"}
    assert "{{ foo }}" in " ".join(error.value.message_dict["body"])
    assert not DecisionEmailTemplate.objects.exists()


def test_every_default_template_renders_with_every_placeholder():
    for outcome in ("award", "reserve", "reject"):
        for language in ("nl", "en"):
            subject, body = decisions.default_template(outcome, language)
            assert decisions.template_problems(subject) == [] and decisions.template_problems(body) == []
            rendered_subject, rendered_body = decisions.render_template(
                subject, body, {"reference": "LB-2021-0001", "motivation": "MOTIVATIE", "summary_url": "URL"}
            )
            assert "LB-2021-0001" in rendered_subject
            assert "MOTIVATIE" in rendered_body and "URL" in rendered_body


def test_an_application_withdrawn_before_publication_is_left_out_of_the_publication(call, scored_app, manager):
    from applications import services as application_services

    decisions.award(scored_app, granted_amount=D("50000"), motivation="Goed.", by=manager)
    applicant = member_of(scored_app.lead_organisation)
    application_services.withdraw(scored_app, by=applicant, reason="Partner haakte af.")
    assert decisions.publish(call, by=manager) == 0
    scored_app.refresh_from_db()
    assert scored_app.status == "withdrawn" and scored_app.decision_published_at is None
    call.refresh_from_db()
    assert call.decisions_published_at is not None
