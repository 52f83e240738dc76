import pytest
from django.urls import reverse

from calls.tests.factories import CallFactory
from grants import services
from grants.models import PaymentState

from .factories import VALID_IBAN, member_of, open_grant, owner_of

pytestmark = pytest.mark.django_db


def test_the_api_lists_only_the_grants_a_user_may_see(client, call, manager):
    own, other = open_grant(call), open_grant(CallFactory())
    member = member_of(own.beneficiary)
    client.force_login(member)
    numbers = [g["number"] for g in client.get(reverse("api:grant-list")).json()["results"]]
    assert numbers == [own.number]
    assert client.get(reverse("api:grant-detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("api:grant-payments", args=[other.pk])).status_code == 404
    client.force_login(manager)
    assert [g["number"] for g in client.get(reverse("api:grant-list")).json()["results"]] == [own.number]
    assert client.get(reverse("api:grant-detail", args=[own.pk])).json()["granted_amount"] == "60000.00"


def test_the_api_refuses_the_proposer_as_approver(client, call, manager, second_manager):
    grant = open_grant(call)
    services.accept(grant, by=owner_of(grant.beneficiary), iban=VALID_IBAN, account_holder="X")
    order = grant.payment_orders.get()
    client.force_login(manager)
    assert client.post(reverse("api:payment-propose", args=[order.pk])).status_code == 200
    response = client.post(reverse("api:payment-approve", args=[order.pk]))
    assert response.status_code == 400 and "een andere medewerker" in response.json()["detail"]
    client.force_login(member_of(grant.beneficiary))
    assert client.post(reverse("api:payment-approve", args=[order.pk])).status_code == 404
    client.force_login(second_manager)
    response = client.post(reverse("api:payment-approve", args=[order.pk]))
    assert response.json()["state"] == PaymentState.APPROVED
    payments = client.get(reverse("api:grant-payments", args=[grant.pk])).json()
    assert payments["results"][0]["amount"] == "48000.00"
