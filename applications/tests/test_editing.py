"""Editing the sections: never losing what was typed, refusing stale saves, autosave, and
the findings and progress on every section."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import OrganisationKind
from accounts.tests.factories import MembershipFactory, OrganisationFactory, valid_kbo
from applications import services
from applications.models import Application, Status
from applications.tests.factories import PartnerFactory
from calls.models import CallRole, RuleKind
from calls.tests.factories import CallRoleFactory, EligibilityRuleFactory
from portal import audit

pytestmark = pytest.mark.django_db


def _url(application, section):
    return reverse("applications:section", args=[application.pk, section])


def _autosave_url(application, section):
    return reverse("applications:autosave", args=[application.pk, section])


def _general(application, **fields):
    data = {
        "version": application.version,
        "title": application.title,
        "acronym": application.acronym,
        "summary": application.summary,
        "start_date": "",
        "end_date": "",
    }
    data.update(fields)
    return data


def test_a_save_from_a_stale_tab_is_refused_and_the_typed_text_is_shown_back(client, draft, member):
    client.force_login(member)
    stale_version = draft.version
    # Another tab (or a colleague) saves first.
    services.save_general(draft, by=member, version=stale_version, data={"summary": "De nieuwere tekst."})
    typed = "Mijn tekst uit het oude tabblad <b>vet</b> & meer"
    response = client.post(_url(draft, "general"), _general(draft, version=stale_version, summary=typed))
    assert response.status_code == 409
    assert escape(typed) in response.text
    assert "<b>vet</b>" not in response.text
    assert "Not saved" in response.text or "Niet bewaard" in response.text
    draft.refresh_from_db()
    assert draft.summary == "De nieuwere tekst."


def test_a_stale_autosave_is_refused_and_does_not_refresh_the_version(client, draft, member):
    client.force_login(member)
    stale_version = draft.version
    services.save_general(draft, by=member, version=stale_version, data={"title": "Nieuwer"})
    response = client.post(_autosave_url(draft, "general"), _general(draft, version=stale_version, title="Ouder"))
    assert response.status_code == 200
    assert 'id="id_version"' not in response.text  # the stale tab keeps its old version
    draft.refresh_from_db()
    assert draft.title == "Nieuwer"


@pytest.mark.parametrize("version", [None, "", "1e309", "NaN"])
def test_a_save_without_a_usable_version_changes_nothing(client, draft, member, version):
    """A request that lost its fields (an empty POST, a broken client) or forged the version
    would blank the stored text unchecked: it is refused like a stale save, on both addresses."""
    client.force_login(member)
    services.save_general(draft, by=member, version=draft.version, data={"title": "Bewaarde titel"})
    draft.refresh_from_db()
    data = {} if version is None else {"version": version, "title": "", "summary": ""}
    response = client.post(_url(draft, "general"), data)
    assert response.status_code in (200, 409)  # a version that is not a number is a field error
    autosave = client.post(_autosave_url(draft, "general"), data)
    assert autosave.status_code == 200 and 'id="id_version"' not in autosave.text
    for section in ("budget", "questions"):
        assert client.post(_url(draft, section), data).status_code in (200, 409)
    stored = Application.objects.get(pk=draft.pk)
    assert stored.title == "Bewaarde titel" and stored.version == draft.version


def test_autosave_stores_the_valid_fields_and_hands_back_the_new_version(client, draft, member):
    client.force_login(member)
    data = _general(draft, title="Getypte titel", start_date="2030-06-01", end_date="2030-01-01")
    response = client.post(_autosave_url(draft, "general"), data)
    draft.refresh_from_db()
    assert draft.title == "Getypte titel"
    assert draft.end_date is None  # the invalid date pair was not stored
    assert f'value="{draft.version}" id="id_version" hx-swap-oob="true"' in response.text
    assert 'id="findings" hx-swap-oob="true"' in response.text


def test_two_autosaves_from_the_same_tab_follow_the_version(client, draft, member):
    client.force_login(member)
    client.post(_autosave_url(draft, "general"), _general(draft, title="Eén"))
    draft.refresh_from_db()
    client.post(_autosave_url(draft, "general"), _general(draft, title="Twee"))
    draft.refresh_from_db()
    assert draft.title == "Twee"


def test_a_validation_error_keeps_what_was_typed_and_saves_only_the_valid_fields(client, draft, member):
    client.force_login(member)
    too_long = "woord " * 120  # the call allows 500 characters
    response = client.post(_url(draft, "general"), _general(draft, summary=too_long, title="Nieuwe titel"))
    assert response.status_code == 200
    assert escape(too_long.strip()) in response.text
    assert "500" in response.text
    draft.refresh_from_db()
    # Issue 12: the valid title is saved beside the invalid summary, which is not.
    assert draft.summary != too_long.strip() and draft.title == "Nieuwe titel"


def test_summary_counter_markup_carries_the_calls_limit(client, draft, member):
    client.force_login(member)
    response = client.get(_url(draft, "general"))
    assert 'data-max-chars="500"' in response.text
    assert 'id="id_summary-counter"' in response.text


def test_saving_the_general_section_redirects_and_stores(client, draft, member, call):
    client.force_login(member)
    objective = call.objectives.first()
    data = _general(draft, title="Factcheck", start_date="2030-01-01", end_date="2030-12-31")
    data["objectives"] = [objective.pk]
    response = client.post(_url(draft, "general"), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Factcheck" and list(draft.objectives.all()) == [objective]


def _partners(version, rows):
    data = {
        "version": version,
        "partners-TOTAL_FORMS": len(rows),
        "partners-INITIAL_FORMS": 0,
        "partners-MIN_NUM_FORMS": 0,
        "partners-MAX_NUM_FORMS": 50,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"partners-{i}-{key}"] = value
    return data


def test_partner_with_an_invalid_enterprise_number_is_refused_and_kept(client, draft, member):
    client.force_login(member)
    response = client.post(
        _url(draft, "partners"),
        _partners(draft.version, [{"name": "Krant", "kind": "news_media", "kbo_number": "0123.456.789"}]),
    )
    assert response.status_code == 200
    assert "0123.456.789" in response.text
    assert draft.partners.count() == 0


def test_partner_is_linked_to_the_organisation_with_the_same_enterprise_number(client, draft, member):
    known = OrganisationFactory(kind=OrganisationKind.NEWS_MEDIA, kbo_number=valid_kbo(424242))
    client.force_login(member)
    number = f"BE {known.kbo_display}"
    response = client.post(
        _url(draft, "partners"),
        _partners(draft.version, [{"name": "De Krant", "kind": "news_media", "kbo_number": number}]),
    )
    assert response.status_code == 302
    partner = draft.partners.get()
    assert partner.organisation == known and partner.kbo_number == known.kbo_number


def test_missing_news_medium_partner_is_a_finding_on_every_section(client, draft, member):
    client.force_login(member)
    for section in ("general", "partners", "budget", "questions", "attachments", "review"):
        response = client.get(_url(draft, section))
        assert "nieuwsmedium" in response.text or "news medium" in response.text, section
    PartnerFactory(application=draft, kind=OrganisationKind.NEWS_MEDIA)
    response = client.get(_url(draft, "general"))
    assert "news medium as a partner" not in response.text and "nieuwsmedium als partner" not in response.text


def _budget(version, lines, **funding):
    data = {
        "version": version,
        "lines-TOTAL_FORMS": len(lines),
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 100,
        "requested_amount": "",
        "other_funding": "",
        "own_contribution": "",
    }
    data.update(funding)
    for i, (category, description, amount) in enumerate(lines):
        data.update(
            {f"lines-{i}-category": category, f"lines-{i}-description": description, f"lines-{i}-amount": amount}
        )
    return data


def test_budget_totals_are_computed_and_the_funding_plan_must_balance(client, draft, member):
    client.force_login(member)
    lines = [("personnel", "Onderzoeker", "30000"), ("operating", "Drukwerk", "5000,50")]
    response = client.post(
        _url(draft, "budget"), _budget(draft.version, lines, requested_amount="30000", own_contribution="1000")
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.total_cost == Decimal("35000.50")
    page = client.get(_url(draft, "budget"))
    assert "35.000,50" in page.text  # the computed total, in Dutch notation
    assert "funding plan does not balance" in page.text or "financieringsplan" in page.text


def test_waiver_motivation_only_where_the_call_allows_a_waiver(client, draft, member, call):
    client.force_login(member)
    assert 'name="waiver_motivation"' not in client.get(_url(draft, "budget")).text
    EligibilityRuleFactory(call=call, kind=RuleKind.MAX_GRANT_SHARE, number=None, percent=80, waiver_allowed=True)
    assert 'name="waiver_motivation"' in client.get(_url(draft, "budget")).text


def test_negative_amount_is_refused_with_the_typed_value_kept(client, draft, member):
    client.force_login(member)
    response = client.post(_url(draft, "budget"), _budget(draft.version, [("personnel", "X", "-5")]))
    assert response.status_code == 200
    assert 'value="-5"' in response.text
    assert draft.budget_lines.count() == 0


def test_answers_keep_the_question_text_they_answered(client, draft, member, call):
    question = call.questions.get(kind="long_text")
    services.save_answers(draft, by=member, version=None, answers={question: "Ons antwoord"})
    question.text_nl = "Een herschreven vraag?"
    question.save()
    answer = draft.answers.get(question=question)
    assert answer.question_text == "Welk probleem?"
    client.force_login(member)
    detail = client.get(reverse("applications:detail", args=[draft.pk]))
    assert "Welk probleem?" in detail.text


def test_an_answer_over_the_character_limit_is_refused_and_kept(client, draft, member, call):
    question = call.questions.get(kind="long_text")
    client.force_login(member)
    typed = "x" * 301
    response = client.post(_url(draft, "questions"), {"version": draft.version, f"q_{question.pk}": typed})
    assert response.status_code == 200
    assert typed in response.text
    assert not draft.answers.filter(question=question).exists()


def test_incomplete_application_may_change_answers_only_and_it_is_audited(client, complete, member, call):
    manager = CallRoleFactory(call=call, role=CallRole.Role.MANAGER).user
    application = services.submit(complete, declaration=True, by=member)
    application = services.mark_incomplete(application, by=manager, missing="Beter antwoord op vraag 1")
    question = call.questions.get(kind="long_text")
    client.force_login(member)
    response = client.post(
        _url(application, "questions"), {"version": application.version, f"q_{question.pk}": "Een beter antwoord"}
    )
    assert response.status_code == 302
    assert application.answers.get(question=question).value == "Een beter antwoord"
    edits = audit.events_for(application).filter(action="edited", created_at__gte=application.submitted_at)
    assert [(e.data["section"], e.data["status"]) for e in edits] == [("questions", Status.INCOMPLETE)]
    application.refresh_from_db()
    response = client.post(_url(application, "general"), _general(application, title="Ander project"))
    application.refresh_from_db()
    assert application.title != "Ander project"


def test_a_submitted_application_is_read_only(client, complete, member):
    application = services.submit(complete, declaration=True, by=member)
    client.force_login(member)
    client.post(_url(application, "general"), _general(application, title="Gewijzigd"))
    application.refresh_from_db()
    assert application.title != "Gewijzigd"
    page = client.get(_url(application, "general"))
    assert "<fieldset disabled>" in page.text


def test_members_of_the_organisation_share_the_draft(client, draft, member):
    colleague = MembershipFactory(organisation=member.organisation).user
    client.force_login(colleague)
    response = client.post(_url(draft, "general"), _general(draft, title="Door een collega"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Door een collega"
    assert "Door een collega" in client.get(reverse("applications:list")).text


def test_progress_shows_which_sections_are_complete(client, complete, member):
    client.force_login(member)
    page = client.get(_url(complete, "review"))
    assert page.text.count("text-bg-success rounded-pill") == 5
    Application.objects.filter(pk=complete.pk).update(title="")
    page = client.get(_url(complete, "review"))
    assert page.text.count("text-bg-success rounded-pill") == 4


def test_completion_deadline_passed_blocks_editing(complete, member, call):
    manager = CallRoleFactory(call=call, role=CallRole.Role.MANAGER).user
    application = services.submit(complete, declaration=True, by=member)
    application = services.mark_incomplete(
        application, by=manager, missing="x", deadline=timezone.now() - timedelta(minutes=1)
    )
    assert not services.can_edit(application, "questions", by=member)
