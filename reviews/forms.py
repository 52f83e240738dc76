"""Forms of the review pages. They check what a person typed; the rules themselves (scales,
applicable criteria, who may be assigned) live in `services` and are asked from here."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationKind
from applications.models import Status
from calls.models import Objective

from . import queries, services
from .models import AdmissibilityCheck, Recommendation


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


# --- Staff list ------------------------------------------------------------------------------


STAFF_STATUSES = [
    (s.value, s.label)
    for s in (
        Status.SUBMITTED,
        Status.INCOMPLETE,
        Status.INADMISSIBLE,
        Status.IN_REVIEW,
        Status.AWARDED,
        Status.RESERVE,
        Status.REJECTED,
        Status.WITHDRAWN,
    )
]

PROGRESS_CHOICES = [
    (queries.Progress.NONE, _("no review submitted")),
    (queries.Progress.PARTIAL, _("some reviews submitted")),
    (queries.Progress.COMPLETE, _("all reviews submitted")),
]


class ApplicationFilter(django_filters.FilterSet):
    """Filters and search of the staff application list of one call (`call` keyword)."""

    q = django_filters.CharFilter(label=_("Search"), method="search_text")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=STAFF_STATUSES, empty_label=_("any status"))
    objective = django_filters.ModelChoiceFilter(
        label=_("Objective"), queryset=Objective.objects.none(), field_name="objectives", empty_label=_("any objective")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind of lead organisation"),
        choices=OrganisationKind.choices,
        field_name="lead_organisation__kind",
        empty_label=_("any kind"),
    )
    progress = django_filters.ChoiceFilter(
        label=_("Review progress"), choices=PROGRESS_CHOICES, field_name="review_progress", empty_label=_("any")
    )

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["objective"].queryset = Objective.objects.filter(call=call).order_by("number")
        for name, form_field in self.form.fields.items():
            form_field.widget.attrs["class"] = "form-control" if name == "q" else "form-select"
        self.form.fields["q"].widget.attrs.update(
            placeholder=_("words from the proposal or its attachments, reference, organisation"), type="search"
        )

    def search_text(self, queryset, name, value):
        return queries.search(queryset, value)


class BulkActionForm(forms.Form):
    """The selected rows of the staff list and what to do with them."""

    ADMIT, ASSIGN = "admit", "assign"

    action = forms.ChoiceField(choices=[(ADMIT, _("Admit")), (ASSIGN, _("Assign reviewers"))])
    applications = forms.ModelMultipleChoiceField(
        label=_("Applications"),
        queryset=None,
        error_messages={"required": _("Select at least one application.")},
    )
    reviewers = forms.ModelMultipleChoiceField(label=_("Reviewers"), queryset=None, required=False)

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = queries.submitted_to(call).select_related("call", "lead_organisation")
        self.fields["reviewers"].queryset = services.pool_of(call)

    def clean(self):
        data = super().clean()
        if data.get("action") == self.ASSIGN and not data.get("reviewers"):
            self.add_error("reviewers", _("Select at least one reviewer to assign."))
        return data


# --- Admissibility and assignment --------------------------------------------------------------


def completion_deadline_field(label, help_text) -> forms.DateTimeField:
    """The moment an applicant must complete an application by (Brussels time, to the minute)."""
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        help_text=help_text,
    )


def completion_deadline_initial(application):
    """The call's completion period from now."""
    return timezone.localtime(timezone.now() + timedelta(days=application.call.completion_days)).replace(
        second=0, microsecond=0
    )


class AdmissibilityForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Admissibility"), choices=AdmissibilityCheck.Outcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("What is missing, or why the application is inadmissible"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_("The applicant receives this text."),
    )
    deadline = completion_deadline_field(_("Complete before"), _("Only when something is missing; Brussels time."))

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.application = application
        self.fields["deadline"].initial = completion_deadline_initial(application)
        if application.status == Status.INCOMPLETE:  # only inadmissible is still possible
            self.fields["outcome"].choices = [
                c for c in AdmissibilityCheck.Outcome.choices if c[0] == AdmissibilityCheck.Outcome.INADMISSIBLE
            ]
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        outcome, note = data.get("outcome"), (data.get("note") or "").strip()
        if outcome == AdmissibilityCheck.Outcome.INCOMPLETE and not note:
            self.add_error("note", _("Say what is missing, so the applicant knows what to complete."))
        if outcome == AdmissibilityCheck.Outcome.INADMISSIBLE and not note:
            self.add_error("note", _("A motivation is required to declare an application inadmissible."))
        deadline = data.get("deadline")
        if outcome == AdmissibilityCheck.Outcome.INCOMPLETE and deadline and deadline <= timezone.now():
            self.add_error("deadline", _("The deadline to complete must be in the future."))
        return data


class WaiverForm(forms.Form):
    """Staff's decision on the co-financing waiver, at admissibility."""

    decision = forms.ChoiceField(
        label=_("Decision on the waiver"),
        choices=[("accept", _("Accept the waiver")), ("refuse", _("Refuse the waiver"))],
        widget=forms.RadioSelect,
    )
    motivation = forms.CharField(
        label=_("Motivation"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_("The applicant receives this text."),
    )
    deadline = completion_deadline_field(
        _("Lower the request before"), _("Only on a refusal: the completion period; Brussels time.")
    )

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline"].initial = completion_deadline_initial(application)
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        deadline = data.get("deadline")
        if data.get("decision") == "refuse" and deadline and deadline <= timezone.now():
            self.add_error("deadline", _("The deadline to complete must be in the future."))
        return data


class AssignForm(forms.Form):
    reviewer = forms.ModelChoiceField(label=_("Reviewer"), queryset=None, empty_label=_("choose a reviewer"))

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        taken = application.assignments.values("reviewer_id")
        self.fields["reviewer"].queryset = services.pool_of(application.call).exclude(pk__in=taken)
        self.helper = _helper()


class AutomaticAssignmentForm(forms.Form):
    max_load = forms.IntegerField(
        label=_("Maximum applications per reviewer"),
        required=False,
        min_value=1,
        max_value=10000,
        help_text=_("Leave empty for no maximum."),
    )

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["max_load"].initial = call.max_reviewer_load
        self.helper = _helper()


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message to the applicant"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


# --- Reviewer ---------------------------------------------------------------------------------


class DeclarationForm(forms.Form):
    NO_CONFLICT, CONFLICT = "no_conflict", "conflict"

    declaration = forms.ChoiceField(
        label=_("Declaration"),
        widget=forms.RadioSelect,
        choices=[
            (NO_CONFLICT, _("I have no conflict of interest with this application.")),
            (CONFLICT, _("I have a conflict of interest with this application.")),
        ],
    )
    confidentiality = forms.BooleanField(
        label=_("I will keep the proposal and my review confidential and use them only for this evaluation."),
        required=False,
    )
    note = forms.CharField(
        label=_("Conflict of interest"),
        help_text=_("Only when you have a conflict: describe it in a few words (for the programme managers)."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        if data.get("declaration") == self.NO_CONFLICT and not data.get("confidentiality"):
            self.add_error("confidentiality", _("Accept the confidentiality of the proposal to continue."))
        if data.get("declaration") == self.CONFLICT and not (data.get("note") or "").strip():
            self.add_error("note", _("Describe the conflict of interest in a few words."))
        return data


class ScoreField(forms.CharField):
    """A score as typed ("2,5" or "2.5"); checked against the call's scale in `clean` of the form."""

    def __init__(self, *, call, **kwargs):
        super().__init__(
            required=False,
            widget=forms.NumberInput(
                attrs={"min": 0, "max": format(call.max_score.normalize(), "f"), "step": format(call.score_step, "f")}
            ),
            **kwargs,
        )

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return services.parse_score(value)
        except ValueError:
            raise forms.ValidationError(_("Enter a number."), code="invalid")


class _ScoresForm(forms.Form):
    """Per applicable criterion a score field `score_<pk>` and a text field; the scale is the call's."""

    text_prefix = "comment"

    def __init__(self, *args, call, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.call, self.criteria = call, criteria
        for criterion in criteria:
            self.fields[f"score_{criterion.pk}"] = ScoreField(
                call=call,
                label=_("Score for “%(criterion)s” (0 – %(max)s)")
                % {"criterion": criterion.title, "max": services.format_score(call.max_score)},
            )
            self.fields[f"{self.text_prefix}_{criterion.pk}"] = forms.CharField(
                label=self.text_label(criterion),
                required=False,
                max_length=10000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.helper = _helper()

    def text_label(self, criterion):
        return _("Comment on “%(criterion)s”") % {"criterion": criterion.title}

    def clean(self):
        data = super().clean()
        for criterion in self.criteria:
            name = f"score_{criterion.pk}"
            score = data.get(name)
            if score is not None and (message := services.score_error(self.call, score)):
                self.add_error(name, message)
        return data

    def rows(self):
        """(criterion, score field, text field) for the template."""
        return [(c, self[f"score_{c.pk}"], self[f"{self.text_prefix}_{c.pk}"]) for c in self.criteria]

    def scales(self):
        """Per criterion what the reviewer sees beside the score: the scale with the level of the
        current score marked, the threshold, and whether the score falls below it."""
        scales = []
        for criterion, score_field, text_field in self.rows():
            score = self.current_score(criterion)
            chosen = criterion.rubric_for(score) if score is not None else ""
            scales.append(
                {
                    "criterion": criterion,
                    "score_field": score_field,
                    "text_field": text_field,
                    "levels": [
                        {
                            "score": services.format_score(value),
                            "meaning": meaning,
                            "chosen": bool(chosen) and meaning == chosen,
                        }
                        for value, meaning in criterion.rubric_levels()
                    ],
                    "chosen": chosen,
                    "threshold": services.format_score(criterion.threshold) if criterion.threshold is not None else "",
                    "below": criterion.below_threshold(score),
                }
            )
        return scales

    def current_score(self, criterion):
        """The score as typed (a bound form) or as saved (the initial value); None if none or invalid."""
        name = f"score_{criterion.pk}"
        if self.is_bound:
            value = self.cleaned_data.get(name) if hasattr(self, "cleaned_data") and name not in self.errors else None
            return value
        try:
            return services.parse_score(self.initial.get(name))
        except (ValueError, TypeError):
            return None


class ReviewForm(_ScoresForm):
    overall_comment = forms.CharField(
        label=_("Overall comment"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 5})
    )
    recommendation = forms.ChoiceField(
        label=_("Recommendation"),
        required=False,
        choices=[("", _("choose a recommendation"))] + list(Recommendation.choices),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The overall fields come after the criteria.
        for name in ("overall_comment", "recommendation"):
            self.fields[name] = self.fields.pop(name)

    def score_inputs(self) -> dict[int, services.ScoreInput]:
        return {
            c.pk: services.ScoreInput(
                self.cleaned_data.get(f"score_{c.pk}"), self.cleaned_data.get(f"comment_{c.pk}", "")
            )
            for c in self.criteria
        }

    @staticmethod
    def initial_for(review) -> dict:
        if review is None:
            return {}
        initial = {"overall_comment": review.overall_comment, "recommendation": review.recommendation}
        for score in review.scores.all():
            initial[f"score_{score.criterion_id}"] = (
                format(score.score.normalize(), "f") if score.score is not None else ""
            )
            initial[f"comment_{score.criterion_id}"] = score.comment
        return initial


class ConsensusForm(_ScoresForm):
    text_prefix = "justification"

    def text_label(self, criterion):
        return _("Justification for “%(criterion)s”") % {"criterion": criterion.title}

    def clean(self):
        data = super().clean()
        for criterion in self.criteria:
            if (
                data.get(f"score_{criterion.pk}") is not None
                and not (data.get(f"justification_{criterion.pk}") or "").strip()
            ):
                self.add_error(f"justification_{criterion.pk}", _("Justify the consensus score."))
        return data

    def entries(self) -> dict[int, services.ConsensusInput]:
        return {
            c.pk: services.ConsensusInput(
                self.cleaned_data.get(f"score_{c.pk}"), self.cleaned_data.get(f"justification_{c.pk}", "")
            )
            for c in self.criteria
        }

    @staticmethod
    def initial_for(consensus_scores) -> dict:
        initial = {}
        for row in consensus_scores:
            initial[f"score_{row.criterion_id}"] = format(row.score.normalize(), "f")
            initial[f"justification_{row.criterion_id}"] = row.justification
        return initial


class ConfirmForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class DuplicateFlagForm(forms.Form):
    """Staff's decision on a possible double funding: keep the flag or clear it (with a motivation)."""

    KEEP, CLEAR = "keep", "clear"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(KEEP, _("Keep: possible double funding")), (CLEAR, _("Clear: not the same project"))],
        widget=forms.RadioSelect,
    )
    motivation = forms.CharField(
        label=_("Motivation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
        help_text=_("Required to clear. Staff only: the applicant never sees it."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.CLEAR and not (data.get("motivation") or "").strip():
            self.add_error("motivation", _("Say why this is not double funding before you clear the flag."))
        return data


class ExpertiseForm(forms.ModelForm):
    """The reviewer's expertise profile, in their own words."""

    class Meta:
        from .models import ExpertiseProfile

        model = ExpertiseProfile
        fields = ["description", "keywords"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "description": _("What you know well, in Dutch or English: fields, methods, audiences, experience."),
            "keywords": _("A few words, separated by commas (they count double)."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()
