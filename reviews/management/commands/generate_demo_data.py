"""Generate a large, realistic data set for benchmarks (`make bench`).

Creates one call with N submitted, in-review applications (partners, budget lines), a reviewer
pool, three assignments per application with submitted reviews and scores, and an applicant
who belongs to a handful of the organisations. Bulk inserts keep it to a minute or two for
10,000 applications on PostgreSQL.

Each application gets a distinct generated Dutch proposal (reviews/demo_text.py: title, summary,
partners), its search document and its double-funding fingerprint, so search and the duplicate
check are measured on text that looks like a call's (`make bench`).
"""

import random
import time
from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Membership, Organisation, OrganisationKind, User
from accounts.tests.factories import valid_kbo
from applications.models import Application, BudgetLine, Partner, ReferenceCounter, Status
from calls.models import Call, CallRole, Criterion, Objective
from reviews import demo_text
from reviews.models import Assignment, Review, Score
from reviews.scoring import refresh_figures

PASSWORD = "oproep-bench"
BATCH = 2000


class Command(BaseCommand):
    help = "Generate a large call with reviewed applications for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, default=10000)
        parser.add_argument("--reviewers", type=int, default=30)
        parser.add_argument("--slug", default="bench")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--prefix", default="BEN", help="reference prefix (unique per call)")
        parser.add_argument(
            "--numbers-from", type=int, default=5_000_000, help="first KBO number (another call needs another range)"
        )

    @transaction.atomic
    def handle(self, *args, applications, reviewers, slug, seed, numbers_from, prefix, **options):
        rng = random.Random(seed)
        now = timezone.now()
        if Call.objects.filter(slug=slug).exists():
            self._drop(slug)  # start from scratch, so the numbers are comparable between runs
        call = Call.objects.create(
            slug=slug,
            reference_prefix=prefix,
            title_nl="Benchmarkoproep",
            title_en="Benchmark call",
            total_budget=Decimal("50000000"),
            opens_at=now - timedelta(days=90),
            closes_at=now - timedelta(days=30),
            published=True,
            review_started_at=now - timedelta(days=20),
            reviews_required=3,
        )
        objectives = [
            Objective.objects.create(call=call, number=i, title_nl=f"Doelstelling {i}", title_en=f"Objective {i}")
            for i in range(1, 5)
        ]
        criteria = [
            Criterion.objects.create(
                call=call,
                title_nl=f"Criterium {i}",
                title_en=f"Criterion {i}",
                order=i,
                threshold=Decimal("2.5"),
                objective=objectives[i - 1] if i > 2 else None,
            )
            for i in range(1, 5)
        ]
        manager = self._user("bench-manager@example.org")
        CallRole.objects.get_or_create(call=call, user=manager, role=CallRole.Role.MANAGER)
        pool = [self._user(f"bench-reviewer{i}@example.org") for i in range(1, reviewers + 1)]
        CallRole.objects.bulk_create(
            [CallRole(call=call, user=u, role=CallRole.Role.REVIEWER) for u in pool], ignore_conflicts=True
        )
        applicant = self._user("bench-applicant@example.org")

        kinds = [OrganisationKind.RESEARCH, OrganisationKind.NEWS_MEDIA, OrganisationKind.MEDIA_LITERACY]
        orgs = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"Bench organisatie {i}", kind=rng.choice(kinds), kbo_number=valid_kbo(numbers_from + i)
                )
                for i in range(applications)
            ],
            batch_size=BATCH,
        )
        Membership.objects.bulk_create(
            [Membership(user=applicant, organisation=o, role=Membership.Role.OWNER) for o in orgs[:20]]
        )
        year = call.opens_at.year
        text_rng = random.Random(seed + 1)  # its own stream: the other random choices stay as they were
        proposals = [demo_text.proposal(text_rng) for _ in orgs]
        apps = Application.objects.bulk_create(
            [
                Application(
                    call=call,
                    lead_organisation=o,
                    created_by=applicant,
                    title=proposals[i - 1].title,
                    acronym=f"B{i}",
                    summary=proposals[i - 1].summary,
                    status=Status.IN_REVIEW,
                    reference=f"{prefix}-{year}-{i:05d}",
                    submitted_at=call.closes_at - timedelta(minutes=i),
                    requested_amount=Decimal(rng.randrange(20000, 200000)),
                )
                for i, o in enumerate(orgs, start=1)
            ],
            batch_size=BATCH,
        )
        ReferenceCounter.objects.update_or_create(call=call, defaults={"last": len(apps)})
        through = Application.objects.model.objectives.through
        through.objects.bulk_create(
            [through(application_id=a.pk, objective_id=rng.choice(objectives).pk) for a in apps], batch_size=BATCH
        )
        Partner.objects.bulk_create(
            [
                Partner(application=a, name=name, kind=OrganisationKind.NEWS_MEDIA, order=order)
                for a, proposal in zip(apps, proposals, strict=True)
                for order, (name, _) in enumerate(proposal.partners)
            ],
            batch_size=BATCH,
        )
        BudgetLine.objects.bulk_create(
            [
                BudgetLine(application=a, category=cat, description=cat, amount=a.requested_amount / 2)
                for a in apps
                for cat in ("personnel", "operating")
            ],
            batch_size=BATCH,
        )
        assignments = Assignment.objects.bulk_create(
            [
                Assignment(application=a, reviewer=r, declared_at=now, confidentiality_accepted=True, due_at=now)
                for a in apps
                for r in rng.sample(pool, 3)
            ],
            batch_size=BATCH,
        )
        reviews = Review.objects.bulk_create(
            [Review(assignment=s, recommendation="fund", submitted_at=now) for s in assignments], batch_size=BATCH
        )
        steps = [Decimal(x) / 2 for x in range(0, 11)]
        Score.objects.bulk_create(
            [Score(review=rv, criterion=c, score=rng.choice(steps[3:])) for rv in reviews for c in criteria],
            batch_size=BATCH * 2,
        )
        self._index([a.pk for a in apps])
        # The triggers marked every application stale; compute its stored figures (as the
        # signal or the periodic task would after a real review), once the rows are committed.
        transaction.on_commit(refresh_figures)
        if connection.vendor == "postgresql":
            # Fresh statistics, so the planner sees the bulk-inserted rows (as autovacuum would later).
            transaction.on_commit(lambda: connection.cursor().execute("ANALYZE"))
        self.stdout.write(
            f"Generated call '{slug}': {len(apps)} applications, {len(assignments)} reviews, "
            f"{len(pool)} reviewers. Logins (password {PASSWORD}): {manager.email}, {pool[0].email}, {applicant.email}"
        )

    def _index(self, ids):
        """Search documents and double-funding fingerprints, as submissions get them."""
        from applications import search
        from reviews import duplicates

        started = time.perf_counter()
        search.reindex_many(ids)
        indexed = time.perf_counter()
        duplicates.fingerprint_many(ids)
        self.stdout.write(
            f"Indexed {len(ids)} applications for search in {indexed - started:.1f} s and fingerprinted them "
            f"for the double-funding check in {time.perf_counter() - indexed:.1f} s."
        )

    def _user(self, email):
        user, created = User.objects.get_or_create(email=email)
        if created:
            user.set_password(PASSWORD)
            user.save()
        return user

    def _drop(self, slug):
        call = Call.objects.get(slug=slug)
        org_ids = list(Application.objects.filter(call=call).values_list("lead_organisation_id", flat=True))
        Application.objects.filter(call=call).delete()
        Organisation.objects.filter(pk__in=org_ids).delete()
        call.delete()
