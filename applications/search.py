"""Full-text search over what submitted applications say (staff only: reviews and the staff
pages call it; nothing here decides who may see what, the caller's queryset does).

One `SearchDocument` per submitted application holds its text: reference, title, acronym, lead
organisation, summary, the answers to the call's questions, partner names, budget line
descriptions and the text of its PDF attachments. `reindex` rebuilds it; it runs after a
submission commits and after a PDF's text was extracted (applications/tasks.py), so it is kept
current whenever content can change (content changes only in a draft, and a draft is not
searchable by staff).

On PostgreSQL the document has a tsvector built with the `oproep_dutch` configuration (Dutch
snowball stemming after unaccent; migration 0007) and weighted A (title, acronym, reference),
B (summary) and C (the rest), GIN-indexed. The query is built from the words typed, each as a
prefix of its stem, so an inflected query finds the base form. PostgreSQL's Dutch stemmer keeps
"desinformatiecampagnes" whole while it stems "desinformatiecampagne" to
"desinformatiecampagn": each query word ending in -s therefore also matches without that -s
("desinformatiecampagne:*"). "mediawijsheid" and "mediawijs" share the stem "mediawijs" already.
Results are ranked (ts_rank) and carry a snippet with the matched words highlighted
(ts_headline).

On SQLite (`make run`) every typed word must occur in the document (a case-insensitive contains
match): the same results for plain words, without stemming.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import Application, Partner, SearchDocument

CONFIG = "oproep_dutch"
WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_WORDS = 12
# Highlight markers that no applicant can type (control characters), escaped and replaced by
# <mark> after the text itself is escaped.
START, STOP = "\x02", "\x03"


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def words_of(text: str) -> list[str]:
    return WORD.findall(text or "")[:MAX_WORDS]


def answer_text(value) -> str:
    """The words of an answer, whatever its kind (a file answer names no words)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return " ".join(str(v) for k, v in value.items() if k != "attachment")
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def document_parts(application: Application) -> tuple[str, str, str]:
    """(heading, summary, rest) of an application, as the index weighs them."""
    heading = " ".join(filter(None, [application.reference or "", application.acronym, application.title]))
    rest = [application.lead_organisation.name]
    rest += [answer.question_text + " " + answer_text(answer.value) for answer in application.answers.all()]
    rest += [partner.name for partner in application.partners.all()]
    rest += [line.description for line in application.budget_lines.all()]
    rest += [attachment.text for attachment in application.attachments.all() if attachment.text]
    return heading, application.summary, "\n".join(part for part in rest if part)


def _body(application: Application) -> str:
    heading, summary, rest = document_parts(application)
    return "\n".join(filter(None, [heading, summary, rest]))


# Weighted from the application's own columns (A: reference, acronym, title; B: summary) and the
# whole body (C), in one statement for one application or thousands.
_VECTOR_SQL = (
    "UPDATE applications_searchdocument AS d SET vector ="
    f" setweight(to_tsvector('{CONFIG}', concat_ws(' ', a.reference, a.acronym, a.title)), 'A')"
    f" || setweight(to_tsvector('{CONFIG}', a.summary), 'B')"
    f" || setweight(to_tsvector('{CONFIG}', d.body), 'C')"
    " FROM applications_application AS a WHERE a.id = d.application_id AND d.application_id = ANY(%s)"
)


def reindex_many(application_ids) -> int:
    """Rebuild the search documents of these applications (batched; used by `reindex`, the
    demo data generator and the benchmark)."""
    ids = list(application_ids)
    done = 0
    for start in range(0, len(ids), 1000):
        batch = ids[start : start + 1000]
        applications = (
            Application.objects.select_related("lead_organisation")
            .prefetch_related("answers", "partners", "budget_lines", "attachments")
            .filter(pk__in=batch)
        )
        documents = [SearchDocument(application=a, body=_body(a)) for a in applications]
        SearchDocument.objects.bulk_create(
            documents, update_conflicts=True, unique_fields=["application"], update_fields=["body", "updated_at"]
        )
        if is_postgresql():
            with connection.cursor() as cursor:
                cursor.execute(_VECTOR_SQL, [[d.application_id for d in documents]])
        done += len(documents)
    return done


def reindex(application_id: int) -> SearchDocument | None:
    """Rebuild the search document of one application."""
    reindex_many([application_id])
    return SearchDocument.objects.filter(application_id=application_id).first()


def tsquery_text(text: str) -> str:
    """The to_tsquery text for what was typed: every word must match, each as a prefix of its
    stem, and a word ending in -s also without it (see the module docstring). Only letters and
    digits reach to_tsquery, so nothing typed can break its syntax."""
    terms = []
    for word in words_of(text):
        word = word.lower()
        alternatives = [f"{word}:*"]
        if len(word) > 4 and word.endswith("s"):
            alternatives.append(f"{word[:-1]}:*")
        terms.append("(" + " | ".join(alternatives) + ")")
    return " & ".join(terms)


def _plain_match(text: str) -> Q:
    """Reference, title, acronym, lead organisation or a partner's name contains `text`."""
    partner = Partner.objects.filter(application=OuterRef("pk"), name__icontains=text)
    return (
        Q(reference__icontains=text)
        | Q(title__icontains=text)
        | Q(acronym__icontains=text)
        | Q(lead_organisation__name__icontains=text)
        | Exists(partner)
    )


def search(applications: QuerySet[Application], text: str) -> QuerySet[Application]:
    """`applications` that match `text`, best first, each with `search_rank` and (PostgreSQL)
    `search_snippet` annotated; unchanged when `text` is empty. One query, whatever the size."""
    text = (text or "").replace("\x00", "").strip()[:200]  # PostgreSQL refuses NUL in a literal
    if not text:
        return applications
    plain = _plain_match(text)
    words = words_of(text)
    if not words:
        return applications.filter(plain)
    if is_postgresql():
        query = SearchQuery(tsquery_text(text), search_type="raw", config=CONFIG)
        return (
            applications.filter(plain | Q(search_document__vector=query))
            .annotate(
                search_rank=SearchRank(F("search_document__vector"), query),
                search_snippet=SearchHeadline(
                    F("search_document__body"),
                    query,
                    config=CONFIG,
                    start_sel=START,
                    stop_sel=STOP,
                    max_words=30,
                    min_words=12,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                ),
            )
            .order_by(F("search_rank").desc(nulls_last=True), "reference", "pk")
        )
    every_word = Q()
    for word in words:
        every_word &= Q(search_document__body__icontains=word)
    return applications.filter(plain | every_word)


def snippet_html(snippet: str | None) -> str:
    """A ts_headline snippet as safe HTML: the applicant's text escaped, matches in <mark>."""
    if not snippet:
        return ""
    html = escape(snippet).replace(START, "<mark>").replace(STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only our own markers become tags
