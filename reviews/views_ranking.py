"""Staff pages of a call's ranking and decisions: the ranking with its funding line and what-if
amounts, the exports of the scores, recording and publishing decisions, and the decision
e-mails. Every page needs `calls.manage_call` on the call (else 404)."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from applications.models import Application
from applications.workflow import TransitionError
from portal import audit
from portal.spreadsheets import csv_number, csv_response, xlsx_response

from . import decisions
from .forms_decisions import DecisionForm, EmailTemplateForm, GrantForm
from .models import Decision, DecisionEmailTemplate
from .ranking import RANKED_STATUSES, Funding, Row, propose_grant, ranking_for
from .scoring import one_decimal
from .views_manage import CallManagerMixin


class ManagedCallMixin(CallManagerMixin):
    """Loads the call of the URL; a user who may not manage it gets a 404."""

    def ranked_application(self, pk) -> Application:
        return get_object_or_404(
            Application.objects.select_related("call", "lead_organisation"),
            pk=pk,
            call=self.call,
            status__in=RANKED_STATUSES,
        )


# --- ranking ------------------------------------------------------------------------------


class RankingView(ManagedCallMixin, TemplateView):
    template_name = "reviews/ranking.html"

    def get_context_data(self, grant_forms=None, **kwargs):
        show_all = self.request.GET.get("all") == "1"
        # ?all=1 shows every application: one query reads every figure (as the exports do).
        ranking = ranking_for(self.call, lines_only=True, figures=show_all)
        ranking.show_all = show_all
        return super().get_context_data(ranking=ranking, grant_forms=grant_forms or {}, **kwargs)


class GrantView(ManagedCallMixin, View):
    """What-if: store a granted amount and answer with the re-rendered ranking (the table
    fragment for HTMX, the whole page otherwise)."""

    def post(self, request, slug, pk):
        application = self.ranked_application(pk)
        form = GrantForm(request.POST, application=application)
        if form.is_valid():
            try:
                propose_grant(application, amount=form.cleaned_data["amount"], by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
        if form.is_valid():
            if not request.htmx:
                messages.success(
                    request,
                    _("The granted amount of %(application)s is now part of the ranking.")
                    % {"application": application},
                )
                return HttpResponseRedirect(reverse("ranking:ranking", args=[self.call.slug]) + f"#row-{pk}")
            grant_forms = {}
        else:
            grant_forms = {application.pk: form}
        context = {"call": self.call, "ranking": ranking_for(self.call, lines_only=True), "grant_forms": grant_forms}
        template = "reviews/ranking_table.html" if request.htmx else "reviews/ranking.html"
        # HTMX swaps only successful responses, so an error comes back as 200 with the errors
        # in the fragment; the plain form post answers 422 with the whole page.
        status = 200 if form.is_valid() or request.htmx else 422
        return TemplateResponse(request, template, context, status=status)


def export_rows(ranking, *, as_float: bool = False, decimal_sep: str | None = None):
    """The rows of the score exports: one header and one line per application, the same
    figures as the ranking page (all from `scoring.scored`), from `ranking_for(figures=True)`.
    Each distinct figure is formatted once: a large call repeats the same few. `as_float`: the
    figures as the floats a spreadsheet stores (the XLSX); `decimal_sep`: as CSV fields with
    that decimal separator; else as exact decimals."""
    header = [
        _("Rank"),
        _("Reference"),
        _("Organisation"),
        _("Title"),
    ]
    figures = [_("score"), _("mean"), _("median"), _("minimum"), _("maximum"), _("disagreement")]
    for criterion in ranking.criteria:
        header += [f"{criterion.title}: {figure}" for figure in figures]
    header += [
        _("Total (%)"),
        _("Passes"),
        _("Submitted reviews"),
        _("Reviews required"),
        _("Requested amount"),
        _("Granted amount"),
        _("Running total"),
        _("Funding line"),
        _("Counted in the budget"),
        _("Proposal"),
        _("Decision"),
        _("Tie broken by"),
    ]
    yield header
    labels = {value: str(label) for value, label in Decision.Outcome.choices}
    funding = {value: str(label) for value, label in Funding.LABELS.items()}
    not_applicable, yes, no = _("not applicable"), _("yes"), _("no")
    if as_float:
        number = _Numbers(float)
    elif decimal_sep is not None:
        number = _Numbers(lambda value: csv_number(value, decimal_sep))
    else:
        number = _Numbers(None)
    required = ranking.call.reviews_required
    for line in ranking.in_order():
        cells = [line.position, line.reference, line.organisation, line.title]
        for final, (applies, mean, median, low, high, disagree, *_rest) in zip(line.finals, line.figures, strict=True):
            if not applies:
                cells += [not_applicable, None, None, None, None, None]
                continue
            cells += [number(final), number(mean), number(median), number(low), number(high), yes if disagree else no]
        cells += [
            number(one_decimal(line.total)),
            yes if line.passes else no,
            line.review_count,
            required,
            number(line.requested),
            number(line.granted),
            number(line.running_total),
            funding[line.funding],
            number(line.counted),
            labels.get(line.proposed_outcome),
            labels.get(line.outcome),
            line.tie_break,
        ]
        yield cells


class _Numbers(dict):
    """`_number` (then `convert`, if any), remembered per value (None stays None: an empty cell)."""

    def __init__(self, convert):
        super().__init__()
        self.convert = convert

    def __call__(self, value):
        if value is None:
            return None
        try:
            return self[value]
        except KeyError:
            result = _number(value)
            result = self[value] = result if self.convert is None else self.convert(result)
            return result


def export_budget(ranking):
    """The budget sheet of the XLSX export: the figures of `ranking.budget_use`."""
    use = ranking.budget_use
    yield [_("Figure"), _("Amount")]
    yield [_("Budget of the call"), _number(use.budget)]
    yield [_("Awarded (recorded decisions)"), _number(use.awarded)]
    yield [_("Proposed by the funding line"), _number(use.proposed)]
    yield [_("Used"), _number(use.used)]
    yield [_("Remaining"), _number(use.remaining)]
    yield [_("Overrun"), _number(use.overrun)]
    yield [_("Funded applications"), use.funded_count]
    yield [_("Reserve list"), use.reserve_count]


def _number(value):
    """A figure without trailing zeros (3.666667, 4, 50000) and never in exponent notation."""
    if value is None:
        return ""
    if isinstance(value, int):
        return value
    return Decimal(format(Decimal(value).normalize(), "f"))


SCORE_FORMAT, PERCENT_FORMAT, COUNT_FORMAT, AMOUNT_FORMAT = "0.0##", "0.0", "0", '"€" #,##0.00'


def export_formats(ranking) -> list[str | None]:
    """The number format of each column of `export_rows` (None: text), for the XLSX export."""
    formats = [COUNT_FORMAT, None, None, None]
    for _criterion in ranking.criteria:
        formats += [SCORE_FORMAT] * 5 + [None]
    formats += [PERCENT_FORMAT, None, COUNT_FORMAT, COUNT_FORMAT]
    formats += [AMOUNT_FORMAT] * 3 + [None, AMOUNT_FORMAT, None, None, None]
    return formats


# Spreadsheets open a CSV the way the reader's language writes numbers: Belgian (Dutch) Excel
# expects semicolons between the fields and decimal commas, English Excel commas and points.
CSV_STYLES = {"nl": (";", ","), "en": (",", ".")}


def csv_style(language: str | None) -> tuple[str, str]:
    """(field separator, decimal separator) of the CSV export in `language`."""
    return CSV_STYLES.get((language or "nl")[:2], CSV_STYLES["nl"])


def export_filename(call, extension: str) -> str:
    """`<slug>-<ranking, in the user's language>.<extension>`, e.g. desinformatie-rangschikking.csv."""
    return f"{call.slug}-{slugify(_('Ranking'))}.{extension}"


class ExportCsvView(ManagedCallMixin, View):
    def get(self, request, slug):
        ranking = ranking_for(self.call, figures=True)
        audit.record(self.call, "scores_exported", by=request.user, call_id=self.call.pk, format="csv")
        delimiter, decimal_sep = csv_style(get_language())
        return csv_response(
            export_rows(ranking, decimal_sep=decimal_sep),
            export_filename(self.call, "csv"),
            delimiter=delimiter,
            decimal_sep=decimal_sep,
        )


class ExportXlsxView(ManagedCallMixin, View):
    def get(self, request, slug):
        ranking = ranking_for(self.call, figures=True)
        audit.record(self.call, "scores_exported", by=request.user, call_id=self.call.pk, format="xlsx")
        return xlsx_response(
            export_filename(self.call, "xlsx"),
            [
                (_("Scores"), export_rows(ranking, as_float=True), export_formats(ranking)),
                (_("Budget"), export_budget(ranking), [None, AMOUNT_FORMAT]),
            ],
        )


# --- decisions ----------------------------------------------------------------------------


class ApplyProposalView(ManagedCallMixin, TemplateView):
    """Confirm, then decide every undecided application as the ranking proposes."""

    template_name = "reviews/ranking_apply.html"

    def get_context_data(self, **kwargs):
        ranking = ranking_for(self.call)
        undecided = ranking.undecided
        return super().get_context_data(
            ranking=ranking,
            to_award=[r for r in undecided if r.proposed_outcome == Decision.Outcome.AWARD],
            to_reserve=[r for r in undecided if r.proposed_outcome == Decision.Outcome.RESERVE],
            to_reject=[r for r in undecided if r.proposed_outcome == Decision.Outcome.REJECT],
            **kwargs,
        )

    def post(self, request, slug):
        try:
            applied = decisions.apply_proposal(self.call, by=request.user)
        except (TransitionError, ValidationError) as error:
            messages.error(request, _("The proposal could not be applied: %(reason)s") % {"reason": _reason(error)})
            return HttpResponseRedirect(reverse("ranking:apply", args=[slug]))
        text = _(
            "Decisions recorded: %(awarded)s awarded, %(reserved)s on the reserve list, %(rejected)s rejected. "
            "Applicants see nothing until you publish."
        ) % {"awarded": len(applied.awarded), "reserved": len(applied.reserved), "rejected": len(applied.rejected)}
        if applied.already_decided:
            text += " " + ngettext(
                "%(count)s application decided before was left as it was.",
                "%(count)s applications decided before were left as they were.",
                applied.already_decided,
            ) % {"count": applied.already_decided}
        messages.success(request, text)
        return HttpResponseRedirect(reverse("ranking:decisions", args=[slug]))


def _reason(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


class DecisionListView(ManagedCallMixin, TemplateView):
    template_name = "reviews/decision_list.html"

    def get_context_data(self, **kwargs):
        ranking = ranking_for(self.call)
        rows = ranking.rows
        unpublished = [r for r in rows if r.decision is not None and r.decision.published_at is None]
        return super().get_context_data(
            ranking=ranking,
            rows=rows,
            unpublished=unpublished,
            undecided=[r for r in rows if r.decision is None],
            **kwargs,
        )


class DecideView(ManagedCallMixin, TemplateView):
    """Record or change the decision on one application; award a published reserve one."""

    template_name = "reviews/decision_form.html"

    def setup_row(self, pk) -> Row:
        application = self.ranked_application(pk)
        ranking = ranking_for(self.call)
        row = next((r for r in ranking.rows if r.application.pk == application.pk), None)
        if row is None:
            raise Http404
        return ranking, row

    def outcomes(self, row):
        decision = row.decision
        if decision is not None and decision.published_at is not None:
            return [Decision.Outcome.AWARD] if decision.outcome == Decision.Outcome.RESERVE else []
        return [str(value) for value in Decision.DECIDABLE]

    def initial(self, row):
        if row.decision is not None and row.decision.published_at is None:
            return {
                "outcome": row.decision.outcome,
                "granted_amount": row.decision.granted_amount,
                "motivation": row.decision.motivation,
            }
        outcome = row.proposed_outcome or Decision.Outcome.AWARD
        if row.decision is not None:  # a published reserve decision: the form awards it
            outcome = Decision.Outcome.AWARD
        return {
            "outcome": outcome,
            "granted_amount": row.granted,
            "motivation": decisions.default_motivation(row.application, outcome, row) if row.scored else "",
        }

    def get(self, request, slug, pk):
        ranking, row = self.setup_row(pk)
        outcomes = self.outcomes(row)
        form = DecisionForm(initial=self.initial(row), outcomes=outcomes) if outcomes else None
        return self.render_to_response(self.get_context_data(ranking=ranking, row=row, form=form))

    def post(self, request, slug, pk):
        ranking, row = self.setup_row(pk)
        outcomes = self.outcomes(row)
        if not outcomes:
            raise Http404
        form = DecisionForm(request.POST, outcomes=outcomes)
        if form.is_valid():
            data = form.cleaned_data
            reserve_award = row.decision is not None and row.decision.published_at is not None
            try:
                if reserve_award:
                    decisions.award_reserve(
                        row.application,
                        granted_amount=data["granted_amount"],
                        motivation=data["motivation"],
                        by=request.user,
                    )
                else:
                    decisions.decide(
                        row.application,
                        outcome=data["outcome"],
                        granted_amount=data["granted_amount"],
                        motivation=data["motivation"],
                        by=request.user,
                    )
            except ValidationError as error:
                form.add_error(None, error)
            except TransitionError as error:
                form.add_error(None, str(error))
            else:
                if reserve_award:
                    text = _("%(application)s is awarded; the applicant has been notified.")
                else:
                    text = _("The decision on %(application)s is recorded. It stays unpublished until you publish.")
                messages.success(request, text % {"application": row.application})
                return HttpResponseRedirect(reverse("ranking:decisions", args=[slug]))
        return self.render_to_response(self.get_context_data(ranking=ranking, row=row, form=form), status=422)


class PublishView(ManagedCallMixin, TemplateView):
    template_name = "reviews/decision_publish.html"

    def get_context_data(self, **kwargs):
        pending = (
            Decision.objects.filter(application__call=self.call, published_at__isnull=True)
            .select_related("application__lead_organisation")
            .order_by("outcome", "application__reference")
        )
        undecided = self.call.applications.filter(status="in_review").count()
        return super().get_context_data(pending=pending, undecided=undecided, **kwargs)

    def post(self, request, slug):
        try:
            count = decisions.publish(self.call, by=request.user)
        except TransitionError as error:
            messages.error(request, _("Publishing failed: %(reason)s") % {"reason": error})
            return HttpResponseRedirect(reverse("ranking:publish", args=[slug]))
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)s decision published; the applicant has been e-mailed.",
                    "%(count)s decisions published; the applicants have been e-mailed.",
                    count,
                )
                % {"count": count},
            )
        else:
            messages.info(request, _("There was nothing to publish."))
        return HttpResponseRedirect(reverse("ranking:decisions", args=[slug]))


# --- decision e-mails ---------------------------------------------------------------------


class EmailTemplateListView(ManagedCallMixin, TemplateView):
    template_name = "reviews/decision_emails.html"

    def get_context_data(self, **kwargs):
        from django.conf import settings

        own = {(t.outcome, t.language): t for t in DecisionEmailTemplate.objects.filter(call=self.call)}
        entries = [
            {
                "outcome": outcome,
                "outcome_label": label,
                "language": code,
                "language_label": name,
                "customised": (outcome, code) in own,
            }
            for outcome, label in Decision.decidable_choices()
            for code, name in settings.LANGUAGES
        ]
        return super().get_context_data(entries=entries, **kwargs)


class EmailTemplateView(ManagedCallMixin, TemplateView):
    """Edit one decision e-mail (outcome × language), preview it with a real or an example
    decision, or go back to the default."""

    template_name = "reviews/decision_email_form.html"

    def dispatch(self, request, *args, **kwargs):
        from django.conf import settings

        if kwargs["outcome"] not in Decision.DECIDABLE or kwargs["language"] not in dict(settings.LANGUAGES):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def context(self, form, preview=None, **kwargs):
        outcome, language = self.kwargs["outcome"], self.kwargs["language"]
        _subject, _body, own = decisions.template_for(self.call, outcome, language)
        return self.get_context_data(
            form=form,
            preview=preview,
            outcome_label=Decision.Outcome(outcome).label,
            language=language,
            customised=own is not None,
            **kwargs,
        )

    def get(self, request, slug, outcome, language):
        subject, body, _own = decisions.template_for(self.call, outcome, language)
        form = EmailTemplateForm(initial={"subject": subject, "body": body})
        return self.render_to_response(self.context(form, preview=self.preview(subject, body)))

    def post(self, request, slug, outcome, language):
        if "reset" in request.POST:
            decisions.reset_email_template(self.call, outcome=outcome, language=language, by=request.user)
            messages.success(request, _("The default message is used again."))
            return HttpResponseRedirect(request.path)
        form = EmailTemplateForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.context(form), status=422)
        subject, body = form.cleaned_data["subject"], form.cleaned_data["body"]
        if "preview" in request.POST:
            return self.render_to_response(self.context(form, preview=self.preview(subject, body)))
        try:
            decisions.save_email_template(
                self.call, outcome=outcome, language=language, subject=subject, body=body, by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.render_to_response(self.context(form), status=422)
        messages.success(request, _("The message is saved; it is used when decisions are published."))
        return HttpResponseRedirect(request.path)

    def preview(self, subject, body):
        """The message as an applicant would get it, for a real decision of this outcome when
        there is one, else for an example."""
        outcome, language = self.kwargs["outcome"], self.kwargs["language"]
        decision = (
            Decision.objects.filter(application__call=self.call, outcome=outcome)
            .select_related("application__call", "application__lead_organisation")
            .first()
        )
        example = example_context(self.call, outcome, language)
        if decision is not None:
            context = {**decisions.email_context(decision, None, language), "applicant": example["applicant"]}
        else:
            context = example
        rendered_subject, rendered_body = decisions.render_template(subject, body, context)
        return {"subject": rendered_subject, "body": rendered_body, "example": decision is None}


def example_context(call, outcome, language):
    from django.conf import settings
    from django.utils import translation

    from portal.formatting import money

    with translation.override(language):
        return {
            "applicant": _("Jan Peeters"),
            "organisation": _("Municipality of Example"),
            "title": _("Example project"),
            "reference": f"{call.reference_prefix}-{timezone.now().year}-0001",
            "call": call.title,
            "granted_amount": money(Decimal("50000"), language) if outcome == Decision.Outcome.AWARD else "",
            "motivation": _("The motivation of the decision appears here."),
            "summary_url": settings.SITE_URL.rstrip("/") + "/evaluation/1/",
        }
