"""The spreadsheet files the portal hands out (CSV and XLSX), written one way everywhere.

CSV: streamed row by row, with a byte-order mark so spreadsheet programs read UTF-8. XLSX:
XlsxWriter in constant memory (each row goes to a temporary file as it is written), with a bold,
frozen header row, an autofilter, and number formats set per column.

In both, a text stays a text: a spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a
formula (CSV injection), and applicants write titles, names and account holders. CSV cells of
that kind get a leading apostrophe, which spreadsheets show as plain text; XLSX cells are
written as strings, never as formulas or links.
"""

import csv
import tempfile
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_cell(value, decimal_sep: str = ".") -> str:
    """A value as a CSV field: None empty, decimals with `decimal_sep`, texts safe from
    formulas. (It runs for every cell of a large export: the common types are tried first.)"""
    kind = type(value)
    if kind is str:
        return "'" + value if value[:1] in _FORMULA_FIRST else value
    if value is None:
        return ""
    if kind is Decimal:
        return str(value).replace(".", decimal_sep)
    if isinstance(value, str):
        return csv_cell(str(value))
    return str(value)


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
            line = writer.writerow([csv_cell(value, decimal_sep) for value in row])
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
    formats are per column (None: as it comes)."""
    import xlsxwriter

    spool = tempfile.SpooledTemporaryFile(max_size=10 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(spool, options) as workbook:
        for title, rows, formats in sheets:
            _sheet(workbook, title, rows, formats)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def _sheet(workbook, title: str, rows, formats) -> None:
    sheet = workbook.add_worksheet(str(title)[:31])
    sheet.freeze_panes(1, 0)
    bold = workbook.add_format({"bold": True})
    count = width = 0
    for index, row in enumerate(rows):
        if index == 0:
            width = len(row)
            for column in range(width):
                number_format = formats[column] if column < len(formats) else None
                style = workbook.add_format({"num_format": number_format}) if number_format else None
                sheet.set_column(column, column, 18, style)  # numbers take their column's format
            sheet.write_row(0, 0, [str(value) for value in row], bold)
        else:
            sheet.write_row(index, 0, row)  # None: an empty cell; decimals as numbers
        count += 1
    if width:
        sheet.autofilter(0, 0, max(count - 1, 0), width - 1)
