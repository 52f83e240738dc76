"""Fixtures of the applications tests: an open call shaped like the disinformation call, a
draft of the applicant's organisation in it, and one that is complete enough to submit."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import OrganisationKind
from applications import services
from applications.demo import minimal_pdf
from applications.tests.factories import ApplicationFactory, BudgetLineFactory, PartnerFactory
from calls.models import RuleKind
from calls.tests.factories import (
    CallFactory,
    EligibilityRuleFactory,
    ObjectiveFactory,
    QuestionFactory,
    RequiredDocumentFactory,
)


def pdf_upload(name="plan.pdf", text="Projectplan"):
    return SimpleUploadedFile(name, minimal_pdf(text), content_type="application/pdf")


@pytest.fixture
def call(db):
    """Open call: lead must be media/research, 2 organisations incl. a news medium, one
    objective, two required questions, one required PDF document."""
    call = CallFactory(reference_prefix="DES", summary_max_chars=500)
    ObjectiveFactory(call=call, number=1)
    ObjectiveFactory(call=call, number=2)
    QuestionFactory(call=call, kind="long_text", max_chars=300, required=True, text_nl="Welk probleem?")
    QuestionFactory(
        call=call, kind="choice", max_chars=None, required=True, text_nl="Welke output?", choices_nl="Tool\nRapport"
    )
    QuestionFactory(call=call, kind="yes_no", max_chars=None, required=False, text_nl="Open licentie?")
    RequiredDocumentFactory(call=call, allowed_formats=["pdf"], max_size_mb=None)
    EligibilityRuleFactory(
        call=call,
        kind=RuleKind.LEAD_KINDS,
        number=None,
        org_kinds=[OrganisationKind.NEWS_MEDIA, OrganisationKind.RESEARCH, OrganisationKind.MEDIA_LITERACY],
    )
    EligibilityRuleFactory(call=call, kind=RuleKind.MIN_PARTNERS, number=2)
    EligibilityRuleFactory(
        call=call, kind=RuleKind.PARTNERS_OF_KIND, number=1, org_kind=OrganisationKind.NEWS_MEDIA, count_lead=True
    )
    EligibilityRuleFactory(call=call, kind=RuleKind.MIN_OBJECTIVES, number=1)
    return call


@pytest.fixture
def member(applicant):
    """The applicant, whose organisation is a research institution."""
    applicant.organisation.kind = OrganisationKind.RESEARCH
    applicant.organisation.save()
    return applicant


@pytest.fixture
def draft(call, member):
    return ApplicationFactory(
        call=call,
        lead_organisation=member.organisation,
        created_by=member,
        requested_amount=None,
        start_date=None,
        end_date=None,
    )


def make_complete(application, user):
    """Fill `application` so that nothing blocks its submission."""
    from datetime import date

    call = application.call
    application.title = application.title or "Project"
    application.summary = "Samenvatting"
    application.start_date, application.end_date = date(2030, 1, 1), date(2030, 12, 31)
    application.requested_amount = Decimal("8000")
    application.own_contribution = Decimal("2000")
    application.save()
    application.objectives.set(call.objectives.all()[:1])
    PartnerFactory(application=application, kind=OrganisationKind.NEWS_MEDIA)
    BudgetLineFactory(application=application, amount=Decimal("10000"))
    answers = {}
    for question in call.questions.all():
        if question.kind == "long_text":
            answers[question] = "Desinformatie over verkiezingen."
        elif question.kind == "choice":
            answers[question] = question.choice_list()[0]
    services.save_answers(application, by=user, version=None, answers=answers)
    for document in call.documents.all():
        services.add_attachment(application, by=user, document=document, upload=pdf_upload())
    application.refresh_from_db()
    return application


@pytest.fixture
def complete(draft, member):
    return make_complete(draft, member)
