"""A payment batch for the finance system: CSV and XLSX rows, and a SEPA credit-transfer
file (pain.001.001.03) made by `sepaxml` and validated against its bundled schema before it
leaves the portal. The control sum of the file is the sum of the batch's orders."""

from datetime import date

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views import View

from portal import audit
from portal.spreadsheets import csv_response, xlsx_response

from .models import PaymentBatch
from .views import ManagedCallMixin

COLUMNS = [
    "order",
    "grant",
    "beneficiary",
    "account_holder",
    "iban",
    "bic",
    "kind",
    "amount",
    "approved_by",
    "approved_at",
]


def batch_rows(batch: PaymentBatch):
    yield COLUMNS
    for order in batch.orders.select_related("grant__beneficiary", "approved_by").order_by("pk"):
        grant = order.grant
        yield [
            order.pk,
            grant.number,
            grant.beneficiary.name,
            grant.account_holder,
            grant.iban,
            grant.bic,
            order.kind,
            f"{order.amount:.2f}",
            order.approved_by.email if order.approved_by else "",
            order.approved_at.isoformat() if order.approved_at else "",
        ]


def sepa_xml(batch: PaymentBatch, *, execution_date: date | None = None, validate: bool = True) -> bytes:
    """The batch as a pain.001.001.03 credit transfer from the funder's account."""
    from sepaxml import SepaTransfer

    config = {
        "name": settings.GRANTS_DEBTOR_NAME,
        "IBAN": settings.GRANTS_DEBTOR_IBAN,
        "batch": True,
        "currency": "EUR",
    }
    if settings.GRANTS_DEBTOR_BIC:
        config["BIC"] = settings.GRANTS_DEBTOR_BIC
    transfer = SepaTransfer(config, schema="pain.001.001.03", clean=True)
    for order in batch.orders.select_related("grant").order_by("pk"):
        payment = {
            "name": order.grant.account_holder or order.grant.beneficiary.name,
            "IBAN": order.grant.iban,
            "amount": int(order.amount * 100),
            "execution_date": execution_date or date.today(),
            "description": f"{order.grant.number} {order.kind}",
            "endtoend_id": f"OPROEP-{order.pk}",
        }
        if order.grant.bic:
            payment["BIC"] = order.grant.bic
        transfer.add_payment(payment)
    return transfer.export(validate=validate)


class BatchExportView(ManagedCallMixin, View):
    def get(self, request, slug, batch, fmt):
        batch = get_object_or_404(PaymentBatch, pk=batch, call=self.call)
        filename = f"payments-{batch.pk}.{fmt}"
        if fmt == "csv":
            response = csv_response(batch_rows(batch), filename)
        elif fmt == "xlsx":
            response = xlsx_response(filename, [("payments", batch_rows(batch), ())])
        elif fmt == "xml":
            response = HttpResponse(sepa_xml(batch), content_type="application/xml")
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        else:
            raise Http404
        audit.record(batch, "payment_batch_exported", by=request.user, call_id=self.call.pk, format=fmt)
        return response
