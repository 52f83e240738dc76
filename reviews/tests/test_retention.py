"""Retention: five years (per call) after the decision, the personal data of non-funded
applications goes; funded files are kept longer; the public register does not change."""

import hashlib
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PASSWORD, OrganisationFactory
from applications.models import Answer, Application, Attachment, Message
from applications.tests.factories import PartnerFactory
from calls.tests.factories import QuestionFactory
from portal.models import AuditEvent
from reviews import decisions, retention
from reviews.models import Review, Score

from .ranking_data import D, application, closed_call, criterion, manager_of, member_of, review

pytestmark = pytest.mark.django_db

DECIDED = timezone.make_aware(timezone.datetime(2021, 6, 15, 10, 0))
FIVE_YEARS_AND_A_DAY = timezone.make_aware(timezone.datetime(2026, 6, 16, 10, 0))


def with_personal_data(app, member, question):
    PartnerFactory(application=app, contact_name="Jan Contactpersoon", contact_email="jan@partner.be")
    Answer.objects.create(application=app, question=question, question_text="Wie?", value="Mijn naam is Jan.")
    Message.objects.create(application=app, author=member, body="Mijn telefoon is 0470 12 34 56.")
    data = b"%PDF-1.4 plan van " + app.title.encode()
    attachment = Attachment(
        application=app, uuid=uuid.uuid4(), original_name="plan.pdf", content_type="application/pdf",
        size=len(data), sha256=hashlib.sha256(data).hexdigest(), uploaded_by=member,
    )  # fmt: skip
    attachment.file.save("upload", ContentFile(data), save=False)
    attachment.save()
    return attachment


def public_register(client) -> tuple[str, bytes]:
    """The page of funded projects (its <main>: the header carries a per-request token) and its CSV."""
    html = client.get(reverse("funded:list")).content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert "Gefinancierd project" in main
    return main, b"".join(client.get(reverse("funded:csv")).streaming_content)


@pytest.fixture
def decided():
    """A call decided on 15 June 2021: one award, one rejection, both full of personal data."""
    with time_machine.travel(DECIDED, tick=False):
        call = closed_call(title_nl="Lokale besturen", total_budget=D("1000000"))
        c = criterion(call)
        manager = manager_of(call)
        question = QuestionFactory(call=call)
        funded_org, rejected_org = (
            OrganisationFactory(name="Gemeente Gefinancierd"),
            OrganisationFactory(name="Gemeente Afgewezen"),
        )
        funded_member = member_of(funded_org, email="lid@gefinancierd.be")
        rejected_member = member_of(rejected_org, email="lid@afgewezen.be")
        funded = application(call, lead_organisation=funded_org, title="Gefinancierd project", requested=50000)
        rejected = application(call, lead_organisation=rejected_org, title="Afgewezen project", requested=40000)
        for app, member in ((funded, funded_member), (rejected, rejected_member)):
            with_personal_data(app, member, question)
        review(funded, {c: 4}, comments={c: "Sterk, ken de coördinator."}, overall="Goed")
        review(rejected, {c: 1}, comments={c: "Zwak, de coördinator Piet kent het veld niet."}, overall="Zwak")
        decisions.award(funded, granted_amount=D("45000"), motivation="Goed.", by=manager)
        decisions.reject(rejected, motivation="Onvoldoende.", by=manager)
        decisions.publish(call, by=manager)
    return call, funded, rejected, rejected_member


def test_five_years_and_a_day_after_the_decision_non_funded_applications_are_anonymised(
    client, decided, django_capture_on_commit_callbacks
):
    call, funded, rejected, member = decided
    funded_page = public_register(client)
    stored = Attachment.objects.get(application=rejected).file.name

    with time_machine.travel(FIVE_YEARS_AND_A_DAY, tick=False):
        dry_run = retention.plan()
        with django_capture_on_commit_callbacks(execute=True):  # the files go after commit
            changed = retention.apply()
        second = retention.apply()

    assert [item.application_id for item in changed] == [rejected.pk]
    assert dry_run == changed  # the dry run listed exactly what the run changed
    assert second == [] and retention.plan(FIVE_YEARS_AND_A_DAY) == []

    rejected.refresh_from_db()
    assert rejected.personal_data_removed_at == FIVE_YEARS_AND_A_DAY
    assert (rejected.title, rejected.summary, rejected.reference) == ("", "", changed[0].reference)
    assert rejected.lead_organisation.name == "Gemeente Afgewezen" and rejected.requested_amount == D("40000")
    assert rejected.decision.outcome == "reject" and rejected.submitted_at is not None
    assert not rejected.attachments.exists() and not rejected.messages.exists()
    assert not Attachment._meta.get_field("file").storage.exists(stored)
    assert list(rejected.partners.values_list("contact_name", "contact_email")) == [("", "")]
    assert list(rejected.answers.values_list("value", flat=True)) == [None]
    assert not Review.objects.filter(assignment__application=rejected).exclude(overall_comment="").exists()
    assert not Score.objects.filter(review__assignment__application=rejected).exclude(comment="").exists()
    assert not Score.history.filter(comment__contains="Piet").exists()
    assert not Application.history.filter(summary__gt="", id=rejected.pk).exists()
    assert not Application.history.filter(title="Afgewezen project").exists()

    # The funded file keeps everything (ten years), and the public register is unchanged.
    funded.refresh_from_db()
    assert funded.personal_data_removed_at is None and funded.attachments.count() == 1
    assert public_register(client) == funded_page

    # The run is audited once on the call; the second run wrote nothing.
    runs = AuditEvent.objects.filter(action="retention_applied", call_id=call.pk)
    assert runs.count() == 1 and runs.get().data["applications"] == [rejected.reference]

    # A member still logs in, and the application says what happened to it.
    client.cookies["django_language"] = "en"
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302 and client.session.get(SESSION_KEY) == str(member.pk)
    detail = client.get(rejected.get_absolute_url()).content.decode()
    assert "removed after the retention period" in detail
    assert "Afgewezen project" not in detail and "0470" not in detail
    assert "removed after the retention period" in client.get(reverse("applications:list")).content.decode()


def test_nothing_is_removed_on_the_last_day_of_the_period(decided):
    with time_machine.travel(FIVE_YEARS_AND_A_DAY - timedelta(days=2), tick=False):
        assert retention.plan() == [] and retention.apply() == []
    assert not Application.objects.filter(personal_data_removed_at__isnull=False).exists()


def test_funded_files_are_kept_for_the_calls_longer_period(decided):
    call, funded, rejected, _member = decided
    call.funded_retention_years = 7
    call.save(update_fields=["funded_retention_years"])
    with time_machine.travel(DECIDED + timedelta(days=7 * 365 + 3), tick=False):
        changed = retention.apply()
    assert {item.application_id: item.funded for item in changed} == {rejected.pk: False, funded.pk: True}
    funded.refresh_from_db()
    # A funded project's title stays for the public register; contact persons and files go.
    assert funded.title == "Gefinancierd project" and not funded.attachments.exists()
    assert list(funded.partners.values_list("contact_email", flat=True)) == [""]


def test_the_retention_period_is_set_per_call(decided):
    call, _funded, rejected, _member = decided
    call.retention_years = 6
    call.save(update_fields=["retention_years"])
    with time_machine.travel(FIVE_YEARS_AND_A_DAY, tick=False):
        assert retention.apply() == []
    with time_machine.travel(FIVE_YEARS_AND_A_DAY + timedelta(days=366), tick=False):
        assert [item.application_id for item in retention.apply()] == [rejected.pk]


def test_a_call_without_published_decisions_is_never_due(decided):
    call, *_ = decided
    call.decisions_published_at = None
    call.save(update_fields=["decisions_published_at"])
    assert retention.plan(FIVE_YEARS_AND_A_DAY + timedelta(days=3650)) == []


def test_the_dry_run_command_lists_and_changes_nothing(decided, capsys):
    _call, _funded, rejected, _member = decided
    with time_machine.travel(FIVE_YEARS_AND_A_DAY, tick=False):
        call_command("apply_retention", "--dry-run")
    out = capsys.readouterr().out
    assert f'"application_id": {rejected.pk}' in out
    rejected.refresh_from_db()
    assert rejected.personal_data_removed_at is None and rejected.title == "Afgewezen project"


def test_the_daily_beat_task_applies_retention_once(decided, settings):
    """What production runs: the beat schedule's entry, through the Celery task."""
    from reviews.tasks import apply_retention

    _call, _funded, rejected, _member = decided
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == apply_retention.name)
    assert entry["schedule"] <= 24 * 3600  # at least daily
    with time_machine.travel(FIVE_YEARS_AND_A_DAY, tick=False):
        assert apply_retention.apply().get() == 1
        assert apply_retention.apply().get() == 0  # nothing left to remove
    rejected.refresh_from_db()
    assert rejected.personal_data_removed_at is not None and rejected.title != "Afgewezen project"


def test_double_funding_passages_and_fingerprints_go_with_the_text(decided, django_capture_on_commit_callbacks):
    from reviews import duplicates
    from reviews.models import DuplicateFlag, SketchValue, TextFingerprint

    call, funded, rejected, member = decided
    duplicates.fingerprint_many([rejected.pk])
    flag = DuplicateFlag.objects.create(
        application=funded, other=rejected, similarity=0.4, passages=[{"this": "tekst", "other": "Afgewezen project"}]
    )
    assert SketchValue.objects.filter(application=rejected).exists()
    with time_machine.travel(FIVE_YEARS_AND_A_DAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        retention.apply()
    flag.refresh_from_db()
    assert flag.passages == [] and flag.similarity == 0.4
    assert not SketchValue.objects.filter(application=rejected).exists()
    assert not TextFingerprint.objects.filter(application=rejected).exists()
