"""Issue 12, point 7: ranking exports that open right in the reader's spreadsheet program."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from .ranking_data import D, application, closed_call, criterion, manager_of, review

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    call = closed_call(total_budget=D("100000"), reviews_required=2)
    first = criterion(call, 1, threshold="2.5", title_nl="Relevantie", title_en="Relevance")
    second = criterion(call, 1, threshold="2.5", title_nl="Haalbaarheid", title_en="Feasibility")
    for title, scores, amount in [("A", [(5, 5), (4, 4)], "50000.50"), ("B", [("3.5", 3), (4, 3)], "30000")]:
        app = application(call, title=title, requested=Decimal(amount))
        for one, two in scores:
            review(app, {first: one, second: two})
    return call


def _get(client, call, name, language):
    manager = manager_of(call)
    manager.preferred_language = language
    manager.save()
    client.force_login(manager)
    with translation.override(language):
        url = reverse(name, args=[call.slug])
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language)


def _as_excel_reads(response, delimiter, decimal_sep):
    """Parse like a spreadsheet program in that locale: split on `delimiter`, read numbers with
    `decimal_sep`."""
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = rows[0]
    assert all(len(row) == len(header) for row in rows)  # no field split by a decimal separator
    return header, [dict(zip(header, row, strict=True)) for row in rows[1:]]


def _number(text, decimal_sep):
    return Decimal(text.replace(decimal_sep, "."))


def test_the_dutch_csv_opens_as_belgian_excel_reads_it(client, call):
    """The Dutch ranking CSV opens with the right columns and numbers when parsed as Belgian
    Excel would (semicolon, decimal comma)."""
    response = _get(client, call, "ranking:export_csv", "nl")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-rangschikking.csv"')  # a Dutch file name
    header, rows = _as_excel_reads(response, ";", ",")
    for column in ("Rang", "Referentie", "Titel", "Relevantie: score", "Totaal (%)", "Financieringslijn"):
        assert column in header
    by_title = {row["Titel"]: row for row in rows}
    assert _number(by_title["A"]["Relevantie: score"], ",") == Decimal("4.5")
    assert by_title["A"]["Relevantie: score"] == "4,5"
    assert _number(by_title["A"]["Gevraagd bedrag"], ",") == Decimal("50000.5")
    assert _number(by_title["B"]["Relevantie: score"], ",") == Decimal("3.75")


def test_the_english_csv_uses_commas_and_decimal_points(client, call):
    response = _get(client, call, "ranking:export_csv", "en")
    header, rows = _as_excel_reads(response, ",", ".")
    by_title = {row["Title"]: row for row in rows}
    assert by_title["B"]["Relevance: score"] == "3.75"
    assert response["Content-Disposition"].endswith('-ranking.csv"')


def test_the_xlsx_has_a_frozen_header_an_autofilter_and_number_formats(client, call):
    """… and the XLSX has a frozen header and an autofilter."""
    from openpyxl import load_workbook

    response = _get(client, call, "ranking:export_xlsx", "nl")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["Scores", "Budget"]
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
        assert sheet["A1"].font.b
    scores = workbook["Scores"]
    assert scores.auto_filter.ref.endswith("3")  # header and two applications
    header = [cell.value for cell in scores[1]]
    requested = header.index("Gevraagd bedrag") + 1
    assert scores.cell(row=2, column=requested).number_format == '"€" #,##0.00'
    score = header.index("Relevantie: score") + 1
    assert scores.cell(row=2, column=score).number_format == "0.0##"
    assert "rangschikking.xlsx" in response["Content-Disposition"]


def test_a_title_that_looks_like_a_formula_stays_text_in_both_exports(client, call):
    """An applicant's title is theirs to write: opened in a spreadsheet it must never run as a
    formula (CSV injection)."""
    from openpyxl import load_workbook

    from applications.models import Application

    Application.objects.filter(call=call, title="A").update(title='=HYPERLINK("http://example.org","klik")')

    header, rows = _as_excel_reads(_get(client, call, "ranking:export_csv", "nl"), ";", ",")
    titles = {row["Titel"] for row in rows}
    assert '\'=HYPERLINK("http://example.org","klik")' in titles  # shown as text by spreadsheets
    assert not any(title.startswith("=") for title in titles)

    response = _get(client, call, "ranking:export_xlsx", "nl")
    scores = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Scores"]
    column = [cell.value for cell in scores[1]].index("Titel") + 1
    cells = [scores.cell(row=row, column=column) for row in (2, 3)]
    formula = next(cell for cell in cells if "HYPERLINK" in str(cell.value))
    assert formula.data_type == "s" and formula.value == '=HYPERLINK("http://example.org","klik")'
