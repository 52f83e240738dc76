"""A payment batch for the finance system: CSV and XLSX rows, and a SEPA credit-transfer
file (pain.001.001.03) made by `sepaxml` and validated against its bundled schema before it
leaves the portal. The control sum of the file is the sum of the batch's orders."""

import csv
import io
from datetime import date

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views import View
from openpyxl import Workbook

from portal import audit

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
        if fmt == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer, delimiter=";")
            writer.writerows(batch_rows(batch))
            body, content_type = "\ufeff" + buffer.getvalue(), "text/csv; charset=utf-8"
        elif fmt == "xlsx":
            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("payments")
            for row in batch_rows(batch):
                sheet.append(row)
            out = io.BytesIO()
            workbook.save(out)
            body, content_type = out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        elif fmt == "xml":
            body, content_type = sepa_xml(batch), "application/xml"
        else:
            raise Http404
        audit.record(batch, "payment_batch_exported", by=request.user, call_id=self.call.pk, format=fmt)
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="payments-{batch.pk}.{fmt}"'
        return response
