"""The printable proposal: the whole application as a PDF, for its organisation and for staff,
with nothing of the reviews in it."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import MembershipFactory, UserFactory
from applications.models import Answer, Status
from applications.tests.factories import ApplicationFactory
from calls.models import CallRole, Criterion
from calls.tests.factories import CallRoleFactory, QuestionFactory
from reviews.models import Assignment, Review, Score

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    """The text of the real PDF (weasyprint), as a reader would copy it."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def submitted(db):
    owner = MembershipFactory(role="owner")
    application = ApplicationFactory(
        lead_organisation=owner.organisation,
        created_by=owner.user,
        title="Weerbaar tegen desinformatie",
        status=Status.SUBMITTED,
        reference="DES-2026-0042",
        submitted_at=timezone.now(),
    )
    question = QuestionFactory(call=application.call, text="Wie bereikt het project?")
    Answer.objects.create(
        application=application,
        question=question,
        question_text="Wie bereikt het project?",
        value="Jongeren in Gent en Genk.",
    )
    reviewer = UserFactory(full_name="Rita Recensent")
    CallRoleFactory(call=application.call, user=reviewer, role=CallRole.Role.REVIEWER)
    assignment = Assignment.objects.create(
        application=application, reviewer=reviewer, declared_at=application.submitted_at, confidentiality_accepted=True
    )
    review = Review.objects.create(
        assignment=assignment, overall_comment="Geheim reviewcommentaar", recommendation="fund"
    )
    for criterion in Criterion.objects.filter(call=application.call):
        Score.objects.create(review=review, criterion=criterion, score=3, comment="Geheime scoreopmerking")
    application.owner = owner.user
    return application


def test_the_owner_prints_the_whole_application(client, submitted):
    client.force_login(submitted.owner)
    response = client.get(reverse("applications:proposal_pdf", args=[submitted.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="des-2026-0042.pdf"' in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "Weerbaar tegen desinformatie" in text
    assert "Wie bereikt het project?" in text
    assert "Jongeren in Gent en Genk." in text
    assert "DES-2026-0042" in text
    # Nothing of the reviews: no reviewer, no comment, no score.
    for secret in ("Rita Recensent", "Geheim reviewcommentaar", "Geheime scoreopmerking"):
        assert secret not in text


def test_another_organisation_gets_a_404(client, submitted):
    client.force_login(MembershipFactory(role="owner").user)
    assert client.get(reverse("applications:proposal_pdf", args=[submitted.pk])).status_code == 404


def test_staff_of_the_call_print_it_too(client, submitted):
    manager = UserFactory()
    CallRoleFactory(call=submitted.call, user=manager, role=CallRole.Role.MANAGER)
    client.force_login(manager)
    response = client.get(reverse("applications:proposal_pdf", args=[submitted.pk]))
    assert response.status_code == 200
    assert "Weerbaar tegen desinformatie" in pdf_text(response.content)


def test_the_detail_page_links_to_it(client, submitted):
    client.force_login(submitted.owner)
    page = client.get(reverse("applications:detail", args=[submitted.pk])).content.decode()
    assert reverse("applications:proposal_pdf", args=[submitted.pk]) in page
