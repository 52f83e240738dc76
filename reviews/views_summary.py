"""The applicant's evaluation summary and decision letter.

Shown to the members of the lead organisation once the decision is published, and to nobody
else (404). Per criterion the final score, the thresholds and the reviewers' comments; the
reviewers themselves stay anonymous: the queries below never read an assignment's reviewer, so
no name or e-mail address can reach the page, the PDF or anything rendered from them.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from applications.models import Application

from .models import ConsensusScore, Decision, Reconsideration, Review, Score
from .reconsideration import deadline_for
from .scoring import CriterionScore, active_criteria, criterion_scores, one_decimal, scored


def published_decision_for(user, pk) -> tuple[Application, Decision]:
    """The application and its published decision, if `user` may read them; else 404."""
    application = get_object_or_404(Application.objects.select_related("call", "lead_organisation"), pk=pk)
    if not user.has_perm("reviews.view_evaluation", application):
        raise Http404
    decision = Decision.objects.filter(application=application, published_at__isnull=False).first()
    if decision is None:
        raise Http404
    return application, decision


@dataclass
class CriterionSummary:
    score: CriterionScore
    comments: list[str]
    justification: str  # of the consensus score, when one replaced the reviewers' mean


def summary_context(application: Application, decision: Decision) -> dict:
    """Everything the summary page and the letter show. Reads comments as bare text."""
    call = application.call
    criteria = active_criteria(call)
    row = scored(Application.objects.filter(pk=application.pk), call, criteria).get()
    counted = dict(
        review__assignment__application=application,
        review__assignment__conflict=False,
        review__submitted_at__isnull=False,
    )
    comments = defaultdict(list)
    for criterion_id, comment in (
        Score.objects.filter(**counted, criterion__in=criteria)
        .exclude(comment="")
        .order_by("review__submitted_at", "pk")
        .values_list("criterion_id", "comment")
    ):
        comments[criterion_id].append(comment)
    justifications = dict(
        ConsensusScore.objects.filter(application=application).values_list("criterion_id", "justification")
    )
    overall_comments = list(
        Review.objects.filter(
            assignment__application=application, assignment__conflict=False, submitted_at__isnull=False
        )
        .exclude(overall_comment="")
        .order_by("submitted_at", "pk")
        .values_list("overall_comment", flat=True)
    )
    rows = [
        CriterionSummary(
            score=score,
            comments=comments.get(score.criterion.pk, []) if score.applies else [],
            justification=justifications.get(score.criterion.pk, "") if score.from_consensus else "",
        )
        for score in criterion_scores(row, criteria)
    ]
    reconsideration = Reconsideration.objects.filter(application=application).first()
    return {
        "application": application,
        "call": call,
        "decision": decision,
        "reconsideration": reconsideration,
        # The real last day (Brussels) to ask, counted from the decision the request is about.
        "reconsideration_until": deadline_for(
            reconsideration.decision_published_at if reconsideration else decision.published_at
        ),
        "criteria": rows,
        "total": one_decimal(row.total),
        "passes": row.passes,
        "overall_comments": overall_comments,
    }


class SummaryView(LoginRequiredMixin, TemplateView):
    template_name = "reviews/summary.html"

    def get_context_data(self, **kwargs):
        application, decision = published_decision_for(self.request.user, self.kwargs["pk"])
        return super().get_context_data(**summary_context(application, decision), **kwargs)


def letter_html(request, application: Application, decision: Decision) -> str:
    """The HTML the PDF letter is printed from (tests read it: PDF text is hard to extract)."""
    context = {**summary_context(application, decision), "generated_at": timezone.now()}
    return render_to_string("reviews/summary_letter.html", context, request=request)


class LetterView(LoginRequiredMixin, View):
    def get(self, request, pk):
        from weasyprint import HTML

        application, decision = published_decision_for(request.user, pk)
        pdf = HTML(string=letter_html(request, application, decision), base_url=request.build_absolute_uri("/"))
        response = HttpResponse(pdf.write_pdf(), content_type="application/pdf")
        name = application.reference or f"application-{application.pk}"
        response["Content-Disposition"] = f'attachment; filename="{name}-decision.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response
