"""The automatic assignment (reviews.assignment.plan) on hand-made and on random pools.

The random pools are checked against an independent oracle: a textbook min-cost max-flow
(Bellman-Ford successive shortest paths) on the same network, where the k-th application of a
reviewer costs their k-th load. The plan must reach the same number of assignments (the required
count is met wherever possible) and the same cost (the loads are as balanced as the constraints
allow). With reviewer affinities (expertise), the oracle's cost of an application–reviewer edge is
minus the affinity, and the load cost is weighed by a factor larger than any affinity sum: the
plan must then also reach the oracle's total affinity (the best one among the most balanced
plans of the largest size)."""

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviews.assignment import (
    ApplicationFacts,
    ExistingAssignment,
    GapReason,
    ReviewerFacts,
    organisation_domain,
    plan,
    scaled,
)


def app(id, *, lead=None, kbo="", domain="", partners=(), partner_kbos=(), partner_domains=()):
    return ApplicationFacts(
        id=id,
        lead_organisation_id=lead,
        lead_kbo=kbo,
        lead_email_domain=domain,
        partner_organisation_ids=frozenset(partners),
        partner_kbos=frozenset(partner_kbos),
        partner_email_domains=frozenset(partner_domains),
    )


def reviewer(id, *, orgs=(), kbos=(), domain=""):
    return ReviewerFacts(
        id=id, organisation_ids=frozenset(orgs), kbos=frozenset(kbos), email_domains=frozenset({domain} - {""})
    )


def loads(result):
    return sorted(result.loads.values())


# --- hand-made pools ------------------------------------------------------------------------


def test_every_application_gets_the_required_reviewers_and_the_load_is_even():
    apps = [app(i, lead=100 + i) for i in range(1, 7)]
    pool = [reviewer(r) for r in range(1, 5)]
    result = plan(apps, pool, [], required=2)
    per_app = Counter(a for a, _ in result.pairs)
    assert all(per_app[a.id] == 2 for a in apps)
    assert len(set(result.pairs)) == 12
    assert loads(result) == [3, 3, 3, 3]
    assert result.gaps == []


def test_a_member_of_the_lead_organisation_is_never_picked():
    apps = [app(1, lead=10)]
    pool = [reviewer(1, orgs=[10]), reviewer(2), reviewer(3)]
    result = plan(apps, pool, [], required=2)
    assert {r for _, r in result.pairs} == {2, 3}


def test_a_member_of_a_partner_organisation_is_never_picked():
    apps = [app(1, lead=10, partners=[11])]
    pool = [reviewer(1, orgs=[11]), reviewer(2), reviewer(3)]
    assert {r for _, r in plan(apps, pool, [], required=2).pairs} == {2, 3}


def test_a_reviewer_whose_organisation_has_the_kbo_number_of_the_lead_or_a_partner_is_never_picked():
    apps = [app(1, lead=10, kbo="0123456749", partner_kbos=["0987654321"])]
    pool = [reviewer(1, kbos=["0123456749"]), reviewer(2, kbos=["0987654321"]), reviewer(3), reviewer(4)]
    assert {r for _, r in plan(apps, pool, [], required=2).pairs} == {3, 4}


def test_a_reviewer_with_the_e_mail_domain_of_the_lead_or_a_partner_is_never_picked():
    apps = [app(1, lead=10, domain="gent.be", partner_domains=["vrt.be"])]
    pool = [reviewer(1, domain="gent.be"), reviewer(2, domain="vrt.be"), reviewer(3, domain="ugent.be"), reviewer(4)]
    assert {r for _, r in plan(apps, pool, [], required=2).pairs} == {3, 4}


def test_webmail_and_documentation_domains_identify_no_organisation():
    assert organisation_domain("jan@gmail.com") == ""
    assert organisation_domain("reviewer1@example.org") == ""
    assert organisation_domain("An@Gent.be") == "gent.be"
    assert organisation_domain("@vrt.be") == "vrt.be"


def test_a_reviewer_who_declared_a_conflict_is_never_picked_again_and_the_place_is_filled():
    apps = [app(1, lead=10)]
    pool = [reviewer(1), reviewer(2), reviewer(3)]
    existing = [ExistingAssignment(1, 1, conflict=True), ExistingAssignment(1, 2)]
    result = plan(apps, pool, existing, required=2)
    assert result.pairs == [(1, 3)]


def test_existing_assignments_are_kept_and_count():
    apps = [app(1), app(2)]
    pool = [reviewer(1), reviewer(2), reviewer(3)]
    existing = [ExistingAssignment(1, 1), ExistingAssignment(1, 2), ExistingAssignment(2, 1)]
    result = plan(apps, pool, existing, required=2)
    # Application 1 is complete; application 2 gets one more, not reviewer 1 again, and the
    # least loaded reviewer (3) rather than reviewer 2.
    assert result.pairs == [(2, 3)]
    assert result.loads == {1: 2, 2: 1, 3: 1}


def test_the_maximum_load_is_respected_and_the_shortfall_reported():
    apps = [app(i) for i in range(1, 5)]
    pool = [reviewer(1), reviewer(2)]
    result = plan(apps, pool, [], required=2, max_load=3)
    assert max(result.loads.values()) <= 3
    assert len(result.pairs) == 6
    assert sum(g.missing for g in result.gaps) == 2
    assert {g.reason for g in result.gaps} == {GapReason.MAX_LOAD}


def test_too_few_independent_reviewers_is_reported_with_the_counts():
    apps = [app(1, lead=10), app(2, lead=20)]
    pool = [reviewer(1, orgs=[10]), reviewer(2), reviewer(3)]
    existing = [ExistingAssignment(1, 2, conflict=True)]
    result = plan(apps, pool, existing, required=3)
    gaps = {g.application_id: g for g in result.gaps}
    assert gaps[1].missing == 2 and gaps[1].reason == GapReason.TOO_FEW_REVIEWERS
    assert (gaps[1].eligible, gaps[1].tied, gaps[1].conflicts) == (1, 1, 1)
    assert 2 not in gaps  # application 2 has three independent reviewers


def test_balance_moves_an_application_along_a_chain_to_the_only_free_reviewer():
    # Reviewer 3 may review only application 1 and reviewer 4 only applications 2 and 3. Taking
    # applications in turn would leave reviewer 3 idle while 1, 2 and 4 each get two.
    apps = [app(1, lead=20), app(2, lead=10), app(3, lead=10)]
    pool = [reviewer(1), reviewer(2), reviewer(3, orgs=[10]), reviewer(4, orgs=[20])]
    result = plan(apps, pool, [], required=2)
    assert len(result.pairs) == 6
    assert (1, 3) in result.pairs
    assert loads(result) == [1, 1, 2, 2]


def test_the_required_count_is_met_even_when_that_means_moving_a_reviewer():
    # Each reviewer takes one application at most. Reviewer 102 may review only application 1;
    # a first-come pick gives application 1 reviewer 100 and leaves application 3 without anyone.
    apps = [app(1, lead=2, partners=[2]), app(2, partners=[1]), app(3, lead=2, partners=[1])]
    pool = [reviewer(100), reviewer(101, orgs=[3]), reviewer(102, orgs=[1]), reviewer(103), reviewer(104)]
    existing = [ExistingAssignment(1, 104)]
    result = plan(apps, pool, existing, required=2, max_load=1)
    assert len(result.pairs) == 4
    assert (1, 102) in result.pairs
    assert max(result.loads.values()) == 1
    assert sum(g.missing for g in result.gaps) == 1


def test_balance_yields_where_the_constraints_do_not_allow_it():
    # Only reviewer 1 is independent of applications 1-3: they get all three, and that is right.
    apps = [app(i, lead=10) for i in (1, 2, 3)]
    pool = [reviewer(1), reviewer(2, orgs=[10]), reviewer(3, orgs=[10])]
    result = plan(apps, pool, [], required=1)
    assert result.loads == {1: 3, 2: 0, 3: 0}
    assert result.gaps == []


# --- random pools against an independent oracle ---------------------------------------------


def _independent(rev: ReviewerFacts, application: ApplicationFacts) -> bool:
    orgs = {application.lead_organisation_id, *application.partner_organisation_ids} - {None}
    kbos = {application.lead_kbo, *application.partner_kbos} - {""}
    domains = {application.lead_email_domain, *application.partner_email_domains} - {""}
    return not (set(rev.organisation_ids) & orgs or set(rev.kbos) & kbos or set(rev.email_domains) & domains)


def _min_cost_max_flow(n, edges, source, sink):
    """Successive shortest paths with Bellman-Ford; edges are (u, v, capacity, cost)."""
    graph = [[] for _ in range(n)]  # edge index lists
    to, cap, cost = [], [], []
    for u, v, c, w in edges:
        for a, b, cc, ww in ((u, v, c, w), (v, u, 0, -w)):
            graph[a].append(len(to))
            to.append(b)
            cap.append(cc)
            cost.append(ww)
    flow = total = 0
    while True:
        dist = [None] * n
        dist[source] = 0
        via = [None] * n
        for _ in range(n):
            changed = False
            for u in range(n):
                if dist[u] is None:
                    continue
                for e in graph[u]:
                    if cap[e] > 0 and (dist[to[e]] is None or dist[u] + cost[e] < dist[to[e]]):
                        dist[to[e]] = dist[u] + cost[e]
                        via[to[e]] = e
                        changed = True
            if not changed:
                break
        if dist[sink] is None:
            return flow, total
        node = sink
        while node != source:
            e = via[node]
            cap[e] -= 1
            cap[e ^ 1] += 1
            node = to[e ^ 1]
        flow += 1
        total += dist[sink]


def _oracle(apps, pool, existing, required, max_load, affinity=None):
    """(assignments, load cost, affinity in thousandths) of the lexicographically best plan."""
    affinity = {pair: scaled(value) for pair, value in (affinity or {}).items()}
    big = 1000 * (len(apps) * len(pool) + 1) + 1
    rows = {(e.application_id, e.reviewer_id) for e in existing}
    active = Counter(e.application_id for e in existing if not e.conflict)
    load0 = Counter(e.reviewer_id for e in existing if not e.conflict)
    source, sink = 0, 1
    app_node = {a.id: 2 + i for i, a in enumerate(apps)}
    rev_node = {r.id: 2 + len(apps) + j for j, r in enumerate(pool)}
    edges = []
    for a in apps:
        edges.append((source, app_node[a.id], max(0, required - active[a.id]), 0))
        for r in pool:
            if _independent(r, a) and (a.id, r.id) not in rows:
                edges.append((app_node[a.id], rev_node[r.id], 1, -affinity.get((a.id, r.id), 0)))
    for r in pool:
        room = len(apps) if max_load is None else max(0, max_load - load0[r.id])
        for k in range(1, room + 1):
            edges.append((rev_node[r.id], sink, 1, (load0[r.id] + k) * big))  # the k-th new one costs its load
    flow, total = _min_cost_max_flow(2 + len(apps) + len(pool), edges, source, sink)
    load_cost = -((-total) // big)  # total = load cost × big − affinity, 0 ≤ affinity < big
    return flow, load_cost, load_cost * big - total


ORGS = [1, 2, 3, 4]
KBOS = ["0200000001", "0200000002", "0200000003"]
DOMAINS = ["a.be", "b.be", "c.be"]


@st.composite
def pools(draw):
    n_apps = draw(st.integers(1, 7))
    n_revs = draw(st.integers(1, 6))
    maybe = lambda values: st.one_of(st.just(""), st.sampled_from(values))  # noqa: E731
    apps = [
        ApplicationFacts(
            id=i,
            lead_organisation_id=draw(st.one_of(st.none(), st.sampled_from(ORGS))),
            lead_kbo=draw(maybe(KBOS)),
            lead_email_domain=draw(maybe(DOMAINS)),
            partner_organisation_ids=frozenset(draw(st.lists(st.sampled_from(ORGS), max_size=2))),
            partner_kbos=frozenset(draw(st.lists(st.sampled_from(KBOS), max_size=1))),
            partner_email_domains=frozenset(draw(st.lists(st.sampled_from(DOMAINS), max_size=1))),
        )
        for i in range(1, n_apps + 1)
    ]
    pool = [
        ReviewerFacts(
            id=100 + j,
            organisation_ids=frozenset(draw(st.lists(st.sampled_from(ORGS), max_size=1))),
            kbos=frozenset(draw(st.lists(st.sampled_from(KBOS), max_size=1))),
            email_domains=frozenset(draw(st.lists(st.sampled_from(DOMAINS), max_size=2))),
        )
        for j in range(1, n_revs + 1)
    ]
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from([a.id for a in apps]), st.sampled_from([r.id for r in pool])),
            unique=True,
            max_size=6,
        )
    )
    existing = [ExistingAssignment(a, r, conflict=draw(st.booleans())) for a, r in pairs]
    required = draw(st.integers(1, 3))
    max_load = draw(st.one_of(st.none(), st.integers(1, 4)))
    # Expertise: none at all, or an affinity 0, ¼, ½, ¾ or 1 per pair.
    affinity = {}
    if draw(st.booleans()):
        affinity = {(a.id, r.id): draw(st.sampled_from([0, 0.25, 0.5, 0.75, 1])) for a in apps for r in pool}
    return apps, pool, existing, required, max_load, affinity


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools())
def test_random_pools_meet_every_assignment_property(case):
    apps, pool, existing, required, max_load, affinity = case
    result = plan(apps, pool, existing, required=required, max_load=max_load, affinity=affinity)
    by_id = {a.id: a for a in apps}
    reviewers = {r.id: r for r in pool}
    existing_rows = {(e.application_id, e.reviewer_id) for e in existing}
    conflicts = {(e.application_id, e.reviewer_id) for e in existing if e.conflict}

    # Only new, distinct pairs of known applications and pool reviewers; existing rows are kept.
    assert len(result.pairs) == len(set(result.pairs))
    for a, r in result.pairs:
        assert a in by_id and r in reviewers
        assert (a, r) not in existing_rows, "an existing assignment or declared conflict was reassigned"
        assert (a, r) not in conflicts
        assert _independent(reviewers[r], by_id[a]), "a reviewer tied to the lead or a partner was picked"

    # Loads: what the plan reports is what it did; the maximum is respected for anyone who got new work.
    load0 = Counter(e.reviewer_id for e in existing if not e.conflict)
    new = Counter(r for _, r in result.pairs)
    for r in reviewers:
        assert result.loads[r] == load0[r] + new[r]
        if max_load is not None and new[r]:
            assert result.loads[r] <= max_load

    # Never more than required; as many as possible (max flow) and as balanced as possible (min cost).
    active = Counter(e.application_id for e in existing if not e.conflict) + Counter(a for a, _ in result.pairs)
    for a in by_id:
        assert new_for(result, a) <= max(0, required - (active[a] - new_for(result, a)))
    best_count, best_cost, best_affinity = _oracle(apps, pool, existing, required, max_load, affinity)
    assert len(result.pairs) == best_count, "fewer assignments than the constraints allow"
    cost = sum(load0[r] + k for r, n in new.items() for k in range(1, n + 1))
    assert cost == best_cost, "the loads are less balanced than the constraints allow"
    # Expertise: the best total affinity among the largest, most balanced plans; reported as it is.
    reached = sum(scaled(affinity.get(pair, 0)) for pair in result.pairs)
    assert result.affinity == reached
    assert reached == best_affinity, "a plan as large and as balanced would match reviewers better"

    # Every shortfall is reported once, with a reason that holds.
    short = {a: required - active[a] for a in by_id if active[a] < required}
    assert {g.application_id: g.missing for g in result.gaps} == short
    for gap in result.gaps:
        independent = [
            r
            for r in pool
            if _independent(r, by_id[gap.application_id]) and (gap.application_id, r.id) not in conflicts
        ]
        assert gap.eligible == len(independent)
        if gap.reason == GapReason.TOO_FEW_REVIEWERS:
            assert len(independent) < required
        else:
            assert gap.reason == GapReason.MAX_LOAD and max_load is not None
            free = [
                r
                for r in independent
                if (gap.application_id, r.id) not in existing_rows and (gap.application_id, r.id) not in result.pairs
            ]
            assert all(result.loads[r.id] >= max_load for r in free)


def new_for(result, application_id):
    return sum(1 for a, _ in result.pairs if a == application_id)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 12), st.integers(1, 8), st.integers(1, 4))
def test_an_unconstrained_pool_is_balanced_to_within_one(n_apps, n_revs, required):
    apps = [ApplicationFacts(id=i) for i in range(n_apps)]
    pool = [ReviewerFacts(id=100 + j) for j in range(n_revs)]
    result = plan(apps, pool, [], required=required)
    assert len(result.pairs) == n_apps * min(required, n_revs)
    assert max(result.loads.values()) - min(result.loads.values()) <= 1


def test_a_large_call_is_planned_quickly():
    import time

    apps = [ApplicationFacts(id=i, lead_organisation_id=i % 40) for i in range(2000)]
    pool = [ReviewerFacts(id=10_000 + j, organisation_ids=frozenset({j})) for j in range(30)]
    started = time.monotonic()
    result = plan(apps, pool, [], required=3)
    assert len(result.pairs) == 6000
    assert max(result.loads.values()) - min(result.loads.values()) <= 1
    assert time.monotonic() - started < 20


# --- expertise ------------------------------------------------------------------------------


def test_expertise_gives_a_strictly_higher_total_affinity_with_the_same_balance():
    # Six applications, three reviewers, two reviews each: a balanced plan (four each) exists with
    # and without expertise. Each reviewer knows two of the subjects.
    apps = [app(i, lead=100 + i) for i in range(1, 7)]
    pool = [reviewer(1), reviewer(2), reviewer(3)]
    knows = {1: {1, 2, 3, 4}, 2: {3, 4, 5, 6}, 3: {1, 2, 5, 6}}
    affinity = {(a.id, r.id): (0.9 if a.id in knows[r.id] else 0.05) for a in apps for r in pool}
    blind = plan(apps, pool, [], required=2)
    aware = plan(apps, pool, [], required=2, affinity=affinity)
    assert loads(blind) == loads(aware) == [4, 4, 4]
    assert len(blind.pairs) == len(aware.pairs) == 12

    def total(result):
        return sum(scaled(affinity[pair]) for pair in result.pairs)

    assert total(aware) > total(blind)
    assert all(a in knows[r] for a, r in aware.pairs)  # here everyone can review what they know


def test_affinity_never_outweighs_a_tie_or_the_balance():
    apps = [app(1, lead=10), app(2), app(3)]
    pool = [reviewer(1, orgs=[10]), reviewer(2)]
    # Reviewer 1 is the perfect match for everything but belongs to application 1's lead.
    affinity = {(a.id, 1): 1.0 for a in apps}
    result = plan(apps, pool, [], required=1, affinity=affinity)
    assert (1, 1) not in result.pairs
    assert sorted(result.loads.values()) == [1, 2]  # balance as before: 2 takes 1 and one more
