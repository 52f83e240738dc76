"""What the audit actions of applications mean, in words (registered with `portal.audit`).

Only what staff may read in a call's log: the applicant's work on a draft (started, edited,
files, a deleted draft) stays out, because a draft is the applicant's alone."""

from django.utils.translation import gettext_lazy

WORDING = {
    "submitted": gettext_lazy("Application %(reference)s submitted"),
    "resubmitted": gettext_lazy("Application %(reference)s submitted again after completion"),
    "marked_admissible": gettext_lazy("Application found admissible"),
    "marked_incomplete": gettext_lazy("Applicant asked to complete the application"),
    "marked_inadmissible": gettext_lazy("Application found inadmissible"),
    "waiver_decided": gettext_lazy("Co-financing waiver decided"),
    "decision_recorded": gettext_lazy("Decision recorded on an application"),
    "decision_published": gettext_lazy("Decision published to the applicant"),
    "message_posted": gettext_lazy("Message about an application"),
}
