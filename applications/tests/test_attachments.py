"""Uploads are accepted by content, size and count, stored privately, downloaded only through
the permission-checked view; a refused upload leaves nothing behind."""

import io
import os
import socket
import threading
import zipfile

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications import scanning, services, uploads
from applications.demo import minimal_pdf
from applications.models import Attachment
from calls.models import FileFormat
from calls.tests.factories import RequiredDocumentFactory

pytestmark = pytest.mark.django_db

WINDOWS_EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 200
)


def _stored_files():
    root = settings.PRIVATE_MEDIA_ROOT
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files] if os.path.exists(root) else []


def _upload_url(application, document):
    return reverse("applications:upload", args=[application.pk, document.pk])


def _zip(entries: dict, first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if first:
            archive.writestr(first, entries.pop(first), compress_type=zipfile.ZIP_STORED)
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
XLSX = _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})
ODT = _zip({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"}, first="mimetype")
ODS = _zip({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}, first="mimetype")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (minimal_pdf(), FileFormat.PDF),
        (DOCX, FileFormat.DOCX),
        (XLSX, FileFormat.XLSX),
        (ODT, FileFormat.ODT),
        (ODS, FileFormat.ODS),
        (PNG, FileFormat.PNG),
        (JPEG, FileFormat.JPEG),
        (WINDOWS_EXE, None),
        (_zip({"readme.txt": "hallo"}), None),
        (b"just some text", None),
    ],
)
def test_formats_are_recognised_by_their_content(data, expected):
    assert uploads.sniff(io.BytesIO(data)) == expected


def test_an_executable_renamed_to_pdf_is_refused_and_nothing_is_stored(client, draft, member, call):
    document = call.documents.get()
    client.force_login(member)
    upload = SimpleUploadedFile("projectplan.pdf", WINDOWS_EXE, content_type="application/pdf")
    response = client.post(_upload_url(draft, document), {"file": upload})
    assert response.status_code == 400
    assert "projectplan.pdf" in response.text and "PDF" in response.text
    assert Attachment.objects.count() == 0
    assert _stored_files() == []


def test_a_25_mb_file_is_refused_with_the_limit_in_the_message_and_nothing_is_stored(client, draft, member, call):
    document = call.documents.get()
    assert document.size_limit_mb == 20
    client.force_login(member)
    big = SimpleUploadedFile("groot.pdf", b"%PDF-1.4\n" + b"0" * (25 * 1024 * 1024), content_type="application/pdf")
    response = client.post(_upload_url(draft, document), {"file": big})
    assert response.status_code == 400
    assert "20 MB" in response.text and "groot.pdf" in response.text
    assert Attachment.objects.count() == 0
    assert _stored_files() == []


def test_the_size_limit_is_checked_while_the_upload_streams():
    handler = uploads.SizeLimitUploadHandler(max_bytes=10)
    handler.new_file("file", "x.pdf", "application/pdf", 100)
    assert handler.receive_data_chunk(b"12345", 0) == b"12345"
    with pytest.raises(uploads.SkipFile):
        handler.receive_data_chunk(b"678901", 5)
    assert handler.too_large == ["x.pdf"]


def test_a_document_may_have_its_own_smaller_limit(client, draft, member, call):
    document = RequiredDocumentFactory(call=call, max_size_mb=1, allowed_formats=["pdf"], title_nl="Brief")
    client.force_login(member)
    upload = SimpleUploadedFile("brief.pdf", b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024))
    response = client.post(_upload_url(draft, document), {"file": upload})
    assert response.status_code == 400 and "1 MB" in response.text


def test_allowed_formats_are_per_document(client, draft, member, call):
    document = RequiredDocumentFactory(call=call, allowed_formats=["xlsx", "ods"], title_nl="Begroting")
    client.force_login(member)
    refused = client.post(_upload_url(draft, document), {"file": SimpleUploadedFile("begroting.xlsx", DOCX)})
    assert refused.status_code == 400 and "XLSX" in refused.text
    accepted = client.post(_upload_url(draft, document), {"file": SimpleUploadedFile("begroting.ods", ODS)})
    assert accepted.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == "application/vnd.oasis.opendocument.spreadsheet"


def test_a_pdf_is_stored_privately_with_its_hash_size_and_name(client, draft, member, call):
    import hashlib

    document = call.documents.get()
    data = minimal_pdf("Projectplan")
    client.force_login(member)
    response = client.post(_upload_url(draft, document), {"file": SimpleUploadedFile("../../Plan ü.pdf", data)})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "Plan ü.pdf"
    assert attachment.size == len(data) and attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert "Plan" not in attachment.file.name  # the stored name never contains the user's name
    assert attachment.file.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    with pytest.raises(NotImplementedError):
        _ = attachment.file.url  # no public URL exists


def test_download_is_an_attachment_with_the_original_name(client, complete, member):
    attachment = complete.attachments.get()
    client.force_login(member)
    response = client.get(reverse("applications:attachment", args=[complete.pk, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "plan.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_sniffed_pdf_named_html_is_stored_as_pdf(client, draft, member, call):
    document = call.documents.get()
    client.force_login(member)
    response = client.post(_upload_url(draft, document), {"file": SimpleUploadedFile("evil.html", minimal_pdf("X"))})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "evil.pdf"
    assert "evil.html" not in client.get(reverse("applications:section", args=[draft.pk, "attachments"])).text
    download = client.get(reverse("applications:attachment", args=[draft.pk, attachment.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="evil.pdf"'
    assert download["Content-Type"] == "application/pdf"


def test_a_file_stored_under_a_dangerous_name_earlier_is_served_with_its_formats_extension(client, complete, member):
    attachment = complete.attachments.get()
    attachment.original_name = "plan.svg"  # stored before names followed the content
    attachment.save()
    client.force_login(member)
    download = client.get(reverse("applications:attachment", args=[complete.pk, attachment.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="plan.pdf"'


@pytest.mark.parametrize(
    "name, format_, stored",
    [
        ("evil.html", "pdf", "evil.pdf"),
        ("Begroting.XLSX", "xlsx", "Begroting.XLSX"),
        ("foto.jpeg", "jpeg", "foto.jpeg"),
        ("foto.png", "jpeg", "foto.jpg"),
        ("plan", "pdf", "plan.pdf"),
        ("plan.pdf.exe", "pdf", "plan.pdf.pdf"),
    ],
)
def test_a_stored_name_ends_in_the_extension_of_its_content(name, format_, stored):
    from applications.uploads import name_for_format

    assert name_for_format(name, format_) == stored


def test_the_number_of_attachments_is_capped(client, draft, member, call):
    call.max_attachments = 1
    call.save()
    document = call.documents.get()
    client.force_login(member)
    assert (
        client.post(_upload_url(draft, document), {"file": SimpleUploadedFile("a.pdf", minimal_pdf())}).status_code
        == 302
    )
    response = client.post(_upload_url(draft, document), {"file": SimpleUploadedFile("b.pdf", minimal_pdf())})
    assert response.status_code == 400 and "1" in response.text
    assert Attachment.objects.count() == 1
    assert len(_stored_files()) == 1


def test_removing_an_attachment_deletes_the_file(client, draft, member, call, django_capture_on_commit_callbacks):
    document = call.documents.get()
    client.force_login(member)
    client.post(_upload_url(draft, document), {"file": SimpleUploadedFile("a.pdf", minimal_pdf())})
    attachment = Attachment.objects.get()
    url = reverse("applications:delete_attachment", args=[draft.pk, attachment.pk])
    # Removing asks first, without JavaScript: the link opens a confirmation, a bare POST too.
    assert "a.pdf" in client.get(url).text
    assert client.post(url).status_code == 200 and Attachment.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirm": "1"})
    assert response.status_code == 302
    assert Attachment.objects.count() == 0 and _stored_files() == []


def test_uploads_are_refused_after_submission(complete, member, call):
    application = services.submit(complete, declaration=True, by=member)
    with pytest.raises(services.TransitionError):
        services.add_attachment(
            application, by=member, document=call.documents.get(), upload=SimpleUploadedFile("x.pdf", minimal_pdf())
        )


class FakeClamd:
    """A clamd that answers every INSTREAM with `reply`, on a Unix socket."""

    def __init__(self, path, reply: bytes):
        self.path, self.reply, self.received = path, reply, b""
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(1)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.server.accept()
        with conn:
            data = b""
            while not data.endswith(b"\x00\x00\x00\x00"):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            self.received = data
            conn.sendall(self.reply)
        self.server.close()


def test_virus_scan_is_skipped_without_clamd(settings):
    settings.CLAMD_SOCKET = ""
    assert scanning.scan(io.BytesIO(b"data")).status == "skipped"


def test_an_infected_upload_is_refused_when_clamd_is_configured(client, draft, member, call, settings, tmp_path):
    socket_path = str(tmp_path / "clamd.sock")
    clamd = FakeClamd(socket_path, b"stream: Eicar-Test-Signature FOUND\x00")
    settings.CLAMD_SOCKET = socket_path
    client.force_login(member)
    response = client.post(
        _upload_url(draft, call.documents.get()), {"file": SimpleUploadedFile("a.pdf", minimal_pdf())}
    )
    assert response.status_code == 400 and "Eicar-Test-Signature" in response.text
    assert clamd.received.startswith(b"zINSTREAM\x00")
    assert Attachment.objects.count() == 0 and _stored_files() == []


def test_a_clean_scan_is_recorded(draft, member, call, settings, tmp_path):
    socket_path = str(tmp_path / "clamd.sock")
    FakeClamd(socket_path, b"stream: OK\x00")
    settings.CLAMD_SOCKET = socket_path
    attachment = services.add_attachment(
        draft, by=member, document=call.documents.get(), upload=SimpleUploadedFile("a.pdf", minimal_pdf())
    )
    assert attachment.scan_status == "clean"


def test_an_unreachable_scanner_refuses_the_upload(draft, member, call, settings, tmp_path):
    settings.CLAMD_SOCKET = str(tmp_path / "nobody-listens.sock")
    with pytest.raises(uploads.UploadRefused):
        services.add_attachment(
            draft, by=member, document=call.documents.get(), upload=SimpleUploadedFile("a.pdf", minimal_pdf())
        )
    assert Attachment.objects.count() == 0
