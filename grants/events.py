"""What the audit actions of grants mean, in words (registered with `portal.audit`)."""

from django.utils.translation import gettext_lazy

WORDING = {
    "grant_opened": gettext_lazy("Grant file opened"),
    "grant_accepted": gettext_lazy("Grant accepted"),
    "grant_lapsed": gettext_lazy("Grant lapsed: not accepted in time"),
    "grant_closed": gettext_lazy("Grant closed"),
    "payment_proposed": gettext_lazy("Payment proposed"),
    "payment_approved": gettext_lazy("Payment approved"),
    "payment_paid": gettext_lazy("Payment made"),
    "report_submitted": gettext_lazy("Report submitted"),
    "report_accepted": gettext_lazy("Report accepted"),
    "report_returned": gettext_lazy("Report returned with remarks"),
    "amendment_requested": gettext_lazy("Amendment requested"),
    "amendment_decided": gettext_lazy("Amendment decided"),
    "payment_schedule_saved": gettext_lazy("Payment schedule changed"),
    "payment_batch_created": gettext_lazy("Payment batch created"),
}
