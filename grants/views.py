"""Pages of the beneficiary ("My grants") and of staff (the portfolio of a call, the grant
file with its timeline and actions). Views ask rules.py and call services; a grant the user
may not see answers 404."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from applications import uploads
from applications.uploads import UploadRefused
from portal import audit
from reviews.views_manage import CallManagerMixin as ManagedCallMixin

from . import ledger, queries, services
from .forms import (
    AcceptForm,
    AmendmentForm,
    CostLineFormSet,
    DecideAmendmentForm,
    EvidenceForm,
    MarkPaidForm,
    ReportAnswersForm,
    ReturnReportForm,
    TermsForm,
    TrancheFormSet,
)
from .models import (
    Amendment,
    AmendmentState,
    Evidence,
    Grant,
    GrantState,
    PaymentOrder,
    PaymentState,
    RecoveryOrder,
    Report,
    ReportKind,
    ReportQuestion,
    ReportState,
)


def _errors(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [m for messages_ in error.message_dict.values() for m in messages_]
    return list(error.messages)


def grant_context(grant: Grant) -> dict:
    """What both grant pages show: ledger, computation, budget versions, reports, orders.
    A fixed number of queries whatever the grant holds."""
    book = services.ledger_for(grant)
    versions = list(grant.budget_versions.all())
    reports = list(grant.reports.prefetch_related("cost_lines", "evidence"))
    orders = list(grant.payment_orders.select_related("proposed_by", "approved_by"))
    recoveries = list(grant.recovery_orders.all())
    amendments = list(grant.amendments.select_related("requested_by", "decided_by"))
    computation = None
    if grant.entitlement is not None:
        share_of_costs = ledger.cents(grant.grant_share * grant.accepted_costs)
        balance = sum((o.amount for o in orders if o.kind == "balance"), Decimal("0")) - sum(
            (r.amount for r in recoveries), Decimal("0")
        )
        computation = {
            "accepted_costs": grant.accepted_costs,
            "share": grant.grant_share * 100,
            "share_of_costs": share_of_costs,
            "capped": share_of_costs > grant.granted_amount,
            "entitlement": grant.entitlement,
            "paid_before": grant.entitlement - balance,
            "balance": balance,
            "recovery": -balance if balance < 0 else None,
        }
    return {
        "grant": grant,
        "book": book,
        "share_percent": grant.grant_share * 100,
        "budget_versions": versions,
        "budget": versions[-1] if versions else None,
        "reports": reports,
        "orders": orders,
        "recoveries": recoveries,
        "amendments": amendments,
        "computation": computation,
    }


def _next_step(grant) -> str:
    if grant.state == GrantState.AWAITING_ACCEPTANCE:
        return _("Accept the grant and give your bank account")
    if grant.state in (GrantState.RUNNING, GrantState.FINAL_REPORT_DUE):
        return _("Submit your report") if grant.next_report_due else _("Wait for the assessment of your report")
    if grant.state == GrantState.RECOVERY_DUE:
        return _("Pay back the amount to recover")
    if grant.state == GrantState.BALANCE_DUE:
        return _("Nothing: the balance will be paid")
    return _("Nothing")


# --- beneficiary --------------------------------------------------------------------------


class MyGrantsView(LoginRequiredMixin, ListView):
    template_name = "grants/my_grants.html"
    context_object_name = "grants"
    paginate_by = 25

    def get_queryset(self):
        return queries.of_user(self.request.user).distinct()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for grant in context["grants"]:
            grant.next_step = _next_step(grant)
        return context


class BeneficiaryGrantMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.grant = get_object_or_404(
            Grant.objects.select_related("call", "beneficiary", "application"), pk=kwargs["pk"]
        )
        if not request.user.has_perm("grants.view_grant", self.grant):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class EvidenceView(BeneficiaryGrantMixin, View):
    """A report's supporting document, for whoever may see the grant (beneficiary and its staff)."""

    def get(self, request, pk, uuid):
        return uploads.download(get_object_or_404(Evidence, uuid=uuid, report__grant=self.grant))


class GrantView(BeneficiaryGrantMixin, TemplateView):
    template_name = "grants/grant_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        context = grant_context(self.grant)
        can_accept = self.grant.state == GrantState.AWAITING_ACCEPTANCE and user.has_perm(
            "grants.accept_grant", self.grant
        )
        can_report = not self.grant.is_closed and user.has_perm("grants.report_grant", self.grant)
        accept_form, amendment_form = kwargs.pop("accept_form", None), kwargs.pop("amendment_form", None)
        context.update(
            accept_form=accept_form or (AcceptForm() if can_accept else None),
            can_report=can_report,
            amendment_form=amendment_form
            or (
                AmendmentForm(budget=context["budget"].lines() if context["budget"] else None)
                if can_report and self.grant.state == GrantState.RUNNING and self.grant.entitlement is None
                else None
            ),
        )
        return super().get_context_data(**context, **kwargs)

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == "accept":
            if not request.user.has_perm("grants.accept_grant", self.grant):
                raise Http404
            form = AcceptForm(request.POST)
            if form.is_valid():
                try:
                    services.accept(
                        self.grant,
                        by=request.user,
                        iban=form.cleaned_data["iban"],
                        account_holder=form.cleaned_data["account_holder"],
                    )
                    messages.success(request, _("You accepted the grant."))
                    return HttpResponseRedirect(self.grant.get_absolute_url())
                except ValidationError as error:
                    _add_errors(form, error)
            return self.render_to_response(self.get_context_data(accept_form=form))
        if action == "amendment":
            if not request.user.has_perm("grants.request_amendment", self.grant):
                raise Http404
            budget = services.current_budget(self.grant)
            form = AmendmentForm(request.POST, budget=budget.lines() if budget else None)
            if form.is_valid():
                try:
                    services.request_amendment(
                        self.grant,
                        by=request.user,
                        kind=form.cleaned_data["kind"],
                        motivation=form.cleaned_data["motivation"],
                        new_end_date=form.cleaned_data["new_end_date"],
                        new_amounts=form.amounts(),
                    )
                    messages.success(request, _("Your amendment was recorded."))
                    return HttpResponseRedirect(self.grant.get_absolute_url())
                except ValidationError as error:
                    _add_errors(form, error)
            return self.render_to_response(self.get_context_data(amendment_form=form))
        raise Http404


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class ReportEditView(BeneficiaryGrantMixin, TemplateView):
    template_name = "grants/report_form.html"

    def dispatch(self, request, *args, **kwargs):
        if kwargs["kind"] not in ReportKind.values:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_report(self):
        report = Report.objects.filter(grant=self.grant, kind=self.kwargs["kind"]).first()
        if report is None or not self.request.user.has_perm("grants.report_grant", self.grant):
            raise Http404
        return report

    def forms(self, report, data=None):
        questions = ReportQuestion.objects.filter(call=self.grant.call, report_kind=report.kind)
        initial = [
            {"category": c.category, "description": c.description, "amount": c.amount} for c in report.cost_lines.all()
        ]
        return (
            ReportAnswersForm(data, questions=questions, answers=report.answers, prefix="a"),
            CostLineFormSet(data, initial=None if data else initial, prefix="cost_lines"),
        )

    def get_context_data(self, **kwargs):
        report = kwargs.pop("report", None) or self.get_report()
        answers_form, costs = kwargs.pop("forms", None) or self.forms(report)
        editable = report.state in (ReportState.DRAFT, ReportState.RETURNED) and not self.grant.is_closed
        return super().get_context_data(
            grant=self.grant,
            report=report,
            answers_form=answers_form,
            costs=costs,
            editable=editable,
            evidence_form=kwargs.pop("evidence_form", None) or EvidenceForm(),
            errors=kwargs.pop("errors", []),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        report = self.get_report()
        if request.POST.get("action") == "evidence":
            form = EvidenceForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    services.add_evidence(report, by=request.user, upload=form.cleaned_data["file"])
                    return HttpResponseRedirect(request.path)
                except (UploadRefused, ValidationError) as error:
                    form.add_error("file", getattr(error, "message", None) or _errors(error))
            return self.render_to_response(self.get_context_data(report=report, evidence_form=form))
        answers_form, costs = self.forms(report, request.POST)
        if not (answers_form.is_valid() and costs.is_valid()):
            return self.render_to_response(self.get_context_data(report=report, forms=(answers_form, costs)))
        lines = [f for f in costs.cleaned_data if f and f.get("category") and f.get("amount") is not None]
        try:
            services.save_report(report, by=request.user, answers=answers_form.answers(), cost_lines=lines)
            if request.POST.get("action") == "submit":
                services.submit_report(report, by=request.user)
                messages.success(request, _("Your report was submitted."))
                return HttpResponseRedirect(self.grant.get_absolute_url())
        except ValidationError as error:
            return self.render_to_response(
                self.get_context_data(report=report, forms=(answers_form, costs), errors=_errors(error))
            )
        messages.success(request, _("Your report was saved."))
        return HttpResponseRedirect(request.path)


# --- staff --------------------------------------------------------------------------------


class PortfolioView(ManagedCallMixin, ListView):
    template_name = "grants/manage/portfolio.html"
    context_object_name = "grants"
    paginate_by = 50

    def get_queryset(self):
        get = self.request.GET
        state = get.get("state", "")
        return queries.portfolio(
            self.call,
            state=state if state in GrantState.values else "",
            overdue=get.get("overdue") == "1",
            search=(get.get("q") or "")[:100],
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            states=GrantState.choices, selected_state=self.request.GET.get("state", ""), **kwargs
        )


class ScheduleView(ManagedCallMixin, TemplateView):
    template_name = "grants/manage/schedule.html"

    def get_context_data(self, **kwargs):
        terms = services.terms_for(self.call)
        schedule = services.schedule_for(self.call)
        initial = [{"percentage": t.percentage, "trigger": t.trigger} for t in schedule]
        return super().get_context_data(
            formset=kwargs.pop("formset", None) or TrancheFormSet(initial=initial, prefix="t"),
            terms_form=kwargs.pop("terms_form", None)
            or TermsForm(
                initial={
                    f: getattr(terms, f)
                    for f in (
                        "acceptance_days",
                        "reminder_days_before",
                        "interim_report",
                        "interim_report_days_before_end",
                        "final_report_days_after_end",
                        "conditions",
                        "legal_frame",
                    )
                }
            ),
            errors=kwargs.pop("errors", []),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        terms_form = TermsForm(request.POST)
        formset = TrancheFormSet(request.POST, prefix="t")
        if terms_form.is_valid() and formset.is_valid():
            rows = [
                (f["percentage"], f["trigger"])
                for f in formset.cleaned_data
                if f and f.get("percentage") and f.get("trigger")
            ]
            try:
                services.save_terms(self.call, by=request.user, **terms_form.cleaned_data)
                services.save_schedule(self.call, rows, by=request.user)
                messages.success(request, _("The grant terms and payment schedule were saved."))
                return HttpResponseRedirect(request.path)
            except ValidationError as error:
                return self.render_to_response(
                    self.get_context_data(formset=formset, terms_form=terms_form, errors=_errors(error))
                )
        return self.render_to_response(self.get_context_data(formset=formset, terms_form=terms_form))


class StaffGrantView(ManagedCallMixin, TemplateView):
    template_name = "grants/manage/grant_detail.html"

    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def get_grant(self):
        return get_object_or_404(
            Grant.objects.select_related("call", "beneficiary", "application"), pk=self.kwargs["pk"], call=self.call
        )

    def get_context_data(self, **kwargs):
        grant = kwargs.pop("grant", None) or self.get_grant()
        context = grant_context(grant)
        context["timeline"] = list(audit.events_for(grant).order_by("created_at", "pk"))
        context["paid_form"] = MarkPaidForm(prefix="paid")
        context["return_form"] = kwargs.pop("return_form", None) or ReturnReportForm(prefix="ret")
        context["decide_form"] = DecideAmendmentForm(prefix="am")
        context["errors"] = kwargs.pop("errors", [])
        return super().get_context_data(**context, **kwargs)

    def post(self, request, *args, **kwargs):
        grant = self.get_grant()
        action, target = request.POST.get("action", ""), request.POST.get("target", "")
        user = request.user
        try:
            if action in ("propose", "approve", "paid"):
                order = get_object_or_404(PaymentOrder, pk=_int(target), grant=grant)
                if action == "propose":
                    services.propose_payment(order, by=user)
                elif action == "approve":
                    if not user.has_perm("grants.approve_payment", order):
                        raise ValidationError(_("You proposed this payment: another staff member must approve it."))
                    services.approve_payment(order, by=user)
                else:
                    form = MarkPaidForm(request.POST, prefix="paid")
                    if not form.is_valid():
                        raise ValidationError(_errors(ValidationError(form.errors)))
                    services.mark_paid(
                        order, by=user, paid_on=form.cleaned_data["paid_on"], reference=form.cleaned_data["reference"]
                    )
            elif action == "paid_back":
                recovery = get_object_or_404(RecoveryOrder, pk=_int(target), grant=grant)
                form = MarkPaidForm(request.POST, prefix="paid")
                if not form.is_valid():
                    raise ValidationError(_errors(ValidationError(form.errors)))
                services.mark_recovery_paid_back(
                    recovery,
                    by=user,
                    paid_back_on=form.cleaned_data["paid_on"],
                    reference=form.cleaned_data["reference"],
                )
            elif action in ("accept_report", "return_report"):
                report = get_object_or_404(Report, pk=_int(target), grant=grant)
                if action == "return_report":
                    form = ReturnReportForm(request.POST, prefix="ret")
                    if not form.is_valid():
                        return self.render_to_response(self.get_context_data(grant=grant, return_form=form))
                    services.return_report(report, by=user, **form.cleaned_data)
                else:
                    lines = {
                        line.pk: (
                            request.POST.get(f"accepted-{line.pk}", ""),
                            request.POST.get(f"reason-{line.pk}", ""),
                        )
                        for line in report.cost_lines.all()
                    }
                    services.accept_report(report, by=user, lines=lines)
            elif action == "decide_amendment":
                amendment = get_object_or_404(Amendment, pk=_int(target), grant=grant, state=AmendmentState.REQUESTED)
                form = DecideAmendmentForm(request.POST, prefix="am")
                if not form.is_valid():
                    raise ValidationError(_errors(ValidationError(form.errors)))
                services.decide_amendment(amendment, by=user, **form.cleaned_data)
            else:
                raise Http404
        except ValidationError as error:
            return self.render_to_response(self.get_context_data(grant=grant, errors=_errors(error)), status=200)
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(grant.get_manage_url())


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404


class PaymentsView(ManagedCallMixin, TemplateView):
    """Approved orders waiting for export, and the batches exported before."""

    template_name = "grants/manage/payments.html"

    def get_context_data(self, **kwargs):
        waiting = PaymentOrder.objects.filter(
            grant__call=self.call, state=PaymentState.APPROVED, batch__isnull=True
        ).select_related("grant__beneficiary")
        batches = self.call.payment_batches.prefetch_related("orders")[:50]
        return super().get_context_data(waiting=waiting, batches=batches, errors=kwargs.pop("errors", []), **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            batch = services.create_batch(self.call, by=request.user)
        except ValidationError as error:
            return self.render_to_response(self.get_context_data(errors=_errors(error)))
        messages.success(request, _("The batch was created."))
        return HttpResponseRedirect(reverse("grants_manage:payments", args=[self.call.slug]) + f"#batch-{batch.pk}")
