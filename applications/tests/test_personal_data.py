"""A person's rights: the ZIP of everything the portal holds about them, and erasure of their
account (anonymised where records must be kept, deleted where not), handled by staff."""

import hashlib
import io
import json
import uuid
import zipfile

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import ErasureRequest, User
from accounts.tests.factories import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory
from applications.models import Attachment, Message
from applications.tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def attach(application, user, data: bytes, name: str) -> Attachment:
    attachment = Attachment(
        application=application, uuid=uuid.uuid4(), original_name=name, content_type="application/pdf",
        size=len(data), sha256=hashlib.sha256(data).hexdigest(), uploaded_by=user,
    )  # fmt: skip
    attachment.file.save("upload", ContentFile(data), save=False)
    attachment.save()
    return attachment


def member_of(organisation, **fields):
    return MembershipFactory(organisation=organisation, user=UserFactory(**fields)).user


@pytest.fixture
def two_organisations():
    """Anna's organisation and another one, each with a submitted application, a message and a file."""
    own, other = OrganisationFactory(name="Eigen vzw"), OrganisationFactory(name="Andere vzw")
    anna = member_of(own, email="anna@eigen.be", full_name="Anna Aanvrager")
    bert = member_of(other, email="bert@andere.be", full_name="Bert Buur")
    mine = ApplicationFactory(
        lead_organisation=own, created_by=anna, title="Ons project", status="submitted",
        reference="DES-2026-0001", submitted_at=timezone.now(),
    )  # fmt: skip
    theirs = ApplicationFactory(
        lead_organisation=other, created_by=bert, title="Hun geheim project", status="submitted",
        reference="DES-2026-0002", submitted_at=timezone.now(),
    )  # fmt: skip
    Message.objects.create(application=mine, author=anna, body="Wanneer hoor ik iets?")
    Message.objects.create(application=theirs, author=bert, body="Vertrouwelijke vraag van Bert")
    attach(mine, anna, b"%PDF-1.4 ons plan", "plan.pdf")
    attach(theirs, bert, b"%PDF-1.4 hun plan", "geheim.pdf")
    return anna, bert, mine, theirs


def test_the_download_holds_my_applications_messages_and_uploads_and_nothing_of_others(client, two_organisations):
    anna, bert, mine, theirs = two_organisations
    client.force_login(anna)

    response = client.get(reverse("privacy:export"))

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == "anna@eigen.be"
    assert [a["content"]["title"] for a in data["applications"]] == ["Ons project"]
    assert [m["body"] for m in data["messages"]] == ["Wanneer hoor ik iets?"]
    files = [name for name in archive.namelist() if name.startswith("files/")]
    assert len(files) == 1 and archive.read(files[0]) == b"%PDF-1.4 ons plan"
    everything = b"".join(archive.read(name) for name in archive.namelist())
    for secret in ("Hun geheim project", "Vertrouwelijke vraag", "hun plan", "bert@andere.be", "Andere vzw"):
        assert secret.encode() not in everything


def test_the_download_and_my_data_page_need_a_login(client):
    assert client.get(reverse("privacy:export")).status_code == 302
    assert client.get(reverse("privacy:mine")).status_code == 302


def test_an_erased_account_cannot_log_in_and_its_applications_stay_with_the_organisation(
    client, two_organisations, admin_user
):
    anna, _bert, mine, _theirs = two_organisations
    colleague = member_of(mine.lead_organisation, email="collega@eigen.be")
    client.force_login(anna)
    response = client.post(reverse("privacy:mine"), {"reason": "Ik stop.", "confirm": "on"})
    assert response.status_code == 302
    request = ErasureRequest.objects.get(user=anna, status="pending")
    client.post(reverse("privacy:mine"), {"confirm": "on"})  # a second click: still one request
    assert ErasureRequest.objects.filter(user=anna).count() == 1

    client.force_login(admin_user)
    assert "anna@eigen.be" in client.get(reverse("privacy_manage:list")).content.decode()
    page = client.get(reverse("privacy_manage:handle", args=[request.pk])).content.decode()
    assert 'id="keep-reasons"' in page  # staff see why it is anonymised, not deleted
    response = client.post(reverse("privacy_manage:handle", args=[request.pk]), {"action": "erase"})
    assert response.status_code == 302

    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.ANONYMISED and request.reason == ""
    anna = User.objects.get(pk=anna.pk)
    assert anna.email != "anna@eigen.be" and anna.full_name == "" and not anna.is_active
    client.logout()
    response = client.post(reverse("account_login"), {"login": "anna@eigen.be", "password": PASSWORD})
    assert client.session.get(SESSION_KEY) is None
    response = client.post(reverse("account_login"), {"login": anna.email, "password": PASSWORD})
    assert client.session.get(SESSION_KEY) is None

    # The application stays with the organisation, under an anonymous author.
    mine.refresh_from_db()
    assert mine.lead_organisation.name == "Eigen vzw" and mine.created_by_id == anna.pk
    assert str(mine.created_by) in {"former user", "voormalige gebruiker"} and not anna.memberships.exists()
    client.force_login(colleague)
    page = client.get(mine.get_absolute_url()).content.decode()
    assert "Ons project" in page and "Anna Aanvrager" not in page and "anna@eigen.be" not in page


def test_an_account_with_nothing_to_keep_is_deleted(client, admin_user):
    visitor = UserFactory(email="even@kijken.be")
    client.force_login(visitor)
    client.post(reverse("privacy:mine"), {"confirm": "on"})
    request = ErasureRequest.objects.get()
    client.force_login(admin_user)
    client.post(reverse("privacy_manage:handle", args=[request.pk]), {"action": "erase"})
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.ERASED and request.user is None
    assert not User.objects.filter(email="even@kijken.be").exists()


def test_a_refusal_needs_a_motivation_and_the_person_reads_it(client, admin_user):
    visitor = UserFactory()
    client.force_login(visitor)
    client.post(reverse("privacy:mine"), {"confirm": "on"})
    request = ErasureRequest.objects.get()
    client.force_login(admin_user)
    response = client.post(reverse("privacy_manage:handle", args=[request.pk]), {"action": "refuse", "note": ""})
    assert response.status_code == 200 and 'id="error-summary"' in response.content.decode()
    client.post(
        reverse("privacy_manage:handle", args=[request.pk]),
        {"action": "refuse", "note": "Lopend dossier bij de rechtbank."},
    )
    client.force_login(visitor)
    assert "Lopend dossier bij de rechtbank." in client.get(reverse("privacy:mine")).content.decode()


def test_only_administrators_see_the_requests(client, two_organisations):
    anna, *_ = two_organisations
    client.force_login(anna)
    anna_request = ErasureRequest.objects.create(user=anna)
    assert client.get(reverse("privacy_manage:list")).status_code == 404
    assert client.get(reverse("privacy_manage:handle", args=[anna_request.pk])).status_code == 404
    assert client.post(reverse("privacy_manage:handle", args=[anna_request.pk]), {"action": "erase"}).status_code == 404
    assert User.objects.get(pk=anna.pk).is_active


@pytest.mark.parametrize("rows", [1, 20])
def test_the_request_list_query_count_does_not_grow(client, admin_user, rows, django_assert_max_num_queries):
    for _ in range(rows):
        ErasureRequest.objects.create(user=UserFactory(), handled_by=admin_user)
    client.force_login(admin_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("privacy_manage:list"))
    assert response.content.decode().count('data-testid="erasure-row"') == rows
