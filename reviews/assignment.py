"""Automatic reviewer assignment, as a pure function on plain data (no database).

`plan` gives each application `required` active reviewers where the constraints allow and
balances the load over the pool:

- never a reviewer tied to the lead or a partner organisation (same organisation, same KBO
  number, or the organisation's e-mail domain), never one who declared a conflict on it;
- existing assignments are kept and count towards `required` and towards a reviewer's load;
- no reviewer goes above `max_load` (None: no maximum);
- the number of new assignments is the largest possible (a maximum flow), and among those the
  loads are as even as possible: no single assignment can be moved, directly or along a chain of
  swaps, from a reviewer to one with at least two assignments fewer. Wherever the constraints
  allow that gives max − min ≤ 1.

How: a greedy pass (applications with the fewest eligible reviewers first, each taking the least
loaded eligible reviewers), then augmenting paths until no application can get one more reviewer
(the b-matching is then maximum), then load-moving paths until no move lowers the spread (the
maximum flow then has the least convex cost Σ load², which is what "balanced" means here).
Every application still short is reported with the reason.

Expertise: with `affinity` ((application, reviewer) → 0…1, from reviews/expertise.py), among the
plans with that largest number of assignments and that balance, the one with the highest total
affinity is chosen: the greedy pass prefers the better-matched of equally loaded reviewers, and a
last pass cancels negative cycles (Bellman-Ford, queue-based) in the residual network whose cost
is the load cost times a factor larger than any sum of affinities, minus the affinity. A cycle
that lowered the load cost would contradict the balance already reached, so only cycles that
keep count and balance and raise the affinity are found; when none is left the plan is optimal
for (count, balance, affinity) in that order. Affinity never outweighs balance or a conflict.
"""

import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

# Affinities are compared as integers (thousandths), so the optimisation is exact.
AFFINITY_SCALE = 1000
# The affinity pass gives up after this many improving cycles (a guard for very large calls;
# each cycle only makes the plan better, so stopping early keeps count and balance).
MAX_AFFINITY_CYCLES = 5000
# … and after this many seconds (a call of thousands of proposals with profiles for everyone).
AFFINITY_SECONDS = 30.0

# Domains shared by unrelated people (webmail, and the reserved documentation domains of the
# demo accounts): an address there says nothing about which organisation someone belongs to.
SHARED_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "hotmail.be",
        "outlook.com",
        "outlook.be",
        "live.com",
        "live.be",
        "msn.com",
        "yahoo.com",
        "yahoo.fr",
        "icloud.com",
        "me.com",
        "proton.me",
        "protonmail.com",
        "telenet.be",
        "skynet.be",
        "proximus.be",
        "scarlet.be",
        "gmx.com",
        "gmx.net",
        "example.org",
        "example.com",
        "example.net",
    }
)


def organisation_domain(value: str) -> str:
    """The domain of an e-mail address or domain, lower-cased; "" when it identifies no organisation."""
    domain = (value or "").strip().lower().rsplit("@", 1)[-1].lstrip("@")
    return "" if domain in SHARED_EMAIL_DOMAINS else domain


@dataclass(frozen=True)
class ApplicationFacts:
    id: int
    lead_organisation_id: int | None = None
    lead_kbo: str = ""
    lead_email_domain: str = ""
    partner_organisation_ids: frozenset[int] = frozenset()
    partner_kbos: frozenset[str] = frozenset()
    partner_email_domains: frozenset[str] = frozenset()

    @cached_property  # computed once per application, however many reviewers are compared
    def organisation_ids(self) -> frozenset[int]:
        ids = set(self.partner_organisation_ids)
        if self.lead_organisation_id is not None:
            ids.add(self.lead_organisation_id)
        return frozenset(ids)

    @cached_property
    def kbos(self) -> frozenset[str]:
        return frozenset(k for k in {self.lead_kbo, *self.partner_kbos} if k)

    @cached_property
    def email_domains(self) -> frozenset[str]:
        return frozenset(d for d in {self.lead_email_domain, *self.partner_email_domains} if d)


@dataclass(frozen=True)
class ReviewerFacts:
    id: int
    organisation_ids: frozenset[int] = frozenset()
    kbos: frozenset[str] = frozenset()
    # The reviewer's own e-mail domain and those of their organisations.
    email_domains: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ExistingAssignment:
    application_id: int
    reviewer_id: int
    conflict: bool = False


class GapReason:
    TOO_FEW_REVIEWERS = "too_few_reviewers"  # not enough reviewers in the pool without ties or conflicts
    MAX_LOAD = "max_load"  # enough of them, but every one still free for it is at the maximum load


@dataclass(frozen=True)
class Gap:
    """An application left with fewer than `required` active reviewers, and why."""

    application_id: int
    missing: int
    reason: str
    eligible: int  # reviewers of the pool who could review it (assigned already or not)
    tied: int  # reviewers excluded because they belong to the lead or a partner organisation
    conflicts: int  # reviewers excluded because they declared a conflict on it


@dataclass
class Plan:
    pairs: list[tuple[int, int]] = field(default_factory=list)  # new (application_id, reviewer_id)
    gaps: list[Gap] = field(default_factory=list)
    loads: dict[int, int] = field(default_factory=dict)  # reviewer_id → active assignments afterwards
    affinity: int = 0  # total affinity of the new pairs, in thousandths (AFFINITY_SCALE)


def tie(reviewer: ReviewerFacts, application: ApplicationFacts) -> str | None:
    """Why `reviewer` belongs to the lead or a partner organisation ("organisation", "kbo",
    "email_domain"), or None when they are independent of it."""
    if reviewer.organisation_ids & application.organisation_ids:
        return "organisation"
    if reviewer.kbos & application.kbos:
        return "kbo"
    if (reviewer.email_domains - {""}) & application.email_domains:
        return "email_domain"
    return None


def plan(
    applications: list[ApplicationFacts],
    reviewers: list[ReviewerFacts],
    existing: list[ExistingAssignment],
    *,
    required: int,
    max_load: int | None = None,
    affinity: Mapping[tuple[int, int], float] | None = None,
) -> Plan:
    """New assignments for `applications` from `reviewers` (see the module docstring)."""
    return _Planner(applications, reviewers, existing, required, max_load, affinity).run()


def scaled(value: float) -> int:
    """An affinity 0…1 in thousandths."""
    return max(0, min(AFFINITY_SCALE, round(float(value) * AFFINITY_SCALE)))


class _Planner:
    def __init__(self, applications, reviewers, existing, required, max_load, affinity=None):
        self.affinity = {pair: scaled(value) for pair, value in (affinity or {}).items() if scaled(value) > 0}
        self.apps = sorted({a.id: a for a in applications}.values(), key=lambda a: a.id)
        self.reviewers = sorted({r.id: r for r in reviewers}.values(), key=lambda r: r.id)
        self.required = required
        reviewer_ids = {r.id for r in self.reviewers}
        app_ids = {a.id for a in self.apps}

        taken: dict[int, set[int]] = {a.id: set() for a in self.apps}  # any existing row, conflict or not
        conflicted: dict[int, set[int]] = {a.id: set() for a in self.apps}
        active_count = dict.fromkeys(app_ids, 0)
        self.load = dict.fromkeys(reviewer_ids, 0)
        for row in existing:
            if row.application_id in app_ids:
                taken[row.application_id].add(row.reviewer_id)
                if row.conflict:
                    conflicted[row.application_id].add(row.reviewer_id)
                else:
                    active_count[row.application_id] += 1
            if not row.conflict and row.reviewer_id in self.load:
                self.load[row.reviewer_id] += 1

        self.capacity = {r: (None if max_load is None else max(0, max_load - self.load[r])) for r in reviewer_ids}
        self.new_count = dict.fromkeys(reviewer_ids, 0)

        # eligible[a]: reviewers who may be newly assigned to a (ordered by id for determinism).
        self.eligible: dict[int, list[int]] = {}
        self.stats: dict[int, tuple[int, int, int]] = {}  # a → (eligible incl. assigned, tied, conflicts)
        for app in self.apps:
            free, tied, conflicts, assigned_independent = [], 0, 0, 0
            for reviewer in self.reviewers:
                if reviewer.id in conflicted[app.id]:
                    conflicts += 1
                elif tie(reviewer, app) is not None:
                    tied += 1
                elif reviewer.id in taken[app.id]:
                    assigned_independent += 1
                else:
                    free.append(reviewer.id)
            self.eligible[app.id] = free
            self.stats[app.id] = (len(free) + assigned_independent, tied, conflicts)
        self.eligible_set = {a: set(rs) for a, rs in self.eligible.items()}
        self.active_count = active_count
        self.deficit = {a: max(0, required - active_count[a]) for a in app_ids}
        self.pairs: dict[int, set[int]] = {a: set() for a in app_ids}  # new pairs, by application
        self.apps_of: dict[int, set[int]] = {r: set() for r in reviewer_ids}  # new pairs, by reviewer

    # --- helpers -------------------------------------------------------------------------
    def aff(self, app: int, reviewer: int) -> int:
        return self.affinity.get((app, reviewer), 0)

    def spare(self, reviewer: int) -> bool:
        cap = self.capacity[reviewer]
        return cap is None or self.new_count[reviewer] < cap

    def total_load(self, reviewer: int) -> int:
        return self.load[reviewer] + self.new_count[reviewer]

    def _add(self, app: int, reviewer: int) -> None:
        self.pairs[app].add(reviewer)
        self.apps_of[reviewer].add(app)
        self.new_count[reviewer] += 1
        self.deficit[app] -= 1

    def _remove(self, app: int, reviewer: int) -> None:
        self.pairs[app].discard(reviewer)
        self.apps_of[reviewer].discard(app)
        self.new_count[reviewer] -= 1
        self.deficit[app] += 1

    # --- the three passes ----------------------------------------------------------------
    def run(self) -> Plan:
        self.greedy()
        self.augment()
        self.rebalance()
        if self.affinity:
            self.improve_affinity()
        pairs = sorted((a, r) for a, rs in self.pairs.items() for r in rs)
        gaps = []
        for app in self.apps:
            missing = self.deficit[app.id]
            if missing <= 0:
                continue
            eligible, tied, conflicts = self.stats[app.id]
            reason = GapReason.TOO_FEW_REVIEWERS if eligible < self.required else GapReason.MAX_LOAD
            gaps.append(Gap(app.id, missing, reason, eligible, tied, conflicts))
        loads = {r.id: self.total_load(r.id) for r in self.reviewers}
        total = sum(self.aff(a, r) for a, r in pairs)
        return Plan(pairs=pairs, gaps=gaps, loads=loads, affinity=total)

    def greedy(self) -> None:
        for app in sorted(self.apps, key=lambda a: (len(self.eligible[a.id]), a.id)):
            if self.deficit[app.id] <= 0:
                continue
            candidates = sorted(
                (r for r in self.eligible[app.id] if self.spare(r)),
                key=lambda r: (self.total_load(r), -self.aff(app.id, r), r),
            )
            for reviewer in candidates[: self.deficit[app.id]]:
                self._add(app.id, reviewer)

    def augment(self) -> None:
        """Give short applications one more reviewer along alternating paths while one exists:
        the number of assignments is then the largest the constraints allow."""
        progress = True
        while progress:
            progress = False
            for app in self.apps:
                while self.deficit[app.id] > 0:
                    path = self._augmenting_path(app.id)
                    if path is None:
                        break
                    self._flip(path)
                    progress = True

    def _augmenting_path(self, start: int):
        # Nodes: ("a", id) and ("r", id). a → r: a takes r; r → a: r leaves a for the previous app.
        parent = {("a", start): None}
        queue = deque([("a", start)])
        while queue:
            kind, node = queue.popleft()
            if kind == "a":
                for reviewer in self._takeable(node):
                    key = ("r", reviewer)
                    if key in parent:
                        continue
                    parent[key] = (kind, node)
                    if self.spare(reviewer):
                        return self._trace(parent, key)
                    queue.append(key)
            else:
                for app in sorted(self.apps_of[node]):
                    key = ("a", app)
                    if key not in parent:
                        parent[key] = (kind, node)
                        queue.append(key)
        return None

    def rebalance(self) -> None:
        """Move assignments from heavier to at-least-two-lighter reviewers while possible."""
        while True:
            receivers = [r for r in self.load if self.spare(r)]
            if not receivers:
                return
            lightest = min(self.total_load(r) for r in receivers)
            moved = False
            for heavy in sorted(self.load, key=lambda r: (-self.total_load(r), r)):
                if self.total_load(heavy) - lightest < 2:
                    break
                if not self.apps_of[heavy]:
                    continue  # only new assignments can move
                path = self._moving_path(heavy)
                if path is not None:
                    self._flip(path)
                    moved = True
                    break
            if not moved:
                return

    def _moving_path(self, heavy: int):
        """A path from `heavy` to a reviewer with spare capacity and at least two assignments
        fewer, along which every application keeps its number of reviewers. (A move that leaves
        one application short to fill another cannot help: at a maximum flow its second half
        would be an augmenting path.)"""
        limit = self.total_load(heavy) - 2
        start = ("r", heavy)
        parent = {start: None}
        queue = deque([start])
        while queue:
            kind, node = queue.popleft()
            if kind == "r":  # the reviewer leaves one of their new applications …
                for app in sorted(self.apps_of[node]):
                    key = ("a", app)
                    if key not in parent:
                        parent[key] = (kind, node)
                        queue.append(key)
            else:  # … which takes another reviewer instead
                for reviewer in self._takeable(node):
                    key = ("r", reviewer)
                    if key in parent:
                        continue
                    parent[key] = (kind, node)
                    if self.spare(reviewer) and self.total_load(reviewer) <= limit:
                        return self._trace(parent, key)
                    queue.append(key)
        return None

    def improve_affinity(self) -> None:
        """Cancel residual cycles that raise the affinity without changing count or balance."""
        deadline = time.monotonic() + AFFINITY_SECONDS
        for _ in range(MAX_AFFINITY_CYCLES):
            if time.monotonic() > deadline:
                return
            cycle = self._negative_cycle()
            if cycle is None:
                return
            self._flip(cycle)  # only application–reviewer steps change pairs; S and T follow

    def _residual_edges(self):
        """Edges (u, v, cost) of the residual network of the current plan. Nodes: "S", "T",
        ("a", id), ("r", id); cost = load cost × big − affinity (see the module docstring)."""
        big = AFFINITY_SCALE * (len(self.apps) + len(self.reviewers) + 3) + 1
        edges = []
        for app in self.apps:
            a = ("a", app.id)
            if self.deficit[app.id] > 0:
                edges.append(("S", a, 0))
            if self.pairs[app.id]:
                edges.append((a, "S", 0))
            for reviewer in self.eligible[app.id]:
                if reviewer in self.pairs[app.id]:
                    edges.append((("r", reviewer), a, self.aff(app.id, reviewer)))
                else:
                    edges.append((a, ("r", reviewer), -self.aff(app.id, reviewer)))
        for reviewer in self.load:
            r = ("r", reviewer)
            if self.spare(reviewer):
                edges.append((r, "T", (self.total_load(reviewer) + 1) * big))
            if self.new_count[reviewer] > 0:
                edges.append(("T", r, -self.total_load(reviewer) * big))
        return edges

    def _negative_cycle(self):
        """A cycle of negative cost in the residual network (as a node path), or None."""
        edges = self._residual_edges()
        out: dict = {}
        for u, v, cost in edges:
            out.setdefault(u, []).append((v, cost))
        nodes = {u for u, _, _ in edges} | {v for _, v, _ in edges}
        dist = dict.fromkeys(nodes, 0)  # a virtual source reaches every node at cost 0
        pred: dict = dict.fromkeys(nodes)
        relaxed = dict.fromkeys(nodes, 0)
        queue, queued = deque(sorted(nodes, key=repr)), set(nodes)
        limit = len(nodes)
        while queue:
            u = queue.popleft()
            queued.discard(u)
            for v, cost in out.get(u, ()):
                if dist[u] + cost < dist[v]:
                    dist[v], pred[v] = dist[u] + cost, u
                    relaxed[v] += 1
                    if relaxed[v] >= limit:
                        cycle = self._cycle_through(v, pred, limit)
                        # A cycle of the predecessor graph is negative (Bellman-Ford); checked anyway.
                        return cycle if cycle is not None and self._cost(cycle, out) < 0 else None
                    if v not in queued:
                        queue.append(v)
                        queued.add(v)
        return None  # the queue emptied: distances settled, so there is no negative cycle

    @staticmethod
    def _cost(cycle, out) -> int:
        total = 0
        for u, v in zip(cycle, cycle[1:], strict=False):
            total += min(cost for w, cost in out[u] if w == v)
        return total

    @staticmethod
    def _cycle_through(node, pred, limit):
        """Walk predecessors from `node` into the cycle they contain and return it as a path
        (first node repeated at the end), or None when the walk ends without a cycle."""
        seen = set()
        for _ in range(limit):
            if node is None:
                return None
            if node in seen:
                break
            seen.add(node)
            node = pred[node]
        if node is None:
            return None
        cycle = [node]
        current = pred[node]
        while current != node:
            if current is None:
                return None
            cycle.append(current)
            current = pred[current]
        cycle.append(node)
        cycle.reverse()  # predecessor order → edge order
        return cycle

    def _takeable(self, app: int):
        return [r for r in self.eligible[app] if r not in self.pairs[app]]

    @staticmethod
    def _trace(parent, end):
        path = [end]
        while parent[path[-1]] is not None:
            path.append(parent[path[-1]])
        return list(reversed(path))

    def _flip(self, path) -> None:
        """Apply a path: each (app → reviewer) step adds the pair, each (reviewer → app) removes it."""
        for first, second in zip(path, path[1:], strict=False):
            if not (isinstance(first, tuple) and isinstance(second, tuple)):
                continue  # a step through the source or the sink (affinity cycles)
            (kind_a, a), (kind_b, b) = first, second
            if kind_a == "a" and kind_b == "r":
                self._add(a, b)
            elif kind_a == "r" and kind_b == "a":
                self._remove(b, a)
