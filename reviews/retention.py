"""Retention: what the privacy statement promises, applied by a scheduled task.

Applications and evaluations are kept for a number of years after the call's decision, then
their personal data is removed. The period is set per call: `Call.retention_years` (five by
default) for applications that were not funded, `Call.funded_retention_years` (ten by default,
for audits) for awarded ones.

**Counted from** the later of the call's publication of decisions (`Call.decisions_published_at`)
and the application's own decision (`Decision.decided_at`: a reserve awarded later, a
reconsideration). An application of a call whose decisions were never published is never due:
without a decision there is nothing to count from.

**What goes** (`applications.services.remove_personal_data` for the application's own data, and
here for the evaluation): contact persons of partners, answers, attachments (rows and files),
messages, motivations typed by the applicant, field history; of non-funded applications also
the title, acronym, summary and budget-line descriptions; of the evaluation the reviewers'
comments, conflict notes, admissibility notes, consensus justifications, reconsideration
requests with their files, and the passages quoted by double-funding flags (with the text's
fingerprint). **What stays**: the organisation, the amounts, the dates, the
reference and the status, and the decision itself (the public register and the accounts need
them), and the append-only audit trail.

The module lives in `reviews`, the most downstream app that holds such data, so it sees both
the applications and the evaluations without an upstream import (docs/decisions.md).

`plan(now)` is the dry run: the list of applications that are due. `apply(now)` removes the data
of exactly those and returns the same kind of list: a run after a dry run at the same moment
changes what the dry run listed. It is idempotent (`Application.personal_data_removed_at`
marks what is done, and a second run finds nothing), and each call's run is audited.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from applications import services as application_services
from applications.models import Application, Status
from calls.models import Call
from portal import audit
from portal.models import Notification

from .models import (
    AdmissibilityCheck,
    Assignment,
    Consensus,
    ConsensusScore,
    DuplicateFlag,
    Reconsideration,
    ReconsiderationAttachment,
    Review,
    Score,
    SketchValue,
    TextFingerprint,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Due:
    """One application whose retention period has ended."""

    call: str
    application_id: int
    reference: str
    organisation: str
    funded: bool
    counted_from: datetime
    ended_at: datetime

    def as_dict(self) -> dict:
        data = asdict(self)
        data["counted_from"] = self.counted_from.isoformat()
        data["ended_at"] = self.ended_at.isoformat()
        return data


def _due_in(call: Call, now: datetime) -> list[Due]:
    published = call.decisions_published_at
    if published is None:
        return []
    periods = {False: relativedelta(years=call.retention_years), True: relativedelta(years=call.funded_retention_years)}
    if published + relativedelta(years=min(call.retention_years, call.funded_retention_years)) > now:
        return []
    applications = (
        Application.objects.filter(call=call, personal_data_removed_at__isnull=True)
        .select_related("lead_organisation", "decision")
        .order_by("pk")
    )
    due = []
    for application in applications:
        decision = getattr(application, "decision", None)
        counted_from = max(published, decision.decided_at) if decision is not None else published
        funded = application.status == Status.AWARDED
        ended_at = counted_from + periods[funded]
        if ended_at <= now:
            due.append(
                Due(
                    call=call.slug,
                    application_id=application.pk,
                    reference=application.reference or "",
                    organisation=application.lead_organisation.name,
                    funded=funded,
                    counted_from=counted_from,
                    ended_at=ended_at,
                )
            )
    return due


def _calls_with_decisions():
    return Call.objects.filter(decisions_published_at__isnull=False).order_by("pk")


def plan(now: datetime | None = None) -> list[Due]:
    """The dry run: every application whose personal data a run at `now` would remove."""
    now = now or timezone.now()
    return [item for call in _calls_with_decisions() for item in _due_in(call, now)]


def _remove_evaluation_data(application_id: int) -> None:
    """The reviewers' and staff's free text about one application, and its field history."""
    reviews = Review.objects.filter(assignment__application_id=application_id)
    review_ids = list(reviews.values_list("pk", flat=True))
    reviews.update(overall_comment="")
    scores = Score.objects.filter(review_id__in=review_ids)
    score_ids = list(scores.values_list("pk", flat=True))
    scores.update(comment="")
    Review.history.filter(id__in=review_ids).delete()
    Score.history.filter(id__in=score_ids).delete()
    Assignment.objects.filter(application_id=application_id).update(conflict_note="")
    AdmissibilityCheck.objects.filter(application_id=application_id).update(note="")
    consensus = ConsensusScore.objects.filter(application_id=application_id)
    ConsensusScore.history.filter(id__in=list(consensus.values_list("pk", flat=True))).delete()
    consensus.update(justification="")
    Consensus.objects.filter(application_id=application_id).update(note="")
    # Double-funding evidence quotes the proposal's text: the passages and the fingerprint go
    # (the flag itself, its similarity and the staff decision stay).
    DuplicateFlag.objects.filter(Q(application_id=application_id) | Q(other_id=application_id)).update(passages=[])
    SketchValue.objects.filter(application_id=application_id).delete()
    TextFingerprint.objects.filter(application_id=application_id).delete()
    files = list(
        ReconsiderationAttachment.objects.filter(reconsideration__application_id=application_id).values_list(
            "file", flat=True
        )
    )
    ReconsiderationAttachment.objects.filter(reconsideration__application_id=application_id).delete()
    Reconsideration.objects.filter(application_id=application_id).update(motivation="", outcome_motivation="")
    # The e-mails about the application (addresses, names, texts) kept in the outbox.
    Notification.objects.filter(
        content_type__app_label="applications", content_type__model="application", object_id=application_id
    ).exclude(status=Notification.Status.PENDING).delete()
    storage = ReconsiderationAttachment._meta.get_field("file").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in files if name])


def apply(now: datetime | None = None) -> list[Due]:
    """Remove the personal data of every application that is due; returns what was changed.
    One transaction per call, audited on the call."""
    now = now or timezone.now()
    changed: list[Due] = []
    for call in _calls_with_decisions():
        due = _due_in(call, now)
        if not due:
            continue
        with transaction.atomic():
            done = []
            for item in due:
                application = Application(pk=item.application_id)
                if application_services.remove_personal_data(application, funded=item.funded, now=now):
                    _remove_evaluation_data(item.application_id)
                    done.append(item)
            if done:
                audit.record(
                    call,
                    "retention_applied",
                    call_id=call.pk,
                    applications=[item.reference or item.application_id for item in done],
                    funded=sum(1 for item in done if item.funded),
                    not_funded=sum(1 for item in done if not item.funded),
                )
        changed.extend(done)
        log.info("Retention: personal data removed from %s applications of call %s.", len(done), call.slug)
    return changed
