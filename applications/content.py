"""The content of an application as canonical JSON, and its hash (printed on the receipt).

The same application content always gives the same bytes: keys sorted, amounts as strings
with two decimals, dates in ISO format, no insignificant whitespace."""

import hashlib
import json
from decimal import Decimal

from .models import Application


def _amount(value) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


def _date(value) -> str | None:
    return value.isoformat() if value else None


def canonical(application: Application) -> dict:
    """Everything the applicant submitted (works with or without `selectors.with_content`)."""
    return {
        "call": application.call.slug,
        "reference": application.reference,
        "lead_organisation": {
            "name": application.lead_organisation.name,
            "kind": application.lead_organisation.kind,
            "kbo_number": application.lead_organisation.kbo_number,
        },
        "title": application.title,
        "acronym": application.acronym,
        "summary": application.summary,
        "objectives": sorted(o.number for o in application.objectives.all()),
        "start_date": _date(application.start_date),
        "end_date": _date(application.end_date),
        "partners": [
            {
                "name": p.name,
                "kind": p.kind,
                "kbo_number": p.kbo_number,
                "role": p.role,
                "contact_name": p.contact_name,
                "contact_email": p.contact_email,
                "budget_share": _amount(p.budget_share),
            }
            for p in application.partners.all()
        ],
        "budget_lines": [
            {"category": line.category, "description": line.description, "amount": _amount(line.amount)}
            for line in application.budget_lines.all()
        ],
        "requested_amount": _amount(application.requested_amount),
        "other_funding": _amount(application.other_funding),
        "own_contribution": _amount(application.own_contribution),
        "waiver_motivation": application.waiver_motivation,
        "answers": sorted(
            (
                {"question": a.question_id, "question_text": a.question_text, "value": a.value}
                for a in application.answers.all()
            ),
            key=lambda a: a["question"],
        ),
        "attachments": sorted(
            (
                {"document": a.document_id, "name": a.original_name, "size": a.size, "sha256": a.sha256}
                for a in application.attachments.all()
            ),
            key=lambda a: (a["document"] or 0, a["sha256"], a["name"]),
        ),
    }


def canonical_json(application: Application) -> bytes:
    return json.dumps(canonical(application), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def content_hash(application: Application) -> str:
    """sha256 of the canonical JSON of the content."""
    return hashlib.sha256(canonical_json(application)).hexdigest()
