"""Full-text search over proposals (applications/search.py) as staff use it: in the staff list
of one call and across their calls (/manage/search/). Dutch stemming and accents on PostgreSQL,
text found only in a PDF attachment, nothing of a call the user does not manage, a contains
fallback where PostgreSQL is absent, and a query count that does not grow."""

import hashlib
import uuid

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse

from accounts.tests.factories import UserFactory
from applications import search, tasks
from applications.demo import minimal_pdf
from applications.models import Attachment, TextStatus
from applications.tests.factories import PartnerFactory
from calls.models import CallRole
from calls.tests.factories import CallFactory, CallRoleFactory

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")


def indexed(make_application, **fields):
    application = make_application(**fields)
    search.reindex(application.pk)
    return application


def listed(client, call, text):
    response = client.get(reverse("manage_reviews:applications", args=[call.slug]), {"q": text})
    assert response.status_code == 200
    return [a.reference for a in response.context["applications"]]


def found(client, text):
    response = client.get(reverse("manage_search:search"), {"q": text})
    assert response.status_code == 200
    return [a.reference for a in response.context["applications"]]


def attach_pdf(application, data: bytes, name="plan.pdf") -> Attachment:
    attachment = Attachment(
        application=application, uuid=uuid.uuid4(), original_name=name, content_type="application/pdf",
        size=len(data), sha256=hashlib.sha256(data).hexdigest(),
    )  # fmt: skip
    attachment.file.save("upload", ContentFile(data), save=False)
    attachment.save()
    return attachment


@postgresql_only
def test_the_dutch_stemmer_as_postgresql_has_it():
    # Facts the query builder relies on (see applications/search.py): "mediawijsheid" and
    # "mediawijs" share a stem, but the plural "desinformatiecampagnes" is not reduced to the stem
    # of "desinformatiecampagne", so the query adds a prefix match without the final -s.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_tsvector('oproep_dutch', 'mediawijsheid'), to_tsvector('oproep_dutch', 'mediawijs'),"
            " to_tsvector('oproep_dutch', 'desinformatiecampagnes'), to_tsvector('oproep_dutch', 'desinformatiecampagne')"
        )
        wijsheid, wijs, campagnes, campagne = cursor.fetchone()
    assert wijsheid == wijs == "'mediawijs':1"
    assert campagnes == "'desinformatiecampagnes':1" and campagne == "'desinformatiecampagn':1"


@postgresql_only
def test_dutch_stemming_finds_inflected_words_and_ignores_accents(client, call, manager, make_application):
    campaign = indexed(make_application, summary="Wij ontmaskeren elke desinformatiecampagne op sociale media.")
    literacy = indexed(make_application, summary="Een training om scholieren mediawijs te maken.")
    money = indexed(make_application, summary="De financiele verantwoording gebeurt per kwartaal.")
    indexed(make_application, summary="Een project over lokale democratie.")
    client.force_login(manager)
    assert listed(client, call, "desinformatiecampagnes") == [campaign.reference]
    assert listed(client, call, "mediawijsheid") == [literacy.reference]
    assert listed(client, call, "financiële") == [money.reference]
    assert found(client, "desinformatiecampagnes") == [campaign.reference]
    # The other way round, a word finds the compounds that start with it (prefix match); a
    # compound does not find its first part alone (no decompounding).
    assert listed(client, call, "desinformatie") == [campaign.reference]


@postgresql_only
def test_results_are_ranked_and_carry_a_highlighted_escaped_snippet(en, client, call, manager, make_application):
    weak = indexed(make_application, title="Lokale radio", summary="Ook deepfakes komen even aan bod.")
    strong = indexed(make_application, title="Deepfakes in lokaal nieuws", summary="Deepfakes <b>herkennen</b>.")
    client.force_login(manager)
    assert listed(client, call, "deepfakes") == [strong.reference, weak.reference]
    html = client.get(reverse("manage_reviews:applications", args=[call.slug]), {"q": "deepfakes"}).content.decode()
    assert "<mark>Deepfakes</mark>" in html
    assert "<b>herkennen" not in html  # the applicant's markup never reaches the page as markup


def test_a_word_found_only_in_a_pdf_attachment_is_found(client, call, manager, make_application):
    application = make_application(summary="Niets bijzonders hier.")
    attach_pdf(application, minimal_pdf("Het werkplan noemt de Zeldzaamheidsindex uitdrukkelijk"))
    tasks.index_application(application.pk)  # what runs after the submission commits
    assert application.attachments.get().text_status == TextStatus.EXTRACTED
    client.force_login(manager)
    assert listed(client, call, "zeldzaamheidsindex") == [application.reference]
    assert found(client, "zeldzaamheidsindex") == [application.reference]


def test_a_pdf_that_cannot_be_read_is_recorded_and_the_rest_is_still_indexed(client, call, manager, make_application):
    application = make_application(title="Feitenfabriek")
    attach_pdf(application, b"%PDF-1.4\nthis is not really a pdf\n%%EOF")
    tasks.index_application(application.pk)
    attachment = application.attachments.get()
    assert attachment.text_status == TextStatus.FAILED and attachment.text_error
    client.force_login(manager)
    assert listed(client, call, "feitenfabriek") == [application.reference]


def test_submitting_queues_the_indexing_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.index_application, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue_index(41)
    assert queued == [41]


def test_a_broker_that_is_down_never_fails_the_submitter(django_capture_on_commit_callbacks, monkeypatch):
    def down(_):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.index_application, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue_index(41)  # logged, not raised


def test_another_calls_proposal_is_never_returned(client, call, manager, make_application):
    own = indexed(make_application, summary="Een cursus factchecken voor lokale redacties.")
    other_call = CallFactory()
    foreign = indexed(make_application, call_=other_call, summary="Een cursus factchecken voor scholen.")
    draft = indexed(make_application, status="draft", submitted_at=None, reference=None, summary="factchecken")
    client.force_login(manager)
    assert listed(client, call, "factchecken") == [own.reference]
    assert found(client, "factchecken") == [own.reference]
    # The manager of the other call finds theirs, and not ours; an admin finds both; the draft nobody.
    other_manager = CallRoleFactory(call=other_call, role=CallRole.Role.MANAGER).user
    client.force_login(other_manager)
    assert found(client, "factchecken") == [foreign.reference]
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert set(found(client, "factchecken")) == {own.reference, foreign.reference}
    assert draft.reference is None


def test_reviewers_and_applicants_cannot_search(client, call, reviewer, make_application):
    indexed(make_application, summary="factchecken")
    for person in (reviewer, UserFactory()):
        client.force_login(person)
        assert client.get(reverse("manage_search:search"), {"q": "factchecken"}).status_code == 404


def test_the_contains_fallback_finds_every_plain_word(client, call, manager, make_application, monkeypatch):
    # What SQLite (`make run`) does: every typed word must occur in the document.
    hit = indexed(make_application, summary="Een Podcast over polarisatie in de gemeente.")
    indexed(make_application, summary="Een podcast over sport.")
    monkeypatch.setattr(search, "is_postgresql", lambda: False)
    client.force_login(manager)
    assert listed(client, call, "podcast polarisatie") == [hit.reference]


def test_odd_input_is_answered_not_crashed(client, call, manager, make_application):
    indexed(make_application, summary="tekst")
    client.force_login(manager)
    for text in ["'", "a & | ! :* (", "\x00", "é" * 300, "!!!"]:
        assert client.get(reverse("manage_search:search"), {"q": text}).status_code == 200
        assert client.get(reverse("manage_reviews:applications", args=[call.slug]), {"q": text}).status_code == 200


@pytest.mark.parametrize("rows", [1, 30])
def test_searching_takes_the_same_number_of_queries_for_1_or_30_matches(
    client, call, manager, make_application, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        application = indexed(make_application, summary="Een project over desinformatie en mediawijsheid.")
        PartnerFactory(application=application)
        search.reindex(application.pk)
    client.force_login(manager)
    # Both bounds include the navigation's permission checks (two queries for a manager).
    with django_assert_max_num_queries(12):
        assert len(listed(client, call, "desinformatie")) == rows
    with django_assert_max_num_queries(10):
        assert len(found(client, "desinformatie")) == rows
