"""The XLSX files the portal writes, read back as a spreadsheet program reads them (openpyxl):
what people type arrives as they typed it, numbers stay numbers with their column's format, and
nothing a user writes becomes a formula, a broken file or a lost cell."""

import io
import zipfile
from decimal import Decimal
from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.utils.escape import unescape

from portal.spreadsheets import xlsx_response


def _written(sheets):
    response = xlsx_response("test.xlsx", sheets)
    return b"".join(response.streaming_content)


def _read(sheets):
    return load_workbook(io.BytesIO(_written(sheets)))


def test_texts_arrive_as_typed_whatever_characters_they_hold():
    texts = [
        "Gewoon een titel",
        "Tom & Jerry <vzw> \"quotes\" 'single'",
        "  leading and trailing spaces  ",
        "two\nlines",
        "a bell \x07 and a vertical tab \x0b",
        "looks like an escape: _x0041_",
        "Émile Verhaeren — «Ça» 中文 😀",
        '=HYPERLINK("http://example.org","klik")',
        "+32 2 123 45 67",
        "@SUM(A1)",
    ]
    sheet = _read([("Texts", [["text"], *[[text] for text in texts]], ())])["Texts"]
    read = [sheet.cell(row=row, column=1) for row in range(2, len(texts) + 2)]
    # Characters XML cannot hold travel as Excel's escapes (_x0007_), which Excel reads back;
    # openpyxl leaves inline strings as they are, so the test decodes them as Excel does.
    assert [unescape(cell.value) for cell in read] == texts
    assert all(cell.data_type == "s" for cell in read)  # none of them became a formula


def test_numbers_keep_their_value_type_and_column_format():
    rows = [
        ["Count", "Score", "Amount", "Flag", "Empty", "Text"],
        [3, 3.666667, Decimal("1234567.89"), True, None, "x"],
        [0, 0.0, Decimal("0"), False, None, ""],
        [10**12, float("nan"), Decimal("NaN"), None, None, None],
    ]
    sheet = _read([("Numbers", rows, ["0", "0.0##", '"€" #,##0.00'])])["Numbers"]
    assert [sheet.cell(row=2, column=c).value for c in range(1, 5)] == [3, 3.666667, 1234567.89, True]
    assert sheet.cell(row=2, column=2).number_format == "0.0##"
    assert sheet.cell(row=2, column=3).number_format == '"€" #,##0.00'
    assert sheet.cell(row=2, column=1).number_format == "0"
    assert sheet.cell(row=2, column=5).value is None  # None is an empty cell
    assert sheet.cell(row=2, column=6).value == "x"
    assert [sheet.cell(row=3, column=c).value for c in range(1, 4)] == [0, 0, 0]
    assert sheet.cell(row=4, column=1).value == 10**12
    # What a spreadsheet cannot hold as a number is kept as text rather than breaking the file.
    assert sheet.cell(row=4, column=2).value == "nan"
    assert sheet.cell(row=4, column=3).value == "NaN"


def test_every_sheet_has_a_bold_frozen_header_and_an_autofilter_over_its_rows():
    workbook = _read(
        [
            ("Scores", [["A", "B", "C"], *[[i, i * 2, f"r{i}"] for i in range(1, 30)]], ()),
            ("Budget", [["Figure", "Amount"], ["Used", Decimal("5")]], [None, '"€" #,##0.00']),
        ]
    )
    assert workbook.sheetnames == ["Scores", "Budget"]
    scores, budget = workbook.worksheets
    assert scores.auto_filter.ref == "A1:C30"
    assert budget.auto_filter.ref == "A1:B2"
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].font.b and not sheet["A2"].font.b


def test_sheet_names_are_made_acceptable_and_unique():
    workbook = _read(
        [
            ("Scores: a/b [test] * ? with a name far longer than thirty-one characters", [["x"]], ()),
            ("Scores", [["x"]], ()),
            ("scores", [["x"]], ()),
            ("", [["x"]], ()),
        ]
    )
    names = workbook.sheetnames
    assert all(len(name) <= 31 and not set(name) & set("[]:*?/\\") for name in names)
    assert len({name.lower() for name in names}) == 4


def test_a_long_text_is_cut_to_what_a_cell_can_hold_and_an_empty_sheet_is_still_a_file():
    workbook = _read([("Long", [["text"], ["x" * 40000]], ()), ("Empty", [], ())])
    assert len(workbook["Long"]["A2"].value) == 32767
    assert workbook["Empty"].max_row == 1


def test_every_part_is_well_formed_xml_in_a_complete_package():
    data = _written([("Scores", [["a", "b"], [1, "x & y"]], ["0", None])])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        assert {
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
        } <= names
        for name in names:
            ElementTree.fromstring(archive.read(name))  # raises on malformed XML
