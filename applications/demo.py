"""Demo applications for `seed_calls --demo` (runs on `calls.signals.demo_seeded`).

Idempotent: every demo application is found by its call, lead organisation and title, and
is only created when missing, so running the seed twice changes nothing.

- desinformatie-demo: a draft by Voorbeeld Nieuws, and four submitted applications (Voorbeeld
  Nieuws and three extra demo organisations: a research institution, a media-literacy
  organisation and another news medium);
- lokale-besturen-demo: a draft by Gemeente Voorbeeld;
- lokale-besturen-2021: sixteen applications of demo municipalities (one of them Gemeente
  Voorbeeld), submitted in April–May 2021, € 45.000–60.000 requested, in review.
Each has partners, budget lines, answers and a small PDF attachment.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import transaction

from accounts import kbo
from accounts.models import Organisation, OrganisationKind
from calls.models import Call, QuestionKind
from portal import audit

from . import references, signals, tasks
from .models import Answer, Application, Attachment, BudgetLine, Partner, Status

BRUSSELS = ZoneInfo("Europe/Brussels")


def minimal_pdf(text: str = "Oproep demo") -> bytes:
    """A small, valid one-page PDF showing `text` (ASCII), built without any library."""
    safe = (
        "".join(ch for ch in text if 32 <= ord(ch) < 127).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    )
    stream = f"BT /F1 18 Tf 72 770 Td ({safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _kbo(n: int) -> str:
    first_eight = f"0{n:07d}"
    return first_eight + kbo.check_digits(first_eight)


EXTRA_DES_ORGANISATIONS = [
    # (name, kind, KBO seed number)
    ("Kenniscentrum Desinformatie", OrganisationKind.RESEARCH, 6100001),
    ("Mediawijs Lab", OrganisationKind.MEDIA_LITERACY, 6100002),
    ("Regionale Krant", OrganisationKind.NEWS_MEDIA, 6100003),
]

DES_PROJECTS = [
    ("Feitencheck in de regio", "FACTREG", "Een netwerk van regionale redacties controleert virale berichten."),
    ("Deepfake-detector voor redacties", "DEEPDET", "Een AI-hulpmiddel dat gemanipuleerde beelden herkent."),
    ("Weerbaar online", "WEERB", "Vorming voor jongeren en leerkrachten over desinformatie."),
    ("Bronnen in beeld", "BRONB", "Een redactioneel format dat bronnen van nieuws zichtbaar maakt."),
]

MUNICIPALITIES = [
    "Aalst",
    "Beveren",
    "Brugge",
    "Dendermonde",
    "Genk",
    "Geel",
    "Hasselt",
    "Kortrijk",
    "Leuven",
    "Lier",
    "Mechelen",
    "Oostende",
    "Roeselare",
    "Sint-Niklaas",
    "Turnhout",
]


def _attach_pdf(application: Application, document, title: str) -> None:
    data = minimal_pdf(f"{title} - {application.title}")
    digest = hashlib.sha256(data).hexdigest()
    attachment = Attachment(
        application=application,
        document=document,
        kind=document.kind,
        uuid=uuid.uuid4(),
        original_name=f"{title.lower().replace(' ', '-')}.pdf",
        content_type="application/pdf",
        size=len(data),
        sha256=digest,
    )
    attachment.file.save("upload", ContentFile(data), save=False)
    attachment.save()


def _answer_value(question, index: int):
    if question.kind == QuestionKind.LONG_TEXT:
        return "Het project werkt samen met redacties en onderzoekers om desinformatie sneller te herkennen."[
            : question.max_chars or 2000
        ]
    if question.kind == QuestionKind.SHORT_TEXT:
        return "Jan Peeters"
    if question.kind == QuestionKind.CHOICE:
        choices = question.choice_list()
        return choices[index % len(choices)] if choices else None
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return question.choice_list()[:2]
    if question.kind == QuestionKind.YES_NO:
        return index % 2 == 0
    if question.kind == QuestionKind.NUMBER:
        return str(1000 * (index + 1))
    if question.kind == QuestionKind.DATE:
        return "2021-04-01"
    return None


def _fill(application: Application, *, partners, lines, requested, other=Decimal("0"), index=0) -> None:
    call = application.call
    for order, (name, kind) in enumerate(partners):
        Partner.objects.create(application=application, name=name, kind=kind, role="Partner", order=order)
    for order, (category, description, amount) in enumerate(lines):
        BudgetLine.objects.create(
            application=application, category=category, description=description, amount=amount, order=order
        )
    total = sum((amount for _c, _d, amount in lines), Decimal("0"))
    application.requested_amount = requested
    application.other_funding = other
    application.own_contribution = total - requested - other
    application.save()
    application.objectives.set(list(call.objectives.all()[: 1 + index % 2]))
    for question in call.questions.filter(archived_at__isnull=True):
        value = _answer_value(question, index)
        if value is not None:
            Answer.objects.create(application=application, question=question, question_text=question.text, value=value)
    for document in call.documents.filter(archived_at__isnull=True):
        if document.required and "pdf" in document.allowed_formats:
            _attach_pdf(application, document, str(document.title))


def _submit(application: Application, *, by, submitted_at: datetime, status=Status.SUBMITTED) -> None:
    """Mark as submitted as the demo says it was (past dates allowed, unlike services.submit)."""
    application.reference = references.next_for(application.call)
    application.status = status
    application.submitted_at = submitted_at
    application.save()
    audit.record(application, "submitted", by=by, reference=application.reference, demo=True)
    # As after a real submission: indexed for the search, checked for double funding (on commit).
    tasks.enqueue_index(application.pk)
    signals.application_submitted.send(sender=Application, application=application)
    if status == Status.IN_REVIEW:
        audit.record(application, "marked_admissible", by=None, demo=True)


def _application(call: Call, organisation: Organisation, title: str, *, by, **fields) -> tuple[Application, bool]:
    existing = Application.objects.filter(call=call, lead_organisation=organisation, title=title).first()
    if existing is not None:
        return existing, False
    application = Application.objects.create(
        call=call, lead_organisation=organisation, created_by=by, title=title, **fields
    )
    audit.record(application, "created", by=by, demo=True)
    return application, True


def _organisation(name: str, kind: str, number: int) -> Organisation:
    organisation = Organisation.objects.filter(name=name).first()
    if organisation is None:
        organisation = Organisation.objects.create(name=name, kind=kind, kbo_number=_kbo(number))
    return organisation


def _seed_des(call: Call, users: dict, organisations: dict) -> None:
    media = organisations["media"]
    project_start = date(call.closes_at.year, call.closes_at.month, 1) + timedelta(days=62)
    project_start = project_start.replace(day=1)
    dates = {
        "start_date": project_start,
        "end_date": project_start.replace(year=project_start.year + 1) - timedelta(days=1),
    }
    draft, created = _application(
        call,
        media,
        "Factcheck-bot voor de nieuwsredactie",
        by=users.get("media"),
        acronym="FCBOT",
        summary="Een chatbot die lezers helpt om twijfelachtige berichten te laten controleren.",
        **dates,
    )
    if created:
        _fill(
            draft,
            partners=[("Onderzoeksgroep Voorbeeld", OrganisationKind.RESEARCH)],
            lines=[("personnel", "Ontwikkelaar", Decimal("80000"))],
            requested=Decimal("60000"),
        )
    leads = [media] + [_organisation(*spec) for spec in EXTRA_DES_ORGANISATIONS]
    partner_for = {
        OrganisationKind.NEWS_MEDIA: [("Onderzoeksgroep Voorbeeld", OrganisationKind.RESEARCH)],
        OrganisationKind.RESEARCH: [("Voorbeeld Nieuws", OrganisationKind.NEWS_MEDIA)],
        OrganisationKind.MEDIA_LITERACY: [
            ("Regionale Krant", OrganisationKind.NEWS_MEDIA),
            ("Kenniscentrum Desinformatie", OrganisationKind.RESEARCH),
        ],
    }
    for index, (lead, (title, acronym, summary)) in enumerate(zip(leads, DES_PROJECTS, strict=True)):
        application, created = _application(
            call,
            lead,
            title,
            by=users.get("media") if lead == media else None,
            acronym=acronym,
            summary=summary,
            **dates,
        )
        if not created:
            continue
        cost = Decimal(400000 + 150000 * index)
        _fill(
            application,
            partners=partner_for[lead.kind],
            lines=[
                ("personnel", "Projectteam", cost * Decimal("0.7")),
                ("operating", "Werkingskosten", cost * Decimal("0.2")),
                ("overhead", "Overhead", cost * Decimal("0.1")),
            ],
            requested=cost * Decimal("0.8"),
            index=index,
        )
        submitted = call.opens_at + timedelta(hours=2 + index)
        _submit(application, by=users.get("media") if lead == media else None, submitted_at=submitted)


def _seed_lb_demo(call: Call, users: dict, organisations: dict) -> None:
    gemeente = organisations["gemeente"]
    draft, created = _application(
        call,
        gemeente,
        "Samen tegen polarisatie",
        by=users.get("applicant"),
        acronym="STP",
        summary="Buurtgesprekken en vorming voor jongerenwerkers.",
    )
    if created:
        _fill(
            draft,
            partners=[],
            lines=[("personnel", "Preventiewerker (halftijds)", Decimal("50000"))],
            requested=Decimal("40000"),
        )


def _seed_lb_2021(call: Call, users: dict, organisations: dict) -> None:
    leads = [organisations["gemeente"]] + [
        _organisation(f"Stad {name}", OrganisationKind.MUNICIPALITY, 6200001 + i)
        for i, name in enumerate(MUNICIPALITIES)
    ]
    for index, lead in enumerate(leads):
        title = f"Preventieplan {lead.name.removeprefix('Gemeente ').removeprefix('Stad ')}"
        application, created = _application(
            call,
            lead,
            title,
            by=users.get("applicant") if lead == organisations["gemeente"] else None,
            acronym=f"PP{index + 1:02d}",
            summary="Lokale preventie van radicalisering en polarisatie.",
            start_date=date(2021, 7, 1),
            end_date=date(2022, 6, 30),
        )
        if not created:
            continue
        requested = Decimal(45000 + (index * 1000) % 15001)
        cost = (requested / Decimal("0.8")).quantize(Decimal("1"))
        _fill(
            application,
            partners=[],
            lines=[
                ("personnel", "Preventiewerker", (cost * Decimal("0.75")).quantize(Decimal("1"))),
                ("operating", "Vorming en activiteiten", cost - (cost * Decimal("0.75")).quantize(Decimal("1"))),
            ],
            requested=requested,
            index=index,
        )
        submitted = datetime(2021, 4, 6, 9, 0, tzinfo=BRUSSELS) + timedelta(days=2 * index, hours=index % 7)
        _submit(application, by=None, submitted_at=submitted, status=Status.IN_REVIEW)


def seed(*, calls: dict, users: dict, organisations: dict, **kwargs) -> None:
    """Add the demo applications (see the module docstring). Safe to run again."""
    with transaction.atomic():
        if "desinformatie-demo" in calls:
            _seed_des(calls["desinformatie-demo"], users, organisations)
        if "lokale-besturen-demo" in calls:
            _seed_lb_demo(calls["lokale-besturen-demo"], users, organisations)
        if "lokale-besturen-2021" in calls:
            _seed_lb_2021(calls["lokale-besturen-2021"], users, organisations)
