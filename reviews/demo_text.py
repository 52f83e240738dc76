"""Generated Dutch proposal text for the benchmark data set (`generate_demo_data`) and for the
labelled pairs that measure the double-funding check (reviews/tests/test_duplicates.py).

Proposals are built from the same sentence patterns and the same vocabulary, as real ones of one
call share their jargon, so two unrelated proposals have words and some phrases in common; a
reworded copy (`reword`) replaces a share of the words and reorders the partners, as someone
resubmitting the same project to another call would.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

TOPICS = [
    "desinformatie", "deepfakes", "polarisatie", "online haatspraak", "complotdenken", "nepnieuws",
    "mediawijsheid", "radicalisering", "factchecking", "algoritmische aanbeveling", "verkiezingsfraude",
    "klimaatdesinformatie", "gezondheidsdesinformatie", "lokale journalistiek", "beeldmanipulatie",
    "trollenfabrieken", "sociale media", "propaganda", "extremistische memes", "bronnenkritiek",
]  # fmt: skip
GROUPS = [
    "jongeren", "leerkrachten", "journalisten", "ouderen", "lokale redacties", "jeugdwerkers",
    "studenten", "nieuwkomers", "bibliothecarissen", "gemeentelijke diensten", "scholieren",
    "influencers", "huisartsen", "buurtwerkers", "vrijwilligers", "podcastmakers",
]  # fmt: skip
METHODS = [
    "workshops", "een online cursus", "een educatief spel", "een detectietool", "een datalab",
    "een redactioneel protocol", "een podcastreeks", "een lessenpakket", "een burgerpanel",
    "een monitoringsdashboard", "een browserextensie", "een hackathon", "een factcheckplatform",
    "een netwerk van ambassadeurs", "een reeks webinars", "een taalmodel", "een tentoonstelling",
]  # fmt: skip
PLACES = [
    "Gent", "Antwerpen", "Leuven", "Brugge", "Hasselt", "Mechelen", "Kortrijk", "Aalst", "Genk",
    "Oostende", "Roeselare", "Turnhout", "Sint-Niklaas", "Vilvoorde", "Lier", "Geel",
]  # fmt: skip
VERBS = [
    "versterken", "onderzoeken", "ontwikkelen", "testen", "verspreiden", "evalueren", "ondersteunen",
    "begeleiden", "opschalen", "documenteren", "verbeteren", "meten",
]  # fmt: skip
ADJECTIVES = [
    "kritische", "duurzame", "praktische", "innovatieve", "betrouwbare", "toegankelijke", "lokale",
    "meertalige", "wetenschappelijke", "creatieve", "open", "interactieve",
]  # fmt: skip
NOUNS = [
    "vaardigheden", "weerbaarheid", "inzichten", "methoden", "richtlijnen", "samenwerking",
    "expertise", "kennis", "werkwijzen", "instrumenten", "netwerken", "gegevens",
]  # fmt: skip
SENTENCES = [
    "Het project {verb} de {adj} {noun} van {group} rond {topic}.",
    "In {place} starten we met {method} voor {group}.",
    "Wij willen {group} helpen om {topic} sneller te herkennen en te duiden.",
    "Samen met {group2} bouwen we {method} dat {adj} {noun} oplevert.",
    "De aanpak combineert {method} met {method2}, getest in {place} en {place2}.",
    "Uit eerder onderzoek naar {topic} blijkt dat {group} nood hebben aan {adj} {noun}.",
    "Elke maand evalueren we de resultaten met {group2} en passen we {method} aan.",
    "Na afloop {verb} we de {noun} zodat ook andere {group} ermee aan de slag kunnen.",
    "Een stuurgroep uit {place} bewaakt de kwaliteit en de planning.",
    "We meten het effect op {topic} met een voor- en nameting bij {number} deelnemers.",
    "De kern van het voorstel is {method} over {topic} voor {group}.",
    "Daarnaast werken we aan {adj} {noun} voor {group2} in {place}.",
    "Alle materialen worden gratis en onder een open licentie gedeeld.",
    "Het tweede jaar richt zich op {topic2} en de rol van {group2}.",
    "We {verb} {adj} {noun} via {method2} en een slotevent in {place}.",
    "Partners uit {place2} brengen {adj} {noun} in over {topic2}.",
]
FIRST = ["Vzw", "Stichting", "Kenniscentrum", "Collectief", "Huis", "Lab", "Platform", "Netwerk"]
SECOND = ["Mediawijs", "Waarheid", "Open Blik", "Nieuwsgierig", "Feitenkracht", "Klare Taal", "Buurtnieuws", "Datadok"]
PARTNER_SUFFIX = ["", " Vlaanderen", " Regio", " Academie", " Redactie", " Universiteit"]
BUDGET = [
    ("personnel", "projectcoördinator"), ("personnel", "onderzoeker"), ("personnel", "journalist"),
    ("operating", "drukwerk en materiaal"), ("operating", "zaalhuur"), ("operating", "reiskosten"),
    ("investment", "software en licenties"), ("subcontracting", "ontwikkeling van de tool"),
    ("subcontracting", "evaluatie door een extern bureau"), ("overhead", "algemene werkingskosten"),
]  # fmt: skip
# Words a rewording may put in place of the original ones.
REPLACEMENTS = ["ook", "verder", "bovendien", "daarbij", "vervolgens", "namelijk", "eveneens", "tevens"] + [
    w for group in (VERBS, ADJECTIVES, NOUNS) for w in group
]


@dataclass
class Proposal:
    title: str
    summary: str
    partners: list[tuple[str, str]] = field(default_factory=list)  # (name, KBO number or "")
    budget: list[tuple[str, str, int]] = field(default_factory=list)  # (category, description, amount)


def _fill(pattern: str, rng: random.Random, topic: str, topic2: str) -> str:
    values = {
        "topic": topic,
        "topic2": topic2,
        "group": rng.choice(GROUPS),
        "group2": rng.choice(GROUPS),
        "method": rng.choice(METHODS),
        "method2": rng.choice(METHODS),
        "place": rng.choice(PLACES),
        "place2": rng.choice(PLACES),
        "verb": rng.choice(VERBS),
        "adj": rng.choice(ADJECTIVES),
        "noun": rng.choice(NOUNS),
        "number": rng.randrange(40, 900, 10),
    }
    return pattern.format(**values)


def partner_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(SECOND)}{rng.choice(PARTNER_SUFFIX)} {rng.choice(PLACES)}"


def proposal(rng: random.Random, *, sentences: int | None = None, topic: str | None = None) -> Proposal:
    """A plausible, unique proposal: a title, a summary of 8–14 sentences, 2–4 partners and
    3–6 budget lines."""
    topic = topic or rng.choice(TOPICS)
    topic2 = rng.choice([t for t in TOPICS if t != topic])
    count = sentences or rng.randint(8, 14)
    summary = " ".join(_fill(rng.choice(SENTENCES), rng, topic, topic2) for _ in range(count))
    title = f"{rng.choice(METHODS).capitalize()} over {topic} voor {rng.choice(GROUPS)} in {rng.choice(PLACES)}"
    partners = [(partner_name(rng), "") for _ in range(rng.randint(2, 4))]
    budget = [
        (category, description, rng.randrange(5_000, 90_000, 50))
        for category, description in rng.sample(BUDGET, rng.randint(3, 6))
    ]
    return Proposal(title=title, summary=summary, partners=partners, budget=budget)


WORD = re.compile(r"\w+|\W+")


def reword(original: Proposal, rng: random.Random, share: float = 0.2) -> Proposal:
    """The same proposal with `share` of its words replaced and its partners reordered."""

    def change(text: str) -> str:
        pieces = WORD.findall(text)
        words = [i for i, piece in enumerate(pieces) if piece[0].isalnum()]
        for index in rng.sample(words, round(len(words) * share)):
            pieces[index] = rng.choice([w for w in REPLACEMENTS if w != pieces[index]])
        return "".join(pieces)

    partners = list(original.partners)
    while len(partners) > 1 and partners == original.partners:
        rng.shuffle(partners)
    return Proposal(
        title=change(original.title), summary=change(original.summary), partners=partners, budget=list(original.budget)
    )
