"""Read-mostly admin for support staff. Status changes go through services (the pages and
the reviews work), never through the admin: status, reference and version are read-only."""

from django.contrib import admin

from .models import Answer, Application, Attachment, BudgetLine, Message, Partner, Status


class ReadOnlyInline(admin.TabularInline):
    """Shows `fields`, all read-only: a non-editable field (uploaded_at, created_at) in `fields`
    but not in the read-only fields would make the change page fail with a FieldError."""

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PartnerInline(ReadOnlyInline):
    model = Partner
    fields = ["name", "kind", "kbo_number", "organisation", "role"]


class BudgetLineInline(ReadOnlyInline):
    model = BudgetLine
    fields = ["category", "description", "amount"]


class AnswerInline(ReadOnlyInline):
    model = Answer
    fields = ["question_text", "value"]


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["document", "original_name", "size", "sha256", "scan_status", "uploaded_at"]


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["created_at", "from_staff", "author", "body"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "title", "call", "lead_organisation", "status", "submitted_at"]
    list_filter = ["status", "call"]
    search_fields = ["reference", "title", "acronym", "lead_organisation__name"]
    list_select_related = ["call", "lead_organisation"]
    readonly_fields = [
        "call",
        "lead_organisation",
        "created_by",
        "status",
        "reference",
        "submitted_at",
        "completion_request",
        "completion_deadline",
        "decision_published_at",
        "version",
        "created_at",
        "updated_at",
    ]
    inlines = [PartnerInline, BudgetLineInline, AnswerInline, AttachmentInline, MessageInline]

    def get_queryset(self, request):
        # A draft is the applicant's alone (docs/decisions.md), here as on the staff pages: the
        # list leaves drafts out and a draft's change or history page is "does not exist".
        return super().get_queryset(request).exclude(status=Status.DRAFT)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
