"""Double-funding detection: a submitted application that says nearly the same as another
submitted application of any call and any organisation (including those that were funded) is
flagged for staff at admissibility. Never shown to applicants or reviewers.

Runs after the submission committed (reviews/signals.py queues `tasks.check_duplicates` with
on_commit), so it never makes a submission wait or fail.

How, and why this way (measured in reviews/tests/test_duplicates.py and `make bench`):
- Text: title, summary, answers and the text of PDF attachments, normalised (lower case, accents
  removed) into overlapping word shingles of SHINGLE words. A reworded copy keeps most
  shingles; two unrelated proposals of the same call share only the call's jargon.
- Candidates: a bottom-k MinHash sketch (the SKETCH smallest 64-bit shingle hashes) per
  application, stored one row per value with an index; applications sharing at least
  MIN_SHARED values are candidates, found in one indexed query among any number of applications.
  PostgreSQL's pg_trgm was the alternative: trigram similarity over texts of hundreds of words is
  dominated by common trigrams (unrelated Dutch texts score high) and cannot be indexed for
  "similar to this whole text", so it was not used.
- Decision: for each candidate the exact Jaccard similarity of the shingle sets. Flagged at
  TEXT_THRESHOLD or more, or at PARTNER_TEXT_THRESHOLD or more when they also share at least
  MIN_SHARED_ITEMS partners (name or KBO number) or budget lines (category, description,
  amount); never when either text has fewer than MIN_SHINGLES shingles. Measured on generated
  proposals (reviews/demo_text.py), 3-word shingles separate best: a copy with 20 % of its words
  replaced keeps a Jaccard of 0.29 or more, two unrelated proposals of the same jargon stay
  below 0.27 among 19,900 pairs (2-word shingles: 0.42 against 0.38; the overlap coefficient
  |A ∩ B| / min(|A|, |B|) separated worse, 0.46 against 0.46). Against 10,000 generated
  proposals (`make bench`) the tail of unrelated pairs reached 0.28, so text alone flags from
  0.35; a reworded copy that keeps its partners or budget is flagged from 0.15.
- Passages: each sentence of the application beside the most similar sentence of the other one,
  the closest pairs first, so staff read the evidence side by side.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from applications import search
from applications.models import Application, Status

from .models import DuplicateFlag, SketchValue, TextFingerprint

SHINGLE = 3
SKETCH = 64
MIN_SHARED = 4
TEXT_THRESHOLD = 0.35
PARTNER_TEXT_THRESHOLD = 0.15
# Partners and budget lines corroborate a weaker text match only when at least this many agree
# (one common partner or one budget line of a round amount happens between unrelated projects).
MIN_SHARED_ITEMS = 2
# Below this many shingles (about 30 words) a text says too little to call it a copy: two
# one-line summaries such as "Lokale preventie van radicalisering." are alike by nature.
MIN_SHINGLES = 25
MAX_PASSAGES = 6
MIN_SENTENCE_WORDS = 5
WORD = re.compile(r"[^\W_]+", re.UNICODE)
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_OFFSET = 1 << 63  # hashes are unsigned 64-bit; the column is a signed bigint


def normalise(text: str) -> str:
    """Lower case without accents ("financiële" → "financiele")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def words(text: str) -> list[str]:
    return WORD.findall(normalise(text))


def shingles(text: str, size: int | None = None) -> set[str]:
    size = size or SHINGLE
    tokens = words(text)
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def _hash(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big") - _OFFSET


def sketch(shingle_set: set[str], size: int = SKETCH) -> list[int]:
    """The `size` smallest hashes of the shingles (a bottom-k MinHash sketch)."""
    return sorted({_hash(s) for s in shingle_set})[:size]


def jaccard(a: set[str], b: set[str]) -> float:
    """|A ∩ B| / |A ∪ B|."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def overlap(a: set[str], b: set[str]) -> float:
    """|A ∩ B| / min(|A|, |B|): 1.0 when one text is contained in the other."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _partner_key(name: str) -> str:
    return " ".join(words(name))


@dataclass
class Document:
    """What is compared of one application."""

    text: str
    partners: list[str] = field(default_factory=list)  # normalised names and KBO numbers
    budget_lines: list[str] = field(default_factory=list)  # "category|description|amount"

    def __post_init__(self):
        self.shingle_set = shingles(self.text)


def document(text: str, partners=(), budget=()) -> Document:
    """A Document from plain data: partners as (name, kbo), budget as (category, description, amount)."""
    partner_keys = sorted({_partner_key(name) for name, _ in partners} | {kbo for _, kbo in partners if kbo} - {""})
    lines = sorted(
        {f"{category}|{' '.join(words(description))}|{Decimal(amount):.2f}" for category, description, amount in budget}
    )
    return Document(text=text, partners=partner_keys, budget_lines=lines)


@dataclass
class Verdict:
    similarity: float
    shared_partners: list[str]
    shared_budget_lines: list[str]
    enough_text: bool = True

    @property
    def flagged(self) -> bool:
        if not self.enough_text:
            return False
        if self.similarity >= TEXT_THRESHOLD:
            return True
        corroborated = max(len(self.shared_partners), len(self.shared_budget_lines)) >= MIN_SHARED_ITEMS
        return self.similarity >= PARTNER_TEXT_THRESHOLD and corroborated


def compare(a: Document, b: Document) -> Verdict:
    return Verdict(
        similarity=round(jaccard(a.shingle_set, b.shingle_set), 4),
        shared_partners=sorted(set(a.partners) & set(b.partners)),
        shared_budget_lines=sorted(set(a.budget_lines) & set(b.budget_lines)),
        enough_text=min(len(a.shingle_set), len(b.shingle_set)) >= MIN_SHINGLES,
    )


def passages(a_text: str, b_text: str, limit: int = MAX_PASSAGES) -> list[dict]:
    """Sentences of `a_text` beside the most similar sentence of `b_text`, the closest first
    (at most `limit`, each pair sharing at least half of its word pairs)."""
    a_sentences = [s.strip() for s in SENTENCE.split(a_text or "") if len(words(s)) >= MIN_SENTENCE_WORDS]
    b_sentences = [
        (s.strip(), shingles(s, 2)) for s in SENTENCE.split(b_text or "") if len(words(s)) >= MIN_SENTENCE_WORDS
    ]
    pairs = []
    for position, sentence in enumerate(a_sentences):
        own = shingles(sentence, 2)
        best = max(((overlap(own, theirs), other) for other, theirs in b_sentences), default=(0.0, ""))
        if best[0] >= 0.5:
            pairs.append((best[0], position, sentence, best[1]))
    pairs.sort(key=lambda p: (-p[0], p[1]))
    chosen = sorted(pairs[:limit], key=lambda p: p[1])
    return [{"this": this, "other": other, "score": round(score, 2)} for score, _, this, other in chosen]


# --- the database side -------------------------------------------------------------------


def text_of(application: Application) -> str:
    """The proposal's own words: title, summary, answers and PDF text (not the organisations,
    which are compared apart)."""
    parts = [application.title, application.summary]
    parts += [search.answer_text(answer.value) for answer in application.answers.all()]
    parts += [attachment.text for attachment in application.attachments.all() if attachment.text]
    return "\n".join(p for p in parts if p)


def document_of(application: Application) -> Document:
    partners = [(p.name, p.kbo_number) for p in application.partners.all()]
    partners.append((application.lead_organisation.name, application.lead_organisation.kbo_number))
    budget = [(line.category, line.description, line.amount) for line in application.budget_lines.all()]
    return document(text_of(application), partners, budget)


def _loaded(ids):
    return (
        Application.objects.filter(pk__in=ids)
        .select_related("lead_organisation", "call")
        .prefetch_related("partners", "budget_lines", "answers", "attachments")
    )


def fingerprint_many(application_ids) -> int:
    """Store the sketch and the partner and budget keys of these applications (batched)."""
    ids = list(application_ids)
    for start in range(0, len(ids), 1000):
        batch = list(_loaded(ids[start : start + 1000]))
        rows, values = [], []
        for application in batch:
            doc = document_of(application)
            rows.append(
                TextFingerprint(
                    application=application,
                    shingles=len(doc.shingle_set),
                    partners=doc.partners,
                    budget_lines=doc.budget_lines,
                )
            )
            values += [SketchValue(application=application, value=v) for v in sketch(doc.shingle_set)]
        with transaction.atomic():
            SketchValue.objects.filter(application__in=batch).delete()
            TextFingerprint.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["application"],
                update_fields=["shingles", "partners", "budget_lines", "computed_at"],
            )
            SketchValue.objects.bulk_create(values, batch_size=5000)
    return len(ids)


def comparable():
    """Applications a new submission is compared with: every submitted one, any call."""
    return Application.objects.filter(submitted_at__isnull=False).exclude(status__in=[Status.DRAFT, Status.WITHDRAWN])


def candidates(application_id: int, values: list[int]) -> list[int]:
    """Submitted applications sharing at least MIN_SHARED sketch values (one indexed query)."""
    return list(
        SketchValue.objects.filter(value__in=values, application__in=comparable())
        .exclude(application_id=application_id)
        .values("application_id")
        .annotate(shared=Count("pk"))
        .filter(shared__gte=MIN_SHARED)
        .order_by("-shared")
        .values_list("application_id", flat=True)[:50]
    )


def check(application_id: int) -> list[DuplicateFlag]:
    """Compare one submitted application with all others and record a flag for every pair over
    the thresholds (a pair already flagged, in either direction, keeps its staff decision)."""
    from applications.tasks import extract_pending

    extract_pending(application_id)
    application = _loaded([application_id]).first()
    if application is None or application.submitted_at is None:
        return []
    fingerprint_many([application_id])
    doc = document_of(application)
    flags = []
    others = list(_loaded(candidates(application_id, sketch(doc.shingle_set))))
    for other in others:
        other_doc = document_of(other)
        verdict = compare(doc, other_doc)
        if not verdict.flagged:
            continue
        existing = DuplicateFlag.objects.filter(application=other, other=application).first()
        if existing is not None:
            flags.append(existing)
            continue
        flag, _ = DuplicateFlag.objects.update_or_create(
            application=application,
            other=other,
            defaults={
                "similarity": verdict.similarity,
                "shared_partners": verdict.shared_partners,
                "shared_budget_lines": verdict.shared_budget_lines,
                "passages": passages(doc.text, other_doc.text),
            },
        )
        flags.append(flag)
    return flags


def flags_for(application: Application):
    """Every flag about `application`, whichever side it is on, with both applications loaded."""
    from django.db.models import Q

    return (
        DuplicateFlag.objects.filter(Q(application=application) | Q(other=application))
        .select_related("application__call", "other__call", "decided_by")
        .order_by("-similarity", "pk")
    )


@transaction.atomic
def decide(flag: DuplicateFlag, *, keep: bool, motivation: str, by) -> DuplicateFlag:
    """Staff keep a flag (possible double funding stands) or clear it (with a motivation)."""
    from portal import audit

    flag = DuplicateFlag.objects.select_for_update().get(pk=flag.pk)
    flag.state = DuplicateFlag.State.KEPT if keep else DuplicateFlag.State.CLEARED
    flag.motivation, flag.decided_by, flag.decided_at = motivation, by, timezone.now()
    flag.save(update_fields=["state", "motivation", "decided_by", "decided_at"])
    audit.record(
        flag.application,
        "double_funding_flag_kept" if keep else "double_funding_flag_cleared",
        by=by,
        other=flag.other.reference,
        motivation=motivation,
    )
    return flag
