"""Public pages: the home page, the list of calls, a call's page and its eligibility self-check."""

import django_filters
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from django_filters.views import FilterView

from . import eligibility, selectors
from .forms import SelfCheckForm
from .models import Call, RuleKind, legal_frame_of


def visible_call(request, slug: str, queryset=None) -> Call:
    """A published call, or an unpublished one for its managers (a preview); 404 otherwise."""
    queryset = queryset if queryset is not None else Call.objects.all()
    call = queryset.filter(slug=slug).first()
    if call is None or not (call.published or request.user.has_perm("calls.manage_call", call)):
        raise Http404
    return call


class HomeView(TemplateView):
    template_name = "calls/home.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        return super().get_context_data(
            open_calls=selectors.for_listing(Call.objects.open_at(now)).order_by("closes_at", "pk"),
            upcoming_calls=selectors.for_listing(Call.objects.upcoming_at(now)).order_by("opens_at", "pk"),
            **kwargs,
        )


class CallFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Show"),
        empty_label=_("all calls"),
        choices=[("open", _("open calls")), ("upcoming", _("upcoming calls")), ("closed", _("closed calls"))],
        method="filter_status",
    )

    class Meta:
        model = Call
        fields = ["status"]

    def filter_status(self, queryset, name, value):
        now = timezone.now()
        by_status = {
            "open": Call.objects.open_at,
            "upcoming": Call.objects.upcoming_at,
            "closed": Call.objects.closed_at,
        }
        return queryset & by_status[value](now) if value in by_status else queryset


class CallListView(FilterView):
    template_name = "calls/list.html"
    filterset_class = CallFilter
    paginate_by = 20
    context_object_name = "calls"

    def get_queryset(self):
        return selectors.public_calls().order_by("-closes_at", "pk")


class CallDetailView(TemplateView):
    template_name = "calls/detail.html"

    def get_context_data(self, **kwargs):
        call = visible_call(self.request, self.kwargs["slug"], selectors.with_content(Call.objects.all()))
        rules = list(call.eligibility_rules.all())
        return super().get_context_data(
            call=call,
            is_open=call.is_open(),
            lead_rule=call.rule(RuleKind.LEAD_KINDS),
            rules=rules,
            legal_frame=legal_frame_of(call),
            de_minimis_ceiling=eligibility.DE_MINIMIS_CEILING,
            de_minimis_regulation=eligibility.de_minimis_regulation(),
            **kwargs,
        )


class EligibilityView(TemplateView):
    """The self-check: a GET form, so the answer can be bookmarked, re-read in another language
    and checked again after a change. Nothing is stored."""

    template_name = "calls/eligibility.html"

    def get_context_data(self, **kwargs):
        call = visible_call(self.request, self.kwargs["slug"], selectors.with_content(Call.objects.all()))
        bound = "lead_kind" in self.request.GET
        form = SelfCheckForm(self.request.GET if bound else None, call=call)
        findings = None
        if bound and form.is_valid():
            findings = eligibility.check(call, form.facts())
        return super().get_context_data(
            call=call,
            form=form,
            findings=findings,
            blocking=[f for f in findings or [] if f.blocking],
            conditions=[f for f in findings or [] if f.condition],
            warnings=[f for f in findings or [] if not f.blocking and not f.condition],
            **kwargs,
        )
