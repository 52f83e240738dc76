"""The grant decision document (PDF, nl or en, numbered): amount, share, budget, payment
schedule and reporting obligations. Printed by weasyprint from an HTML template."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import translation
from django.views import View

from . import ledger, services
from .models import Grant


def decision_html(grant: Grant, language: str) -> str:
    schedule = services.schedule_for(grant.call)
    amounts = ledger.tranche_amounts(grant.granted_amount, [t.percentage for t in schedule])
    with translation.override(language):
        return render_to_string(
            "grants/decision_document.html",
            {
                "grant": grant,
                "budget": services.current_budget(grant),
                "schedule": list(zip(schedule, amounts, strict=True)),
                "reports": list(grant.reports.all()),
                "terms": services.terms_for(grant.call),
                "share_percent": grant.grant_share * 100,
                "LANGUAGE_CODE": language,
            },
        )


class GrantDecisionPdfView(LoginRequiredMixin, View):
    def get(self, request, pk):
        from weasyprint import HTML

        grant = get_object_or_404(Grant.objects.select_related("call", "beneficiary", "application"), pk=pk)
        if not request.user.has_perm("grants.view_grant", grant):
            raise Http404
        language = request.GET.get("lang") or translation.get_language() or settings.LANGUAGE_CODE
        language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        pdf = HTML(string=decision_html(grant, language), base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{grant.number}-{language}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response
