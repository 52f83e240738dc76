"""The call cockpit (issue 12): the figures of a known call, the phase, a fixed number of
queries at two sizes, the manager's reminder of overdue reviews, and events in words."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.tests.factories import UserFactory
from applications.tests.factories import ApplicationFactory
from calls import services as call_services
from calls.models import CallRole
from calls.tests.factories import CallFactory, CallRoleFactory, CriterionFactory
from portal import audit
from portal.models import Notification
from reviews import services
from reviews.cockpit import cockpit_for
from reviews.models import Decision
from reviews.tests.factories import AssignmentFactory, DecisionFactory, ReviewFactory, ScoreFactory

pytestmark = pytest.mark.django_db

D = Decimal


def _call(**fields):
    now = timezone.now()
    defaults = dict(
        opens_at=now - timedelta(days=40),
        closes_at=now - timedelta(days=10),
        review_started_at=now - timedelta(days=9),
        reviews_required=2,
        total_budget=D("200000"),
    )
    return CallFactory(**{**defaults, **fields})


def _app(call, status, requested="10000", submitted=True):
    return ApplicationFactory(
        call=call,
        status=status,
        requested_amount=D(requested),
        submitted_at=call.closes_at - timedelta(days=1) if submitted else None,
        reference=f"{call.reference_prefix}-2026-{ApplicationFactory._meta.model.objects.count() + 1:04d}"
        if submitted
        else None,
    )


def _manager(call):
    return CallRoleFactory(call=call, role=CallRole.Role.MANAGER, user=UserFactory()).user


def _assign(application, *, done=False, draft=False, due_in_days=5, conflict=False, reviewer=None, scores=None):
    assignment = AssignmentFactory(
        application=application,
        reviewer=reviewer or UserFactory(),
        declared_at=timezone.now(),
        conflict=conflict,
        due_at=timezone.now() + timedelta(days=due_in_days),
    )
    if done or draft:
        review = ReviewFactory(assignment=assignment, submitted_at=timezone.now() if done else None)
        for criterion, score in (scores or {}).items():
            ScoreFactory(review=review, criterion=criterion, score=D(str(score)))
    return assignment


@pytest.fixture
def known_call():
    """2 drafts; 7 received: 1 waiting, 1 incomplete, 1 inadmissible, 1 withdrawn, 3 admitted.
    Admitted: A (2 reviews done), B (1 done, 1 draft), C (1 overdue, 1 released by a conflict).
    One decision recorded on A, not published."""
    call = _call()
    criterion = CriterionFactory(call=call, order=1)
    for _n in range(2):
        _app(call, "draft", submitted=False)
    _app(call, "submitted", requested="20000")
    _app(call, "incomplete", requested="30000")
    _app(call, "inadmissible", requested="40000")
    _app(call, "withdrawn", requested="99000")
    a = _app(call, "in_review", requested="50000")
    b = _app(call, "in_review", requested="60000")
    c = _app(call, "in_review", requested="70000")
    _assign(a, done=True, scores={criterion: 4})
    _assign(a, done=True, scores={criterion: 4})
    _assign(b, done=True, scores={criterion: "2.5"})
    _assign(b, draft=True)
    late = _assign(c, due_in_days=-2)
    _assign(c, conflict=True, due_in_days=-2)
    DecisionFactory(application=a, outcome=Decision.Outcome.AWARD, granted_amount=D("45000"))
    return {"call": call, "criterion": criterion, "late": late, "a": a, "b": b, "c": c}


def test_the_figures_of_a_known_call(known_call):
    from django.utils import translation

    with translation.override("nl"):  # the chart labels are numbers in the reader's language
        cockpit = cockpit_for(known_call["call"])
    f = cockpit.figures
    assert (f.drafts, f.submitted, f.waiting, f.incomplete, f.inadmissible, f.withdrawn) == (2, 7, 1, 1, 1, 1)
    assert (f.admissible, f.fully_assigned, f.assigned) == (3, 2, 5)
    assert (f.reviews_done, f.reviews_required, f.reviews_in_progress, f.overdue) == (3, 6, 1, 1)
    assert (f.decided, f.published) == (1, 0)
    # Withdrawn applications ask for nothing any more.
    assert f.requested_submitted == D("20000") + D("30000") + D("40000") + D("50000") + D("60000") + D("70000")
    assert f.requested_admissible == D("180000")
    assert f.awarded == D("45000")
    assert cockpit.phase == "decisions"
    assert [s.state for s in cockpit.steps] == ["done"] * 5 + ["current", "upcoming", "upcoming"]
    assert [a.pk for a in cockpit.overdue] == [known_call["late"].pk]
    scores = cockpit.charts["scores"]
    four, two_and_a_half = scores["labels"].index("4"), scores["labels"].index("2,5")
    assert scores["datasets"][0]["data"][four] == 2 and scores["datasets"][0]["data"][two_and_a_half] == 1
    assert sum(cockpit.charts["submissions"]["counts"]) == 7
    assert cockpit.charts["reviews"]["values"] == [3, 1, 1, 1]  # done, in progress, not started, unassigned
    assert cockpit.charts["budget"]["values"] == [200000.0, 270000.0, 180000.0, 45000.0]


@pytest.mark.parametrize(
    "fields, expected",
    [
        (dict(review_started_at=None, published=False, closes_at_days=30), None),
        (dict(review_started_at=None, closes_at_days=30), "open"),
        (dict(review_started_at=None), "closed"),
    ],
)
def test_the_phase_before_the_review(fields, expected):
    days = fields.pop("closes_at_days", -10)
    call = _call(closes_at=timezone.now() + timedelta(days=days), **fields)
    assert cockpit_for(call).phase == expected


def test_the_phase_follows_the_work():
    call = _call(review_started_at=None)
    app = _app(call, "submitted")
    assert cockpit_for(call).phase == "closed"
    app.status = "in_review"
    app.save()
    assert cockpit_for(call).phase == "admissibility"
    call.review_started_at = timezone.now()
    call.save()
    assert cockpit_for(call).phase == "review"
    _assign(app, done=True)
    _assign(app, done=True)
    assert cockpit_for(call).phase == "ranking"
    DecisionFactory(application=app, outcome=Decision.Outcome.REJECT)
    assert cockpit_for(call).phase == "decisions"
    Decision.objects.update(published_at=timezone.now())
    call.decisions_published_at = timezone.now()
    call.save()
    assert cockpit_for(call).phase == "published"
    Decision.objects.update(outcome=Decision.Outcome.AWARD)
    assert cockpit_for(call).phase == "grants"


def _grow(call, n):
    criterion = CriterionFactory(call=call, order=1)
    for _i in range(n):
        app = _app(call, "in_review")
        _assign(app, done=True, scores={criterion: 3})
        _assign(app, due_in_days=-1)
        _app(call, "draft", submitted=False)
    DecisionFactory(application=app)


@pytest.mark.parametrize("size", [1, 12])
def test_the_cockpit_needs_a_fixed_number_of_queries(size, client, django_assert_num_queries):
    call = _call()
    _grow(call, size)
    with django_assert_num_queries(7):
        cockpit = cockpit_for(call)
    assert cockpit.figures.admissible == size
    manager = _manager(call)
    client.force_login(manager)
    url = reverse("manage_calls:detail", args=[call.slug])
    client.get(url)  # warm the per-process caches (content types, sessions)
    with CaptureQueriesContext(connection) as page:
        response = client.get(url)
    assert response.status_code == 200
    # 7 for the cockpit, the rest for the page: session, user, the call, its rules and objectives,
    # and one for the navigation (the kinds of call role the user holds).
    assert len(page) <= 22, [q["sql"] for q in page.captured_queries]
    test_the_cockpit_needs_a_fixed_number_of_queries.counts[size] = len(page)
    if len(test_the_cockpit_needs_a_fixed_number_of_queries.counts) == 2:
        assert len(set(test_the_cockpit_needs_a_fixed_number_of_queries.counts.values())) == 1


test_the_cockpit_needs_a_fixed_number_of_queries.counts = {}


def test_the_page_shows_the_figures_and_the_phase(client, known_call):
    call = known_call["call"]
    client.force_login(_manager(call))
    html = client.get(reverse("manage_calls:detail", args=[call.slug])).content.decode()
    assert 'data-testid="figure-submitted">7<' in html
    assert 'data-testid="figure-reviews">3 van 6<' in html
    assert 'aria-current="step" ' not in html or 'data-phase="decisions" aria-current="step"' in html
    assert 'data-phase="decisions" aria-current="step"' in html
    assert "cockpit-charts" in html and "vendor/chartjs/chart.umd.min.js" in html
    assert "cdn" not in html.lower()
    assert reverse("manage_reviews:remind", args=[call.slug]) in html


# --- reminding overdue reviewers ---------------------------------------------------------------


def test_remind_reaches_only_the_overdue_reviewers_once_a_day(client, known_call):
    call, late = known_call["call"], known_call["late"]
    manager = _manager(call)
    client.force_login(manager)
    url = reverse("manage_reviews:remind", args=[call.slug])
    other_call = _call()
    _assign(_app(other_call, "in_review"), due_in_days=-3)  # overdue too, but in another call
    before = set(Notification.objects.values_list("pk", flat=True))

    response = client.post(url)
    assert response.status_code == 302 and response.url.endswith("#overdue")
    sent = Notification.objects.exclude(pk__in=before)
    assert [n.recipient_id for n in sent] == [late.reviewer_id]
    assert sent.get().template == "reviews_reminder_after"
    # Pressing the button again the same day sends nothing more.
    client.post(url)
    assert Notification.objects.exclude(pk__in=before).count() == 1
    events = audit.recent_for_call(call.pk, limit=2)
    assert [(e.action, e.data["count"]) for e in events] == [("reviewers_reminded", 0), ("reviewers_reminded", 1)]


def test_remind_is_refused_to_others_and_to_get(client, known_call):
    call = known_call["call"]
    url = reverse("manage_reviews:remind", args=[call.slug])
    before = Notification.objects.count()
    other_manager = _manager(CallFactory())
    reviewer = known_call["late"].reviewer
    for user in (other_manager, reviewer):
        client.force_login(user)
        assert client.post(url).status_code == 404
    client.force_login(_manager(call))
    assert client.get(url).status_code == 405
    assert Notification.objects.count() == before
    with pytest.raises(services.ReviewError):
        services.remind_overdue_reviewers(call, by=other_manager)


def test_remind_after_the_review_phase_is_refused_with_a_message(client, known_call):
    call = known_call["call"]
    call.review_closes_at = timezone.now() - timedelta(hours=1)
    call.save()
    client.force_login(_manager(call))
    response = client.post(reverse("manage_reviews:remind", args=[call.slug]), follow=True)
    assert response.status_code == 200
    assert "er is niemand meer te herinneren" in response.content.decode()


# --- events in words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "language, expected",
    [("nl", "Indiendatum verplaatst van"), ("en", "Deadline moved from")],
)
def test_events_read_as_words_in_both_languages(client, language, expected):
    call = CallFactory()
    manager = _manager(call)
    manager.full_name = "Jan Peeters"
    manager.preferred_language = language
    manager.save()
    call_services.change_deadline(
        call, new_closes_at=call.closes_at + timedelta(days=7), reason="Meer tijd voor de aanvragers.", by=manager
    )
    client.force_login(manager)
    response = client.get(reverse("manage_calls:detail", args=[call.slug]))
    html = response.content.decode()
    by = "door" if language == "nl" else "by"
    assert expected in html and f"{by} Jan Peeters" in html
    assert "deadline_changed" not in html
    with translation.override(language):
        event = audit.recent_for_call(call.pk)[0]
        assert event.text.startswith(expected) and event.text.endswith(f"{by} Jan Peeters")


def test_a_decision_email_event_names_the_outcome_and_language_in_words(known_call):
    call = known_call["call"]
    audit.record(call, "decision_email_template_saved", call_id=call.pk, outcome="award", language="en")
    with translation.override("nl"):
        assert audit.recent_for_call(call.pk)[0].text == "Beslissingsmail gewijzigd (toekennen, Engels)"
    with translation.override("en"):
        assert audit.recent_for_call(call.pk)[0].text == "Decision e-mail changed (award, English)"


def test_the_call_log_leaves_out_the_applicants_drafts(known_call):
    call = known_call["call"]
    draft = ApplicationFactory(call=call, status="draft", title="Geheim ontwerp")
    audit.record(draft, "created", by=draft.created_by, organisation="Geheime vzw")
    audit.record(draft, "edited", by=draft.created_by, section="general")
    assert [e.action for e in audit.recent_for_call(call.pk)] == []


# --- who creates calls (docs/decisions.md) ----------------------------------------------------


def test_only_administrators_are_offered_a_new_call(client, known_call):
    new_call = reverse("manage_calls:create")
    client.force_login(_manager(known_call["call"]))
    assert new_call not in client.get(reverse("manage_calls:list")).content.decode()
    assert new_call not in client.get(reverse("manage_calls:detail", args=[known_call["call"].slug])).content.decode()
    assert client.get(new_call).status_code == 404
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert new_call in client.get(reverse("manage_calls:list")).content.decode()
