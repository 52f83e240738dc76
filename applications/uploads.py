"""Checking uploaded files: by content (magic bytes), never by name; by size while the upload
streams in; and by a virus scan when one is configured."""

from __future__ import annotations

import hashlib
import os
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from calls.models import FileFormat

from . import scanning

MB = 1024 * 1024

MIME_TYPES = {
    FileFormat.PDF: "application/pdf",
    FileFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileFormat.ODT: "application/vnd.oasis.opendocument.text",
    FileFormat.ODS: "application/vnd.oasis.opendocument.spreadsheet",
    FileFormat.PNG: "image/png",
    FileFormat.JPEG: "image/jpeg",
}
# The extension a stored file gets for its sniffed format; the first is used when it had another.
EXTENSIONS = {
    FileFormat.PDF: (".pdf",),
    FileFormat.DOCX: (".docx",),
    FileFormat.XLSX: (".xlsx",),
    FileFormat.ODT: (".odt",),
    FileFormat.ODS: (".ods",),
    FileFormat.PNG: (".png",),
    FileFormat.JPEG: (".jpg", ".jpeg"),
}
_FORMAT_OF_MIME_TYPE = {mime: format_ for format_, mime in MIME_TYPES.items()}
_ODF = {
    b"application/vnd.oasis.opendocument.text": FileFormat.ODT,
    b"application/vnd.oasis.opendocument.spreadsheet": FileFormat.ODS,
}


class UploadRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Inspected:
    format: str
    content_type: str
    size: int
    sha256: str
    original_name: str
    scan_status: str


def _zip_format(file) -> str | None:
    """Tell DOCX, XLSX, ODT and ODS apart by what is inside the ZIP container."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                return _ODF.get(archive.read("mimetype").strip())
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return FileFormat.DOCX
                if "xl/workbook.xml" in names:
                    return FileFormat.XLSX
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError, EOFError):
        return None
    finally:
        file.seek(0)
    return None


def sniff(file) -> str | None:
    """The FileFormat of the bytes in `file`, or None when it is none we accept."""
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    kind = filetype.guess(head)
    if kind is None:
        return None
    if kind.extension == "pdf":
        return FileFormat.PDF
    if kind.extension == "png":
        return FileFormat.PNG
    if kind.extension == "jpg":
        return FileFormat.JPEG
    if kind.extension in {"zip", "docx", "xlsx", "odt", "ods"}:
        return _zip_format(file)
    return None


def clean_name(name: str) -> str:
    """The file's own name without any path, control characters or excessive length."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".") or "document"
    stem, ext = os.path.splitext(name)
    return stem[: 255 - len(ext[:20])] + ext[:20]


def name_for_format(name: str, format_: str) -> str:
    """`name` with the extension of the format its content has: a PDF named evil.html is stored
    and served as evil.pdf, so no browser or desktop ever opens it as something else."""
    extensions = EXTENSIONS.get(format_)
    if not extensions:
        return name
    stem, ext = os.path.splitext(name)
    if ext.lower() in extensions:
        return name
    return (stem or "document") + extensions[0]


def served_name(name: str, content_type: str) -> str:
    """The name a stored file is downloaded under, from the content type sniffed at upload
    (also right for files stored before names followed their content)."""
    format_ = _FORMAT_OF_MIME_TYPE.get(content_type)
    return name_for_format(name, format_) if format_ else name


def download(stored) -> FileResponse:
    """A checked upload (anything with `file`, `original_name` and `content_type`: attachments,
    reconsideration files, report evidence) as a private download under the name its content
    allows; a file missing from storage is a 404, never a 500."""
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=served_name(stored.original_name, stored.content_type),
        content_type=stored.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def format_labels(formats) -> str:
    labels = dict(FileFormat.choices)
    return ", ".join(labels.get(f, f) for f in formats)


def inspect(upload, *, allowed_formats, max_bytes: int) -> Inspected:
    """Check an uploaded file; raise UploadRefused saying what is wrong and what is allowed."""
    name = clean_name(getattr(upload, "name", ""))
    limit_mb = max_bytes // MB
    if upload.size is None or upload.size > max_bytes:
        raise UploadRefused(
            _("“%(name)s” is larger than %(limit)s MB, the maximum for this document.")
            % {"name": name, "limit": limit_mb}
        )
    if upload.size == 0:
        raise UploadRefused(_("“%(name)s” is empty.") % {"name": name})
    found = sniff(upload)
    if found is None or found not in allowed_formats:
        raise UploadRefused(
            _("The content of “%(name)s” is not an accepted format. Accepted formats: %(formats)s.")
            % {"name": name, "formats": format_labels(allowed_formats)}
        )
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    if size > max_bytes:
        raise UploadRefused(
            _("“%(name)s” is larger than %(limit)s MB, the maximum for this document.")
            % {"name": name, "limit": limit_mb}
        )
    try:
        result = scanning.scan(upload)
    except scanning.ScannerUnavailable:
        raise UploadRefused(_("The virus scanner does not answer; please try again in a few minutes."))
    upload.seek(0)
    if result.infected:
        raise UploadRefused(
            _("“%(name)s” was refused: the virus scanner found %(threat)s.") % {"name": name, "threat": result.threat}
        )
    return Inspected(found, MIME_TYPES[found], size, digest.hexdigest(), name_for_format(name, found), result.status)


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading a file as soon as it passes the limit, so an oversized upload is never
    written in full anywhere (put first in request.upload_handlers)."""

    def __init__(self, request=None, *, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0
        self.too_large: list[str] = []

    def new_file(self, field_name, file_name, *args, **kwargs):
        self.received = 0
        self.current_name = file_name
        super().new_file(field_name, file_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.too_large.append(self.current_name)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None
