"""`seed_calls --demo` gives the demo applications of the contract, and running it again
changes nothing."""

import io
from datetime import date
from decimal import Decimal

import pytest

from applications import selectors, uploads
from applications.demo import minimal_pdf
from applications.models import Application, Attachment, Status
from calls.seed import seed_calls

pytestmark = pytest.mark.django_db


def _snapshot():
    return sorted(
        Application.objects.values_list("call__slug", "lead_organisation__name", "title", "status", "reference")
    )


def test_demo_applications_are_seeded_once():
    seeded = seed_calls(demo=True, allow_without_debug=True)
    before = _snapshot()
    attachments = Attachment.objects.count()
    seed_calls(demo=True, allow_without_debug=True)
    assert _snapshot() == before
    assert Attachment.objects.count() == attachments

    organisations = seeded["organisations"]
    des = Application.objects.filter(call__slug="desinformatie-demo")
    assert des.filter(status=Status.DRAFT, lead_organisation=organisations["media"]).count() == 1
    submitted = des.exclude(status=Status.DRAFT)
    assert submitted.count() == 4
    assert submitted.filter(lead_organisation=organisations["media"]).exists()
    assert sorted(submitted.values_list("lead_organisation__kind", flat=True)) == sorted(
        ["news_media", "research", "media_literacy", "news_media"]
    )
    lb_demo = Application.objects.filter(call__slug="lokale-besturen-demo")
    assert list(lb_demo.values_list("status", "lead_organisation__name")) == [("draft", "Gemeente Voorbeeld")]

    lb = Application.objects.filter(call__slug="lokale-besturen-2021")
    assert lb.count() == 16 and set(lb.values_list("status", flat=True)) == {Status.IN_REVIEW}
    assert lb.filter(lead_organisation=organisations["gemeente"]).exists()
    for application in lb:
        assert date(2021, 4, 1) <= application.submitted_at.date() <= date(2021, 5, 11)
        assert Decimal("45000") <= application.requested_amount <= Decimal("60000")
    assert sorted(lb.values_list("reference", flat=True)) == [f"LB-2021-{n:04d}" for n in range(1, 17)]


def test_demo_applications_have_content_and_a_readable_pdf():
    seed_calls(demo=True, allow_without_debug=True)
    for application in selectors.with_content(Application.objects.exclude(status=Status.DRAFT)):
        assert application.partners.all() or application.call.slug.startswith("lokale")
        assert application.budget_lines.all() and application.answers.all()
        attachment = application.attachments.all()[0]
        with attachment.file.open("rb") as handle:
            assert uploads.sniff(handle) == "pdf"
        # Submitted demo applications are eligible: no blocking findings.
        assert not [f for f in selectors.findings_for(application) if f.blocking], application


def test_the_generated_pdf_is_recognised_as_pdf():
    assert uploads.sniff(io.BytesIO(minimal_pdf("Test"))) == "pdf"
