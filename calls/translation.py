from modeltranslation.translator import TranslationOptions, register

from .models import Call, Criterion, LegalFrame, Objective, Question, RequiredDocument


@register(Call)
class CallTranslation(TranslationOptions):
    fields = ("title", "summary", "description", "funder", "programme", "eligible_applicants")


@register(Objective)
class ObjectiveTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Criterion)
class CriterionTranslation(TranslationOptions):
    fields = ("title", "description", "rubric")


@register(Question)
class QuestionTranslation(TranslationOptions):
    fields = ("text", "help_text", "choices")


@register(RequiredDocument)
class RequiredDocumentTranslation(TranslationOptions):
    fields = ("title", "description")


@register(LegalFrame)
class LegalFrameTranslation(TranslationOptions):
    fields = (
        "legal_basis_title",
        "decision_maker",
        "admissibility",
        "eligible_costs",
        "communication_obligation",
        "state_aid_note",
    )
