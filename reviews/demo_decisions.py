"""The ranking's part of `seed_calls --demo` (called at the end of `reviews/demo.py`).

lokale-besturen-2021 is fully reviewed and nothing is decided, so its ranking page shows the
funding line against the € 818.573 budget with a reserve list below it. To show a what-if
amount, the funded application that asks the most gets a proposed grant € 7.500 lower, as a
jury trimming a budget would; staff can change it on the ranking page. Through the service, as
a manager would; only when the call has no proposal yet, so running the seed twice changes
nothing.
"""

from decimal import Decimal

from .models import GrantProposal
from .ranking import propose_grant, ranking_for

LB_2021 = "lokale-besturen-2021"
TRIM = Decimal("7500")


def seed(*, calls: dict, users: dict, **kwargs) -> None:
    call = calls.get(LB_2021)
    manager = users.get("manager")
    if call is None or manager is None:
        return
    if GrantProposal.objects.filter(application__call=call).exists():
        return
    funded = [row for row in ranking_for(call).funded if row.decision is None and row.requested > TRIM]
    if not funded:
        return
    largest = max(funded, key=lambda row: (row.requested, -row.position))
    propose_grant(largest.application, amount=largest.requested - TRIM, by=manager)
