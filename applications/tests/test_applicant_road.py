"""Issue 12, point 4: applicants lose nothing they typed and confirm what they sign."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from applications import services
from applications.demo import minimal_pdf
from applications.forms import AmountField, QuestionsForm, parse_amount
from applications.models import Status
from calls.eligibility import visible_length
from calls.tests.factories import QuestionFactory

pytestmark = pytest.mark.django_db


def _section(application, section):
    return reverse("applications:section", args=[application.pk, section])


def test_a_save_with_one_invalid_field_keeps_the_four_valid_ones_and_the_invalid_one_comes_back(client, draft, member):
    """An applicant types five fields, one of them invalid, saves, leaves and returns: the four
    valid values are there and the invalid one is shown with its message."""
    client.force_login(member)
    typed = {
        "version": draft.version,
        "title": "Nepnieuws in de klas",
        "acronym": "NIK",
        "summary": "Leerlingen leren nepnieuws herkennen.",
        "start_date": "2030-01-01",
        "end_date": "2030-02-31",  # no such day
    }
    response = client.post(_section(draft, "general"), typed)
    assert response.status_code == 200
    assert 'value="2030-02-31"' in response.text  # what was typed is on the page
    draft.refresh_from_db()
    assert (draft.title, draft.acronym, draft.summary) == (typed["title"], typed["acronym"], typed["summary"])
    assert draft.start_date.isoformat() == "2030-01-01" and draft.end_date is None

    client.get(reverse("applications:list"))  # leaves
    page = client.get(_section(draft, "general"))  # and returns
    for value in (typed["title"], typed["acronym"], typed["summary"], "2030-01-01", "2030-02-31"):
        assert escape(value) in page.text
    form = page.context["form"]
    assert form.errors["end_date"] and str(form.errors["end_date"][0]) in page.text

    # Once corrected, the kept value and its message are gone.
    fixed = {**typed, "version": draft.version, "end_date": "2030-12-31"}
    assert client.post(_section(draft, "general"), fixed).status_code == 302
    page = client.get(_section(draft, "general"))
    assert "2030-02-31" not in page.text and not page.context["form"].errors


def test_a_brand_new_draft_shows_no_blocking_items_until_something_is_entered(client, call, member):
    draft, _created = services.start(call, by=member, organisation=member.organisation)
    client.force_login(member)
    page = client.get(_section(draft, "general"))
    assert page.context["findings"] == [] and page.context["blocking"] == []
    services.save_general(draft, by=member, version=draft.version, data={"title": "Iets"})
    page = client.get(_section(draft, "general"))
    assert page.context["blocking"]


def test_submitting_without_the_declaration_is_refused_and_with_it_the_receipt_records_it(client, complete, member):
    """Submitting without ticking the declaration is refused with a message; with it, the
    receipt records the declaration and its time."""
    client.force_login(member)
    url = reverse("applications:submit", args=[complete.pk])
    review = client.get(_section(complete, "review"))
    assert 'name="declaration"' in review.text and reverse("privacy") in review.text
    refused = client.post(url, {"version": complete.version})
    assert refused.status_code == 409
    assert "declaration of honour" in refused.text or "verklaring op eer" in refused.text
    complete.refresh_from_db()
    assert complete.status == Status.DRAFT and complete.declared_at is None

    response = client.post(url, {"version": complete.version, "declaration": "on"})
    assert response.status_code == 302
    complete.refresh_from_db()
    assert complete.status == Status.SUBMITTED and complete.declared_at == complete.submitted_at
    assert "correct and complete" in complete.declaration_text or "correct en volledig" in complete.declaration_text

    from django.template.loader import render_to_string

    html = render_to_string("applications/receipt.html", {"application": complete, "content_hash": "x"})
    assert escape(complete.declaration_text) in html
    assert str(complete.declared_at.astimezone().year) in html
    receipt = client.get(reverse("applications:receipt", args=[complete.pk]))
    assert receipt.status_code == 200 and receipt.content[:5] == b"%PDF-"
    assert complete.declaration_text in client.get(reverse("applications:detail", args=[complete.pk])).text


def test_removing_an_attachment_asks_first(client, draft, member, call):
    client.force_login(member)
    document = call.documents.get()
    client.post(
        reverse("applications:upload", args=[draft.pk, document.pk]),
        {"file": SimpleUploadedFile("plan.pdf", minimal_pdf())},
    )
    attachment = draft.attachments.get()
    page = client.get(_section(draft, "attachments"))
    delete_url = reverse("applications:delete_attachment", args=[draft.pk, attachment.pk])
    assert f'href="{delete_url}"' in page.text
    confirm = client.get(delete_url)
    assert confirm.status_code == 200 and 'name="confirm"' in confirm.text
    assert draft.attachments.count() == 1


@pytest.mark.parametrize(
    "typed, amount",
    [
        ("180.000,00", "180000.00"),
        ("180,000.00", "180000.00"),
        ("€ 180.000", "180000"),
        ("1234,5", "1234.5"),
        ("1234.50", "1234.50"),
        ("1.234.567", "1234567"),
    ],
)
def test_amounts_are_read_as_people_write_them(typed, amount):
    assert parse_amount(typed) == amount
    assert AmountField(label="x").clean(typed) == Decimal(amount)


def test_an_amount_input_reads_like_the_totals(client, draft, member):
    services.save_budget(draft, by=member, version=draft.version, funding={"requested_amount": Decimal("180000")})
    client.force_login(member)
    page = client.get(_section(draft, "budget"))
    assert 'value="180.000,00"' in page.text
    assert "(€)" in page.text  # every amount says its unit, the partner's share too
    assert "(€)" in client.get(_section(draft, "partners")).text


def test_a_number_question_enforces_the_calls_limits(draft, call):
    question = QuestionFactory(call=call, kind="number", max_chars=None, required=False, min_value=Decimal("0"))
    form = QuestionsForm({f"q_{question.pk}": "-20", "version": "1"}, application=draft, questions=[question])
    assert not form.is_valid() and f"q_{question.pk}" in form.errors
    form = QuestionsForm({f"q_{question.pk}": "20", "version": "1"}, application=draft, questions=[question])
    assert form.is_valid()


def test_the_server_counts_characters_as_the_counter_does(draft, call):
    """A line break counts once (browsers send it as CR LF): a text of exactly the limit passes."""
    question = QuestionFactory(call=call, kind="long_text", max_chars=10, required=False)
    text = "abcd\r\nefghi"  # 10 characters as the counter shows them
    assert visible_length(text) == 10
    form = QuestionsForm({f"q_{question.pk}": text, "version": "1"}, application=draft, questions=[question])
    assert form.is_valid(), form.errors
    form = QuestionsForm({f"q_{question.pk}": text + "j", "version": "1"}, application=draft, questions=[question])
    assert not form.is_valid()


def test_the_counter_script_counts_like_the_server():
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / "static/js/portal.js").read_text()
    assert 'replace(/\\r\\n/g, "\\n")' in script and 'normalize("NFC")' in script and ".trim()" in script


def test_the_autosave_message_names_the_button_as_labelled(client, draft, member):
    client.force_login(member)
    response = client.post(
        reverse("applications:autosave", args=[draft.pk, "general"]),
        {"version": draft.version, "title": "Titel", "end_date": "geen datum"},
    )
    page = client.get(_section(draft, "general"))
    label = page.text.split('name="save">')[1].split("<")[0]
    assert f"“{label}”" in response.text
