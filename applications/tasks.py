"""Background work on applications: reading the text of PDF attachments and keeping the search
document current (applications/search.py). Both run after the submission committed; a failure
is recorded on the attachment and never reaches the applicant or blocks a submission."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction

from . import search
from .models import Attachment, TextStatus

log = logging.getLogger(__name__)

RETRY = dict(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=300,
    max_retries=5,
)
# A PDF's text beyond this is not needed to find it (and keeps one row reasonable).
MAX_TEXT = 200_000


def pdf_text(handle) -> str:
    """The text of a PDF file object (pypdf), pages joined by blank lines."""
    from pypdf import PdfReader

    reader = PdfReader(handle)
    parts, size = [], 0
    for page in reader.pages:
        text = page.extract_text() or ""
        parts.append(text)
        size += len(text)
        if size > MAX_TEXT:
            break
    return "\n\n".join(parts)[:MAX_TEXT].replace("\x00", "")


def extract(attachment: Attachment) -> str:
    """Read the text of one attachment into it: extracted, failed (with the reason) or not a PDF."""
    if attachment.content_type != "application/pdf":
        attachment.text_status, attachment.text, attachment.text_error = TextStatus.NOT_PDF, "", ""
    else:
        try:
            with attachment.file.open("rb") as handle:
                attachment.text = pdf_text(handle)
            attachment.text_status, attachment.text_error = TextStatus.EXTRACTED, ""
        except Exception as error:  # a broken or encrypted PDF: recorded, never raised
            log.warning("text extraction failed for attachment %s: %s", attachment.pk, error)
            attachment.text_status, attachment.text = TextStatus.FAILED, ""
            attachment.text_error = f"{type(error).__name__}: {error}"[:300]
    attachment.save(update_fields=["text", "text_status", "text_error"])
    return attachment.text_status


def extract_pending(application_id: int) -> None:
    """Read the PDFs of an application that were not read yet (idempotent)."""
    for attachment in Attachment.objects.filter(application_id=application_id, text_status=TextStatus.PENDING):
        extract(attachment)


@shared_task(ignore_result=True, **RETRY)
def index_application(application_id: int) -> None:
    """Read the PDFs not read yet, then rebuild the application's search document."""
    extract_pending(application_id)
    search.reindex(application_id)


def enqueue_index(application_id: int) -> None:
    """Queue `index_application` once the current transaction commits; a broker that is down
    is logged, never raised into the request that submitted."""

    def send():
        try:
            index_application.delay(application_id)
        except Exception as error:  # noqa: BLE001 - the submission stands; reindexing can be rerun
            log.warning("could not queue indexing of application %s: %s", application_id, error)

    transaction.on_commit(send)
