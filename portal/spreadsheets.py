"""The spreadsheet files the portal hands out (CSV and XLSX), written one way everywhere.

CSV: streamed row by row, with a byte-order mark so spreadsheet programs read UTF-8. XLSX:
written row by row into the zipped worksheet (`_XlsxSheet`), with a bold, frozen header row, an
autofilter, and number formats set per column.

In both, a text stays a text: a spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a
formula (CSV injection), and applicants write titles, names and account holders. CSV cells of
that kind get a leading apostrophe, which spreadsheets show as plain text; XLSX cells are
written as inline strings, never as formulas or links.
"""

import csv
import math
import re
import tempfile
import zipfile
from decimal import Decimal
from html import escape

from django.http import FileResponse, StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CsvNumber(str):
    """A number already written as a CSV field, with the file's decimal separator (`csv_number`):
    `csv_cells` passes it as it is. An export that repeats the same few figures writes each once."""


def csv_number(value, decimal_sep: str = ".") -> CsvNumber:
    return CsvNumber(str(value).replace(".", decimal_sep))


def csv_cells(row, decimal_sep: str = ".") -> list:
    """A row as CSV fields: None empty, decimals with `decimal_sep`, texts safe from formulas.
    (It runs for every cell of a large export: the common types are tried first, in one loop.)"""
    cells = []
    append = cells.append
    for value in row:
        kind = type(value)
        if kind is CsvNumber:
            append(value)
        elif kind is str:
            append("'" + value if value[:1] in _FORMULA_FIRST else value)
        elif value is None:
            append("")
        elif kind is Decimal:
            append(csv_number(value, decimal_sep))
        elif isinstance(value, str):  # a lazy translation, a str subclass
            append(*csv_cells([str(value)]))
        else:
            append(value)  # int, float, bool: as the csv module writes them
    return cells


_FORMULA_FIRST = frozenset(FORMULA_STARTS)


class _Echo:
    """What csv.writer writes to: it hands each line back instead of storing it."""

    def write(self, value):
        return value


def csv_response(rows, filename: str, *, delimiter: str = ";", decimal_sep: str = ".") -> StreamingHttpResponse:
    """`rows` (lists of values, the header first) as a streamed CSV attachment."""
    writer = csv.writer(_Echo(), delimiter=delimiter)

    def lines():
        # About 64 kB at a time: a line per write would cost the server a system call per row.
        chunk, size = ["\ufeff"], 0  # the mark: so spreadsheet programs read the file as UTF-8
        for row in rows:
            line = writer.writerow(csv_cells(row, decimal_sep))
            chunk.append(line)
            size += len(line)
            if size >= 65536:
                yield "".join(chunk)
                chunk, size = [], 0
        yield "".join(chunk)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(filename: str, sheets) -> FileResponse:
    """An XLSX attachment with one sheet per (title, rows, number formats) of `sheets`; the
    formats are per column (None: as it comes). The rows go into the file as they come: a large
    export stays small in memory (see `_XlsxSheet`)."""
    spool = tempfile.SpooledTemporaryFile(max_size=10 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    styles = _XlsxStyles()
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED, compresslevel=XLSX_COMPRESSION) as archive:
        written = []
        for index, (title, rows, formats) in enumerate(sheets, start=1):
            name = _sheet_name(title, [name for name, _ref in written])
            with archive.open(f"xl/worksheets/sheet{index}.xml", "w") as part:
                written.append((name, _XlsxSheet(part, styles).write(rows, formats)))
        _package(archive, written, styles)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


# Faster than the default level at a few per cent more bytes: an export is read once.
XLSX_COMPRESSION = 1
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
# What XML 1.0 cannot hold, and text that Excel would read as such an escape (`_x0007_`): both
# are written as `_xHHHH_`, the escape Excel reads back.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_TEXT_LIMIT = 32767  # characters in one cell


def _xml_text(value: str) -> str:
    value = value[:_TEXT_LIMIT].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if _NOT_XML.search(value):
        value = _NOT_XML.sub(lambda match: f"_x{ord(match.group()):04X}_", value)
    return value


def _column_letters(count: int) -> list[str]:
    letters = []
    for index in range(count):
        name, number = "", index + 1
        while number:
            number, rest = divmod(number - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


class _XlsxStyles:
    """The cell formats of a workbook: 0 plain, 1 bold (the header), then one per number format."""

    def __init__(self):
        self.number_formats: list[str] = []

    def for_number_format(self, number_format: str | None) -> int:
        if not number_format:
            return 0
        if number_format not in self.number_formats:
            self.number_formats.append(number_format)
        return 2 + self.number_formats.index(number_format)

    def xml(self) -> str:
        custom = "".join(
            f'<numFmt numFmtId="{164 + i}" formatCode="{escape(code, quote=True)}"/>'
            for i, code in enumerate(self.number_formats)
        )
        numbers = "".join(
            f'<xf numFmtId="{164 + i}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            for i in range(len(self.number_formats))
        )
        return (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
            + (f'<numFmts count="{len(self.number_formats)}">{custom}</numFmts>' if custom else "")
            + '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{2 + len(self.number_formats)}">'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
            f"{numbers}</cellXfs>"
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        )


class _XlsxSheet:
    """One worksheet, written to `part` row by row: a bold and frozen header, an autofilter over
    the rows, and each column's number format on its numbers. Texts are inline strings (never
    formulas or links); None is an empty cell; numbers that are not finite are written as text.

    Written here rather than with a spreadsheet library: the ranking export of a large call has
    about 350,000 cells, and a general writer spends several microseconds on each (see
    docs/decisions.md, "Scale")."""

    def __init__(self, part, styles: _XlsxStyles):
        self.part, self.styles = part, styles

    def write(self, rows, formats) -> str:
        """Write the sheet; answer the range the autofilter covers (e.g. A1:AL10001)."""
        write = self.part.write
        write(
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}">'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft"/></sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>'.encode()
        )
        letters, styles, count, chunk = [], [], 0, []
        for count, row in enumerate(rows, start=1):
            if count == 1:
                letters = _column_letters(len(row))
                styles = [
                    self.styles.for_number_format(formats[i] if i < len(formats) else None) for i in range(len(row))
                ]
                columns = "".join(
                    f'<col min="{i + 1}" max="{i + 1}" width="18.7109375" customWidth="1"'
                    + (f' style="{style}"/>' if style else "/>")
                    for i, style in enumerate(styles)
                )
                write(f"<cols>{columns}</cols><sheetData>".encode())
                cells = "".join(
                    f'<c r="{letter}1" s="1" t="inlineStr"><is><t>{_xml_text(str(value))}</t></is></c>'
                    for letter, value in zip(letters, row, strict=False)
                )
                chunk.append(f'<row r="1">{cells}</row>')
                continue
            chunk.append(self._row(count, row, letters, styles))
            if len(chunk) >= 500:
                write("".join(chunk).encode())
                chunk = []
        if count == 0:
            write(b"<sheetData>")
        write("".join(chunk).encode())
        width = max(len(letters), 1)
        area = f"A1:{_column_letters(width)[-1]}{max(count, 1)}"
        write(f'</sheetData><autoFilter ref="{area}"/></worksheet>'.encode())
        return area

    @staticmethod
    def _row(number: int, row, letters: list[str], styles: list[int]) -> str:
        cells = []
        append = cells.append
        for letter, style, value in zip(letters, styles, row, strict=False):
            kind = type(value)
            if value is None:
                continue
            if kind is int or kind is float or kind is Decimal:
                if kind is int or (value.is_finite() if kind is Decimal else math.isfinite(value)):
                    append(f'<c r="{letter}{number}" s="{style}"><v>{value}</v></c>')
                    continue
                value = str(value)
            elif kind is bool:
                append(f'<c r="{letter}{number}" t="b"><v>{int(value)}</v></c>')
                continue
            text = _xml_text(value if kind is str else str(value))
            space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
            append(f'<c r="{letter}{number}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
        return f'<row r="{number}">{"".join(cells)}</row>'


def _sheet_name(title, taken: list[str]) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\, unique."""
    name = re.sub(r"[\[\]:*?/\\]", " ", str(title)).strip().strip("'")[:31] or "Sheet"
    candidate, number = name, 2
    while candidate.lower() in {other.lower() for other in taken}:
        suffix = f" ({number})"
        candidate, number = name[: 31 - len(suffix)] + suffix, number + 1
    return candidate


def _package(archive, sheets: list[tuple[str, str]], styles: _XlsxStyles) -> None:
    """The parts around the worksheets: the workbook, its relationships, the styles and the
    content types."""
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{sheet_type}"/>'
        for i in range(1, len(sheets) + 1)
    )
    archive.writestr(
        "[Content_Types].xml",
        f'{head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>",
    )
    archive.writestr("_rels/.rels", head + _relationships([("officeDocument", "xl/workbook.xml")]))
    entries = "".join(
        f'<sheet name="{escape(name, quote=True)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, (name, _area) in enumerate(sheets, start=1)
    )
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{escape(_reference(name, area))}</definedName>"
        for i, (name, area) in enumerate(sheets)
    )
    archive.writestr(
        "xl/workbook.xml",
        f'{head}<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}"><sheets>{entries}</sheets>'
        f"<definedNames>{filters}</definedNames></workbook>",
    )
    parts = [("worksheet", f"worksheets/sheet{i}.xml") for i in range(1, len(sheets) + 1)]
    archive.writestr("xl/_rels/workbook.xml.rels", head + _relationships([*parts, ("styles", "styles.xml")]))
    archive.writestr("xl/styles.xml", styles.xml())


def _relationships(targets: list[tuple[str, str]]) -> str:
    """A relationships part: rId1, rId2, … to each (kind, target) in turn."""
    entries = "".join(
        f'<Relationship Id="rId{i}" Type="{_RELATIONSHIPS}/{kind}" Target="{target}"/>'
        for i, (kind, target) in enumerate(targets, start=1)
    )
    return f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">{entries}</Relationships>'


def _reference(name: str, area: str) -> str:
    """'Sheet name'!$A$1:$B$3"""
    quoted = "'" + name.replace("'", "''") + "'"
    return quoted + "!" + ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", part) for part in area.split(":"))
