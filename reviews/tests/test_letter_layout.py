"""The decision letter reads as a letter from the funder: letterhead, the organisation's address
where a window envelope shows it, date and reference, and a signature block."""

import pytest
from django.test import RequestFactory

from calls.models import LegalFrame
from reviews import decisions
from reviews.models import Decision
from reviews.views_summary import letter_html

from .ranking_data import D, application, closed_call, criterion, manager_of, member_of, review

pytestmark = pytest.mark.django_db


def test_the_letter_has_a_letterhead_an_address_block_and_a_signature(settings):
    call = closed_call(total_budget=D("100000"), reviews_required=1, funder_nl="Agentschap Binnenlands Bestuur")
    LegalFrame.objects.create(
        call=call, decision_maker="De Vlaamse minister van Binnenlands Bestuur", contact_email="oproep@example.org"
    )
    relevance = criterion(call, 1, threshold="2.5", title_nl="Relevantie")
    app = application(call, requested=40000, title="Samen tegen polarisatie")
    app.lead_organisation.address = "Markt 1\n9000 Gent"
    app.lead_organisation.save()
    applicant = member_of(app.lead_organisation)
    review(app, {relevance: 4})
    manager = manager_of(call, full_name="An Dossierbeheerder")
    decisions.award(app, granted_amount=D("35000"), motivation="Sterk project.", by=manager)
    decisions.publish(call, by=manager)
    request = RequestFactory().get("/")
    request.user = applicant

    letter = letter_html(request, app, Decision.objects.get(application=app))

    assert 'class="letterhead"' in letter and "Agentschap Binnenlands Bestuur" in letter
    assert "oproep@example.org" in letter  # the call's contact, in the letterhead
    assert 'class="address"' in letter and "Markt 1<br>9000 Gent" in letter
    assert app.reference in letter
    assert 'class="signature"' in letter
    assert "An Dossierbeheerder" in letter
    assert "namens De Vlaamse minister van Binnenlands Bestuur" in letter
