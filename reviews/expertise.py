"""Reviewer expertise: how well a reviewer's profile (free text and keywords, nl or en) matches a
proposal, as an affinity between 0 and 1 with the words that matched. The automatic assignment
(reviews/assignment.py) maximises the total affinity after the count and the balance.

The same text machinery as the search: words without accents, lower case, reduced to their stem
with the Snowball Dutch stemmer (the `snowballstemmer` package implements the same family of
algorithms as PostgreSQL's `dutch` configuration), so "desinformatiecampagnes" in a profile meets
"desinformatiecampagne" in a proposal. It runs in Python, so SQLite and PostgreSQL give the same
numbers.

Affinity of reviewer r and proposal p: the share of r's profile, weighted by how rare each stem is
among the proposals being assigned (inverse document frequency), that occurs in p. Keywords count
double. A profile word that every proposal uses ("project") says little and weighs little; a
reviewer without a profile has affinity 0 everywhere, so they are assigned by balance alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import snowballstemmer

from applications.models import Application, SearchDocument

from .duplicates import words

KEYWORD_WEIGHT = 2.0
MIN_LENGTH = 3
MAX_MATCHED_WORDS = 8
# Words that say nothing about a subject (nl and en), so they never make a match.
STOPWORDS = frozenset(
    [
        "aan",
        "als",
        "bij",
        "dan",
        "dat",
        "de",
        "den",
        "der",
        "des",
        "deze",
        "die",
        "dit",
        "door",
        "een",
        "en",
        "er",
        "het",
        "hij",
        "hun",
        "ik",
        "in",
        "is",
        "je",
        "kan",
        "maar",
        "met",
        "naar",
        "niet",
        "nog",
        "of",
        "om",
        "onder",
        "ook",
        "op",
        "over",
        "te",
        "tot",
        "uit",
        "van",
        "veel",
        "voor",
        "was",
        "wat",
        "we",
        "wij",
        "worden",
        "wordt",
        "zal",
        "ze",
        "zich",
        "zijn",
        "zo",
        "the",
        "and",
        "for",
        "with",
        "from",
        "into",
        "that",
        "this",
        "are",
        "was",
        "were",
        "been",
        "have",
        "has",
        "our",
        "their",
        "which",
        "about",
        "also",
        "more",
        "most",
        "other",
        "such",
        "than",
        "then",
        "they",
        "will",
        "would",
        "can",
        "project",
        "projecten",
    ]
)

_stemmer = snowballstemmer.stemmer("dutch")


def stems(text: str) -> dict[str, str]:
    """stem → the first word it came from, for every meaningful word of `text`."""
    found: dict[str, str] = {}
    for word in words(text):
        if len(word) < MIN_LENGTH or word in STOPWORDS or word.isdigit():
            continue
        found.setdefault(_stemmer.stemWord(word), word)
    return found


@dataclass
class Match:
    score: float = 0.0
    words: list[str] = field(default_factory=list)


@dataclass
class Profile:
    weights: dict[str, float]  # stem → weight (keywords count double)
    words: dict[str, str]  # stem → word as the reviewer wrote it


def profile_of(description: str, keywords: str) -> Profile:
    weights: dict[str, float] = {}
    shown: dict[str, str] = {}
    for stem, word in stems(keywords.replace(",", " ")).items():
        weights[stem] = KEYWORD_WEIGHT
        shown[stem] = word
    for stem, word in stems(description).items():
        weights.setdefault(stem, 1.0)
        shown.setdefault(stem, word)
    return Profile(weights, shown)


def affinities(documents: dict[int, str], profiles: dict[int, Profile]) -> dict[tuple[int, int], Match]:
    """(application id, reviewer id) → Match, for every pair with something in common."""
    doc_stems = {pk: set(stems(text)) for pk, text in documents.items()}
    count = len(doc_stems) or 1
    frequency: dict[str, int] = {}
    for found in doc_stems.values():
        for stem in found:
            frequency[stem] = frequency.get(stem, 0) + 1

    def idf(stem: str) -> float:
        return math.log((count + 1) / (frequency.get(stem, 0) + 1)) + 1.0

    result: dict[tuple[int, int], Match] = {}
    for reviewer, profile in profiles.items():
        weighted = {stem: weight * idf(stem) for stem, weight in profile.weights.items()}
        total = sum(weighted.values())
        if not total:
            continue
        for application, found in doc_stems.items():
            common = [stem for stem in weighted if stem in found]
            if not common:
                continue
            common.sort(key=lambda stem: -weighted[stem])
            score = sum(weighted[stem] for stem in common) / total
            result[(application, reviewer)] = Match(
                score=round(score, 3), words=[profile.words[stem] for stem in common[:MAX_MATCHED_WORDS]]
            )
    return result


def for_call(applications: list[Application], reviewers) -> dict[tuple[int, int], Match]:
    """Affinities between the applications and the reviewers (their profiles, two queries)."""
    from .models import ExpertiseProfile

    ids = [a.pk for a in applications]
    bodies = dict(SearchDocument.objects.filter(application_id__in=ids).values_list("application_id", "body"))
    documents = {a.pk: bodies.get(a.pk) or f"{a.title}\n{a.summary}" for a in applications}
    profiles = {
        p.user_id: profile_of(p.description, p.keywords)
        for p in ExpertiseProfile.objects.filter(user__in=[r.pk for r in reviewers])
    }
    return affinities(documents, profiles)
