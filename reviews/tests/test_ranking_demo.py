"""The demo data leaves lokale-besturen-2021 fully reviewed and undecided, so a newcomer sees a
ranking with a funding line and a reserve list."""

import pytest

from calls.models import Call
from calls.seed import seed_calls
from reviews.models import Decision, GrantProposal
from reviews.ranking import ranking_for


@pytest.mark.django_db
def test_the_demo_ranking_has_a_funding_line_a_reserve_list_and_no_decisions():
    seed_calls(demo=True, allow_without_debug=True)
    call = Call.objects.get(slug="lokale-besturen-2021")

    ranking = ranking_for(call)

    assert 13 <= len(ranking.funded) <= 16  # 14 projects were funded in reality
    assert ranking.reserve, "a reserve list below the line"
    assert ranking.line_index is not None
    assert ranking.budget_use.used <= call.total_budget
    assert not Decision.objects.filter(application__call=call).exists()
    assert not ranking.unscored
    # One what-if amount shows the feature; the funding line still holds.
    (proposal,) = GrantProposal.objects.filter(application__call=call)
    assert proposal.amount < proposal.application.requested_amount
    assert "Gemeente Voorbeeld" in [row.application.lead_organisation.name for row in ranking.passing]


@pytest.mark.django_db
def test_seeding_twice_changes_nothing_in_the_ranking():
    seed_calls(demo=True, allow_without_debug=True)
    call = Call.objects.get(slug="lokale-besturen-2021")
    before = [(r.application.pk, r.granted, r.funded) for r in ranking_for(call).rows]

    seed_calls(demo=True, allow_without_debug=True)

    assert [(r.application.pk, r.granted, r.funded) for r in ranking_for(call).rows] == before
    assert GrantProposal.objects.filter(application__call=call).count() == 1
