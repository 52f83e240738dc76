"""Double-funding detection (reviews/duplicates.py): a reworded resubmission to another call is
flagged with the passages side by side, unrelated generated proposals are not, and precision and
recall on a labelled set of generated pairs stay above a bar. The check runs after the
submission commits, never inside it."""

import io
import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.tests.factories import OrganisationFactory
from applications.models import Application, BudgetLine, Partner
from applications.tests.factories import ApplicationFactory
from calls.tests.factories import CallFactory
from reviews import demo_text, duplicates, tasks
from reviews.models import DuplicateFlag

pytestmark = pytest.mark.django_db


def store(proposal: demo_text.Proposal, call, *, status="submitted", organisation=None) -> Application:
    application = ApplicationFactory(
        call=call,
        title=proposal.title,
        summary=proposal.summary,
        status=status,
        reference=f"{call.reference_prefix}-{Application.objects.count() + 1:05d}",
        submitted_at=timezone.now() - timedelta(days=1),
        **({"lead_organisation": organisation} if organisation else {}),
    )
    Partner.objects.bulk_create(
        [
            Partner(application=application, name=name, kind="news_media", order=i)
            for i, (name, _) in enumerate(proposal.partners)
        ]
    )
    BudgetLine.objects.bulk_create(
        [
            BudgetLine(application=application, category=c, description=d, amount=Decimal(a))
            for c, d, a in proposal.budget
        ]
    )
    duplicates.fingerprint_many([application.pk])
    return application


def test_a_reworded_resubmission_to_another_call_is_flagged_with_the_passages():
    rng = random.Random(15)
    original = demo_text.proposal(rng, sentences=12)
    first = store(original, CallFactory(reference_prefix="DES"), status="awarded")
    copy = demo_text.reword(original, rng, share=0.2)
    assert [p for p, _ in copy.partners] != [p for p, _ in original.partners]  # reordered
    unrelated = store(demo_text.proposal(rng, sentences=12), CallFactory(reference_prefix="LB"))
    second = store(copy, CallFactory(reference_prefix="DES2"), organisation=OrganisationFactory())

    flags = duplicates.check(second.pk)

    assert [(f.application, f.other) for f in flags] == [(second, first)]
    flag = flags[0]
    assert 0.2 < flag.similarity < 0.5  # a fifth of the words changed: a fair share of the shingles stays
    assert len(flag.shared_partners) == len(original.partners)  # every partner, whatever the order
    assert len(flag.shared_budget_lines) == len(original.budget)
    assert len(flag.passages) >= 3
    for passage in flag.passages:
        assert passage["this"] in second.summary and passage["other"] in first.summary
    assert not DuplicateFlag.objects.filter(other=unrelated).exists()
    # Checking again changes nothing, and the older one's check finds the same pair once.
    duplicates.check(second.pk)
    duplicates.check(first.pk)
    assert DuplicateFlag.objects.count() == 1


def test_unrelated_proposals_of_the_generated_data_set_are_not_flagged():
    call_command("generate_demo_data", applications=40, reviewers=4, slug="dupes", stdout=io.StringIO())
    generated = list(Application.objects.filter(call__slug="dupes").order_by("pk"))
    assert len({a.summary for a in generated}) == 40  # the generator writes distinct proposals
    for application in generated:
        assert duplicates.check(application.pk) == [], application.reference
    assert not DuplicateFlag.objects.exists()


def test_precision_and_recall_on_labelled_generated_pairs():
    """60 reworded copies (10, 20 or 30 % of the words replaced, partners reordered) and 60
    unrelated pairs on the same topic, all in one database: every pair the check flags that is
    not a reworded copy counts as a false positive, whichever two applications it joins."""
    rng = random.Random(2026)
    call_a, call_b = CallFactory(reference_prefix="AAA"), CallFactory(reference_prefix="BBB")
    positives, checked = set(), []
    for index in range(60):
        original = demo_text.proposal(rng)
        copy = demo_text.reword(original, rng, share=(0.1, 0.2, 0.3)[index % 3])
        a, b = store(original, call_a), store(copy, call_b)
        positives.add(frozenset((a.pk, b.pk)))
        checked.append(b.pk)
        topic = rng.choice(demo_text.TOPICS)
        store(demo_text.proposal(rng, topic=topic), call_a)
        checked.append(store(demo_text.proposal(rng, topic=topic), call_b).pk)
    assert len(positives) + 60 >= 100
    for pk in checked:
        duplicates.check(pk)
    flagged = {frozenset((f.application_id, f.other_id)) for f in DuplicateFlag.objects.all()}
    true_positives = len(flagged & positives)
    precision = true_positives / len(flagged) if flagged else 0.0
    recall = true_positives / len(positives)
    print(
        f"\ndouble funding on 120 labelled pairs: precision {precision:.3f}, recall {recall:.3f}, flags {len(flagged)}"
    )
    assert precision >= 0.95
    assert recall >= 0.95


def test_the_check_runs_after_commit_and_a_broker_outage_never_reaches_the_submitter(
    django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks.check_duplicates, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tasks.enqueue_duplicate_check(7)
    assert queued == [] and len(callbacks) == 1  # nothing happens before the commit
    callbacks[0]()
    assert queued == [7]

    def down(_):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.check_duplicates, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue_duplicate_check(7)


def test_a_draft_or_withdrawn_application_is_never_a_candidate():
    rng = random.Random(3)
    original = demo_text.proposal(rng)
    store(original, CallFactory(), status="withdrawn")
    second = store(demo_text.reword(original, rng, share=0.1), CallFactory())
    assert duplicates.check(second.pk) == []


def test_one_line_summaries_that_are_alike_are_not_called_copies():
    a = duplicates.document("Lokale preventie van radicalisering en polarisatie.")
    b = duplicates.document("Lokale preventie van radicalisering en polarisatie.")
    verdict = duplicates.compare(a, b)
    assert verdict.similarity == 1.0 and not verdict.flagged
