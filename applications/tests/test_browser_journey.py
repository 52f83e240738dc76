"""The demo applicant's whole journey in a real browser: from the call page to a submitted
disinformation application with a reference and a PDF receipt."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from accounts.models import OrganisationKind
from applications.demo import minimal_pdf
from applications.models import Application, Status
from calls.models import Call, QuestionKind
from calls.seed import seed_calls
from portal.testing.browser import axe_violations, login


def _news_medium_label() -> str:
    with translation.override("nl"):
        return str(OrganisationKind.NEWS_MEDIA.label)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_demo_applicant_submits_a_disinformation_application(browser_page):
    from playwright.sync_api import expect

    seed_calls(demo=True, allow_without_debug=True)
    call = Call.objects.get(slug="desinformatie-demo")
    page = browser_page
    login(page, "applicant@example.org", "oproep-demo")

    # Start from the call's page; the applicant belongs to two organisations and picks the lead.
    page.goto(f"/calls/{call.slug}/")
    page.locator("form[action*='/applications/start/'] button[type=submit]:visible").click()
    page.get_by_label("Onderzoeksgroep Voorbeeld").check()
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/edit/general/$"))
    application = Application.objects.get(call=call, lead_organisation__name="Onderzoeksgroep Voorbeeld")

    # General.
    assert axe_violations(page) == []
    start = (timezone.localdate() + timedelta(days=120)).replace(day=1)
    page.fill("#id_title", "Desinformatie herkennen in de klas")
    page.fill("#id_acronym", "DHK")
    page.fill("#id_summary", "Leerlingen leren samen met journalisten en onderzoekers nepnieuws herkennen.")
    expect(page.locator("#id_summary-counter")).to_contain_text(str(2000 - 76))
    page.locator("input[name=objectives]").first.check()
    page.fill("#id_start_date", start.isoformat())
    page.fill("#id_end_date", start.replace(year=start.year + 1).isoformat())
    page.click("button[name=save_next]")
    expect(page).to_have_url(re.compile(r"/edit/partners/$"))

    # Partners: a media-literacy partner alone leaves the news-medium finding.
    page.fill("#id_partners-0-name", "Mediawijs Lab")
    page.select_option("#id_partners-0-kind", "media_literacy")
    page.fill("#id_partners-0-role", "Lesmateriaal")
    page.click("button[name=save]")
    expect(page.locator("#findings")).to_contain_text(_news_medium_label())
    assert axe_violations(page) == []
    page.fill("#id_partners-1-name", "Voorbeeld Nieuws")
    page.select_option("#id_partners-1-kind", "news_media")
    page.fill("#id_partners-1-kbo_number", "0876.543.270")
    page.click("button[name=save_next]")
    expect(page).to_have_url(re.compile(r"/edit/budget/$"))
    expect(page.locator("#findings")).not_to_contain_text(_news_medium_label())

    # Budget: lines, then a funding plan that balances.
    page.select_option("#id_lines-0-category", "personnel")
    page.fill("#id_lines-0-description", "Twee onderzoekers")
    page.fill("#id_lines-0-amount", "90000")
    page.select_option("#id_lines-1-category", "operating")
    page.fill("#id_lines-1-description", "Lesmateriaal")
    page.fill("#id_lines-1-amount", "10000")
    page.fill("#id_requested_amount", "80000")
    page.fill("#id_own_contribution", "20000")
    assert axe_violations(page) == []
    page.click("button[name=save_next]")
    expect(page).to_have_url(re.compile(r"/edit/questions/$"))
    assert axe_violations(page) == []

    # The call's questions.
    for question in call.questions.filter(archived_at__isnull=True):
        name = f"q_{question.pk}"
        if question.kind == QuestionKind.LONG_TEXT:
            page.fill(f"[name={name}]", "Jongeren vinden nieuws vooral via sociale media.")
        elif question.kind in (QuestionKind.CHOICE, QuestionKind.YES_NO):
            page.locator(f"[name={name}]").first.check()
        elif question.kind == QuestionKind.NUMBER:
            page.fill(f"[name={name}]", "2500")
    page.click("button[name=save_next]")
    expect(page).to_have_url(re.compile(r"/edit/attachments/$"))

    # One PDF per required document.
    for document in call.documents.filter(archived_at__isnull=True, required=True):
        slot = page.locator(f"#document-{document.pk}")
        slot.locator("input[type=file]").set_input_files(
            files=[
                {"name": f"{document.kind}.pdf", "mimeType": "application/pdf", "buffer": minimal_pdf(document.kind)}
            ]
        )
        slot.locator("button[type=submit]").last.click()
        expect(page.locator(f"#document-{document.pk}")).to_contain_text(f"{document.kind}.pdf")

    assert axe_violations(page) == []

    # Review and submit.
    page.goto(f"/applications/{application.pk}/edit/review/")
    assert axe_violations(page) == []
    # The declaration of honour must be ticked before the application goes out.
    page.check("#id_declaration")
    page.locator("form[action$='/submit/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/applications/{application.pk}/$"))
    reference = page.locator("#application-reference").inner_text().strip()
    assert re.fullmatch(r"DES-\d{4}-\d{4}", reference)
    assert axe_violations(page) == []
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED and application.reference == reference
    assert application.declared_at is not None

    # The receipt downloads as a PDF.
    with page.expect_download() as download_info:
        page.click("#receipt-link")
    download = download_info.value
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert download.suggested_filename.startswith(reference)

    # My applications lists it with its reference and status.
    page.goto("/applications/")
    expect(page.locator("main")).to_contain_text(reference)
    assert axe_violations(page) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_typing_is_autosaved_and_an_immediate_save_is_not_refused_as_stale(browser_page, monkeypatch):
    import time

    from playwright.sync_api import expect

    from applications import services

    original = services.save_general

    def slow_save_general(*args, **kwargs):
        # A slow network: the autosave's answer (with the new version) arrives late.
        result = original(*args, **kwargs)
        time.sleep(1.5)
        return result

    monkeypatch.setattr(services, "save_general", slow_save_general)

    seeded = seed_calls(demo=True, allow_without_debug=True)
    draft = Application.objects.get(
        call__slug="lokale-besturen-demo", lead_organisation=seeded["organisations"]["gemeente"]
    )
    page = browser_page
    login(page, "applicant@example.org", "oproep-demo")
    page.goto(f"/applications/{draft.pk}/edit/general/")

    page.fill("#id_title", "Samen sterk")
    expect(page.locator("#autosave-status")).to_contain_text(re.compile(r"\d\d:\d\d:\d\d"), timeout=15_000)
    draft.refresh_from_db()
    assert draft.title == "Samen sterk"
    version = draft.version
    expect(page.locator("#id_version")).to_have_value(str(version))

    # Type and press "Save" at once: the autosave and the save must not collide.
    page.fill("#id_acronym", "SS")
    page.locator("#id_summary").press("End")
    page.locator("#id_summary").press_sequentially(" Met buurtwerkers.", delay=5)
    page.wait_for_timeout(2000)  # the autosave is under way (and slow) when the button is pressed
    page.click("button[name=save]")
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#stale-warning")).to_have_count(0)
    draft.refresh_from_db()
    assert draft.acronym == "SS" and draft.summary.endswith("Met buurtwerkers.")
