"""Reconsideration (heroverweging): an applicant may ask within 30 days of publication (Brussels
calendar days, until 23:59:59 on day 30; the server clock decides); staff refuse it with a
motivation or grant it, which revises the decision, re-publishes and e-mails it and moves the
funding line; the applicant is told; every step is audited; reviewers' names never appear."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from accounts.tests.factories import UserFactory
from applications.demo import minimal_pdf
from portal.models import AuditEvent
from reviews import decisions, reconsideration
from reviews.models import Reconsideration
from reviews.ranking import ranking_for
from reviews.views_summary import letter_html

from .ranking_data import D, application, closed_call, criterion, manager_of, member_of, review

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
# Published on Tuesday 3 March 2026 at 16:00 Brussels; day 30 is Thursday 2 April 2026 (summer
# time starts on 29 March in between: the days are Brussels calendar days all the same).
PUBLISHED = datetime(2026, 3, 3, 16, 0, tzinfo=BRUSSELS)
REVIEWERS = [
    ("Zoltan Quibblesworth", "zoltan.q@reviewers.example.org"),
    ("Philippa Oddbody", "p.o@reviewers.example.org"),
]
SECRETS = ["Zoltan", "Quibblesworth", "Philippa", "Oddbody", "reviewers.example.org"]


@pytest.fixture
def decided(django_capture_on_commit_callbacks):
    """A call of € 100,000 with two passing applications of € 60,000 each: the first awarded,
    the second on the reserve list, both published on PUBLISHED, reviewed by named reviewers."""
    call = closed_call(total_budget=D("100000"), reviews_required=2)
    relevance = criterion(call, 1, threshold="2.5", title_nl="Relevantie")
    first = application(call, requested=60000, title="Eerste project")
    second = application(call, requested=60000, title="Tweede project")
    reviewers = [UserFactory(full_name=name, email=email) for name, email in REVIEWERS]
    for app, score in ((first, 5), (second, 4)):
        for reviewer in reviewers:
            review(
                app,
                {relevance: score},
                reviewer=reviewer,
                comments={relevance: f"Commentaar ({score})."},
            )
    manager = manager_of(call, full_name="Mia Manager")
    decisions.award(first, granted_amount=D("60000"), motivation="Sterk project.", by=manager)
    decisions.reserve(second, by=manager)
    with time_machine.travel(PUBLISHED, tick=False), django_capture_on_commit_callbacks(execute=True):
        decisions.publish(call, by=manager)
    second.refresh_from_db()
    second.applicant = member_of(second.lead_organisation, full_name="Eva Aanvrager", preferred_language="nl")
    second.manager = manager
    mail.outbox.clear()
    return second


def _ask(client, app, **data):
    client.force_login(app.applicant)
    data.setdefault("motivation", "De begroting werd verkeerd gelezen.")
    return client.post(reverse("summary:reconsideration", args=[app.pk]), data)


def test_the_period_ends_at_midnight_brussels_on_day_30():
    until = reconsideration.deadline_for(PUBLISHED)
    assert until == datetime(2026, 4, 2, 23, 59, 59, tzinfo=BRUSSELS)
    # A decision published just after midnight Brussels (still the previous day in UTC) counts
    # from its Brussels date.
    late_evening_utc = datetime(2026, 1, 9, 23, 30, tzinfo=ZoneInfo("UTC"))  # 10 January 00:30 in Brussels
    assert reconsideration.deadline_for(late_evening_utc).date().isoformat() == "2026-02-09"


def test_a_request_on_day_30_is_accepted(client, decided):
    with time_machine.travel(datetime(2026, 4, 2, 23, 59, 58, tzinfo=BRUSSELS), tick=False):
        response = _ask(client, decided)
    assert response.status_code == 302
    asked = Reconsideration.objects.get(application=decided)
    assert asked.outcome == "pending" and asked.decision_outcome == "reserve"
    assert AuditEvent.objects.for_object(asked).filter(action="reconsideration_requested").exists()


def test_a_request_on_day_31_is_refused(client, decided):
    client.force_login(decided.applicant)
    with time_machine.travel(datetime(2026, 4, 3, 0, 0, 0, tzinfo=BRUSSELS), tick=False):
        page = client.get(reverse("summary:reconsideration", args=[decided.pk]))
        response = _ask(client, decided)
    assert "donderdag 2 april 2026" in page.content.decode()  # the period ended, with its real date
    assert response.status_code == 400
    assert not Reconsideration.objects.exists()
    with pytest.raises(ValidationError):
        reconsideration.request(
            decided, by=decided.applicant, motivation="Te laat.", now=datetime(2026, 4, 3, 0, 0, 1, tzinfo=BRUSSELS)
        )


def test_the_summary_and_the_letter_give_the_real_end_date(client, decided):
    client.force_login(decided.applicant)
    html = client.get(reverse("summary:detail", args=[decided.pk])).content.decode()
    assert "donderdag 2 april 2026" in html
    assert reverse("summary:reconsideration", args=[decided.pk]) in html
    request = RequestFactory().get("/")
    request.user = decided.applicant
    letter = letter_html(request, decided, decided.decision)
    assert "2 april 2026" in letter


def test_files_are_checked_by_content_and_stored_privately(client, decided):
    with time_machine.travel(PUBLISHED + timedelta(days=3), tick=False):
        refused = _ask(client, decided, files=[SimpleUploadedFile("brief.pdf", b"MZ not a pdf")])
        assert refused.status_code == 400 and not Reconsideration.objects.exists()
        pdf = SimpleUploadedFile("brief.pdf", minimal_pdf("Bezwaar"), content_type="application/pdf")
        assert _ask(client, decided, files=[pdf]).status_code == 302
    (attachment,) = Reconsideration.objects.get().attachments.all()
    assert "brief.pdf" not in attachment.file.name
    download = reverse("summary:reconsideration_file", args=[decided.pk, attachment.pk])
    client.force_login(decided.applicant)  # the session of the travelled clock has expired
    assert client.get(download).status_code == 200
    client.force_login(UserFactory())
    assert client.get(download).status_code == 404
    staff = reverse(
        "ranking:reconsideration_file", args=[decided.call.slug, attachment.reconsideration_id, attachment.pk]
    )
    assert client.get(staff).status_code == 404
    client.force_login(decided.manager)
    assert client.get(staff).status_code == 200


def test_a_refusal_keeps_the_decision_and_tells_the_applicant(client, decided, django_capture_on_commit_callbacks):
    asked = reconsideration.request(
        decided, by=decided.applicant, motivation="Graag opnieuw bekijken.", now=PUBLISHED + timedelta(days=1)
    )
    client.force_login(decided.manager)
    url = reverse("ranking:reconsideration", args=[decided.call.slug, asked.pk])
    assert client.post(url, {"answer": "refuse", "outcome_motivation": ""}).status_code == 400  # motivation needed
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"answer": "refuse", "outcome_motivation": "De rangschikking klopt."})
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.outcome == "refused"
    assert decided.decision.__class__.objects.get(application=decided).outcome == "reserve"
    (message,) = mail.outbox
    assert message.to == [decided.applicant.email] and "De rangschikking klopt." in message.body
    assert AuditEvent.objects.for_object(asked).filter(action="reconsideration_refused").exists()


def test_a_granted_reconsideration_revises_the_decision_moves_the_funding_line_and_mails_the_applicant(
    client, decided, django_capture_on_commit_callbacks
):
    call = decided.call
    before = ranking_for(call)
    assert before.budget_use.awarded == D("60000")
    assert not next(row for row in before.rows if row.application.pk == decided.pk).funded
    asked = reconsideration.request(
        decided, by=decided.applicant, motivation="Er is budget over.", now=PUBLISHED + timedelta(days=10)
    )
    client.force_login(decided.manager)
    url = reverse("ranking:reconsideration", args=[call.slug, asked.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "answer": "grant",
                "outcome": "award",
                "granted_amount": "40000",
                "outcome_motivation": "Het resterende budget gaat naar dit project.",
            },
        )
    assert response.status_code == 302
    decided.refresh_from_db()
    assert decided.status == "awarded" and decided.decision_published_at is not None
    decision = decided.decision
    assert decision.outcome == "award" and decision.granted_amount == D("40000") and decision.published_at
    after = ranking_for(call)
    assert after.budget_use.awarded == D("100000")  # the line moved: the revised award takes the rest
    assert next(row for row in after.rows if row.application.pk == decided.pk).funded
    subjects = [m.subject for m in mail.outbox if m.to == [decided.applicant.email]]
    assert len(subjects) == 2  # the reconsideration's answer and the revised decision
    assert any("subsidie toegekend" in subject for subject in subjects)
    assert any("€ 40.000" in m.body for m in mail.outbox)
    asked.refresh_from_db()
    assert asked.outcome == "granted"
    actions = set(AuditEvent.objects.filter(call_id=call.pk).values_list("action", flat=True))
    assert {"reconsideration_requested", "reconsideration_granted", "decision_revised"} <= actions
    # The applicant reads the revised decision and the answer.
    client.force_login(decided.applicant)
    page = client.get(reverse("summary:reconsideration", args=[decided.pk])).content.decode()
    assert "Het resterende budget gaat naar dit project." in page


def test_reviewer_names_never_appear_in_reconsideration_pages_mails_or_letters(
    client, decided, django_capture_on_commit_callbacks
):
    client.force_login(decided.applicant)
    pages = [client.get(reverse("summary:reconsideration", args=[decided.pk]))]
    with django_capture_on_commit_callbacks(execute=True):
        asked = reconsideration.request(
            decided, by=decided.applicant, motivation="Bezwaar.", now=PUBLISHED + timedelta(days=2)
        )
    client.force_login(decided.manager)
    pages.append(client.get(reverse("ranking:reconsiderations", args=[decided.call.slug])))
    pages.append(client.get(reverse("ranking:reconsideration", args=[decided.call.slug, asked.pk])))
    with django_capture_on_commit_callbacks(execute=True):
        reconsideration.grant(
            asked, outcome="award", granted_amount=D("40000"), motivation="Herzien.", by=decided.manager
        )
    client.force_login(decided.applicant)
    pages.append(client.get(reverse("summary:reconsideration", args=[decided.pk])))
    pages.append(client.get(reverse("summary:detail", args=[decided.pk])))
    request = RequestFactory().get("/")
    request.user = decided.applicant
    decided.refresh_from_db()
    texts = [p.content.decode() for p in pages] + [letter_html(request, decided, decided.decision)]
    texts += [m.subject + m.body for m in mail.outbox]
    assert all(p.status_code == 200 for p in pages) and len(mail.outbox) >= 3
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_only_the_applicant_asks_and_only_the_calls_managers_answer(client, decided):
    url = reverse("summary:reconsideration", args=[decided.pk])
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert client.post(url, {"motivation": "x"}).status_code == 404
    asked = reconsideration.request(decided, by=decided.applicant, motivation="Bezwaar.", now=PUBLISHED)
    staff = reverse("ranking:reconsideration", args=[decided.call.slug, asked.pk])
    for outsider in (decided.applicant, manager_of(closed_call())):
        client.force_login(outsider)
        assert client.get(staff).status_code == 404
        assert client.post(staff, {"answer": "refuse", "outcome_motivation": "Nee."}).status_code == 404
    asked.refresh_from_db()
    assert asked.outcome == "pending"


def test_one_request_per_application(decided):
    reconsideration.request(decided, by=decided.applicant, motivation="Eén.", now=PUBLISHED)
    with pytest.raises(ValidationError):
        reconsideration.request(decided, by=decided.applicant, motivation="Twee.", now=PUBLISHED)


@pytest.mark.parametrize("rows", [1, 20])
def test_the_staff_list_query_count_does_not_grow(client, rows, django_assert_max_num_queries):
    call = closed_call(total_budget=D("1000000"))
    manager = manager_of(call)
    for index in range(rows):
        app = application(call, requested=10000, title=f"Project {index}")
        decisions.reject(app, motivation="Niet weerhouden.", by=manager)
        app.refresh_from_db()
    decisions.publish(call, by=manager)
    for app in call.applications.all():
        member = member_of(app.lead_organisation)
        reconsideration.request(app, by=member, motivation="Bezwaar.")
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("ranking:reconsiderations", args=[call.slug]))
    assert response.content.decode().count('data-testid="reconsideration-row"') == rows


def test_the_managers_notice_links_to_the_request_but_does_not_carry_its_motivation(decided):
    """Found by the authorization matrix: the notice (e-mail and notification history) quoted the
    applicant's motivation, so a manager without two-factor read it on /organisations/notifications/.
    Proposal content stays behind the two-factor page the notice links to (DESIGN §5)."""
    from portal.models import Notification

    asked = reconsideration.request(
        decided, by=decided.applicant, motivation="GEHEIME-MOTIVERING", now=PUBLISHED + timedelta(days=1)
    )
    notice = Notification.objects.get(recipient=decided.manager, template="reviews_reconsideration_requested")
    assert "GEHEIME-MOTIVERING" not in notice.subject + notice.body
    assert reverse("ranking:reconsideration", args=[decided.call.slug, asked.pk]) in notice.body
