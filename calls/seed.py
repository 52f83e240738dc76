"""The two real calls (DESIGN §9) and, for a live demo, open copies of them with demo accounts.

`seed_calls()` is idempotent: every object is found by a natural key (the call's slug, an
objective's number, an item's order, a rule's kind) and written only when it differs, so a second
run changes nothing. With `demo=True` it also creates the demo calls, users and organisations and
sends `calls.signals.demo_seeded`, to which applications and then reviews add their demo data.

Facts come from the parliamentary answer in shared/reference and the calls' public regulations.
Assumptions, where the sources give no exact value:
- the disinformation call opens on Tuesday 15 March 2022 09:00 and closes on Tuesday 31 May 2022
  12:00 (the regulation only announced a launch "in March 2022");
- the local-authority call opened on Friday 5 March 2021 09:00; its deadline extension
  (16 April 2021 12:00 → 11 May 2021 18:00) was recorded on 13 April 2021 10:00; the sources give
  no reason for it, so none is recorded (the page shows the two dates only);
- questions, required-document sizes and criterion descriptions are plausible, not quoted;
- the second local-authority round (it closed on 1 October 2021 at 10:00, its projects started on
  1 January 2022 and it excluded municipalities funded in the first round: those are facts) opened
  on 16 August 2021 09:00, has a budget of € 400.000 and projects end by 31 December 2022: those
  three are assumptions, as is its reference prefix LB2.

The legal frames (`_legal_frames`, calls.LegalFrame). From the sources: the disinformation
call's legal basis (the regulation "projectsubsidie desinformatie", approved by the Flemish
Government on 17 December 2021); the local-authority call's name as the parliamentary answer gives
it, its launch on 5 March 2021 and its cost period (1 July 2021 – 30 June 2022, the budget period);
that only municipalities may take part in the local-authority call, so it has no state-aid section.
Assumptions, each also listed in the frame's `unconfirmed` parts so the public page marks it
"not confirmed" and never shows it as fact:
- both: who decides (the competent Flemish minister, on the advice of an assessment committee or
  of the agency), the admissibility conditions (on time through the portal, complete, in Dutch;
  the completion period is the call's `completion_days`, the usual week), the eligible costs,
  the VAT rule (VAT eligible only where it cannot be recovered) and the communication obligation
  (mention the Flemish support);
- local-authority call: that the call text itself (launched 5 March 2021) is its legal basis;
- disinformation call, state aid: the sources do not say under which state-aid rules the grant
  falls. News media, often companies, may take part, so the frame carries a state-aid note, marked
  not confirmed; but the de minimis check stays off, because the real outcome (five projects for
  € 3,152,712.71, some € 630,000 each) is far above the de minimis ceiling (€ 300,000 over three
  years, Regulation (EU) 2023/2831; € 200,000 under Regulation (EU) 1407/2013 in 2022), so the
  grant cannot have been de minimis aid to the lead applicant. Staff switch it on if the
  regulation says so;
- not given at all and therefore left empty rather than invented: the contact persons, the links
  to the legal texts, and the disinformation call's cost period.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organisation, OrganisationKind, User

from . import signals
from .models import (
    Call,
    CallRole,
    Criterion,
    DeadlineChange,
    DocumentKind,
    EligibilityRule,
    FileFormat,
    LegalFrame,
    LegalPart,
    Objective,
    Question,
    QuestionKind,
    RequiredDocument,
    RuleKind,
    VatRule,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
DEMO_PASSWORD = "oproep-demo"

# The media sector, (academic) research and the media-literacy field (the DES partnership rule).
SECTOR_KINDS = [
    OrganisationKind.NEWS_MEDIA,
    OrganisationKind.OTHER_MEDIA,
    OrganisationKind.RESEARCH,
    OrganisationKind.MEDIA_LITERACY,
]

DES = "desinformatie-2022"
LB = "lokale-besturen-2021"
LB2 = "lokale-besturen-2021-tweede-ronde"
DES_DEMO = "desinformatie-demo"
LB_DEMO = "lokale-besturen-demo"


class DemoRefused(RuntimeError):
    """Demo accounts with a published password must never reach a production database."""


def at(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BRUSSELS)


# --- The calls as data --------------------------------------------------------------------------

DES_DESCRIPTION_NL = """\
De Vlaamse Regering keurde op 17 december 2021 het reglement voor de **projectsubsidie desinformatie** goed.
De projectoproep kadert in het relanceplan *Vlaamse Veerkracht* (digitale transformatie van de mediasector) en
werd gelanceerd door de Vlaamse minister van Media. Er is **3 miljoen euro** beschikbaar.

## Waarover gaat het?
De oproep steunt praktijkgerichte en innovatieve projecten die bijdragen aan de opdracht van mediaspelers om
juiste informatie te verspreiden. Een project zet minstens in op een van de vier doelstellingen hieronder.

## Wie kan indienen?
Een samenwerkingsverband van minstens twee partners uit de mediasector, het (academisch) onderzoek of het
mediawijsheidsveld. Minstens één partner komt uit de nieuwsmediasector.

## Hoe wordt beoordeeld?
Onafhankelijke beoordelaars scoren elk project op de criteria die bij de gekozen doelstellingen horen
(0 tot 5, per halve punt). Een project moet op elk criterium minstens 2,5 halen en in totaal minstens 50 %.

*De exacte openings- en sluitingsdatum zijn aannames van dit demonstratieportaal.*
"""

DES_DESCRIPTION_EN = """\
On 17 December 2021 the Flemish Government approved the regulation for the **disinformation project grant**.
The call is part of the recovery plan *Vlaamse Veerkracht* (digital transformation of the media sector) and
was launched by the Flemish minister for the media. **€3 million** is available.

## What is it about?
The call supports practice-oriented, innovative projects that help media players spread correct information.
A project addresses at least one of the four objectives below.

## Who may apply?
A partnership of at least two partners from the media sector, (academic) research or the media-literacy field.
At least one partner comes from the news-media sector.

## How are projects assessed?
Independent reviewers score each project on the criteria of the objectives it addresses (0 to 5, in half
points). A project needs at least 2.5 on every criterion and at least 50% in total.

*The exact opening and closing dates are assumptions of this demonstration portal.*
"""


def _day(value: date, language: str) -> str:
    from django.utils import translation
    from django.utils.formats import date_format

    with translation.override(language):
        return date_format(value, "j F Y")


def lb_description(language: str, *, start: date, end: date, deadline: str, extra: str = "") -> str:
    """The local-authority call's description, with the project period and deadline of the call
    it describes (the real rounds and the demo copy each get their own dates)."""
    if language == "nl":
        return f"""\
Met deze projectoproep ondersteunt de Vlaamse overheid steden, gemeenten en hun samenwerkingsverbanden bij de
preventie van gewelddadige radicalisering, extremisme en polarisatie, in uitvoering van het Vlaamse
actieplan 2020-2024.

## Budget en looptijd
Projecten lopen van {_day(start, "nl")} tot en met {_day(end, "nl")}.
Een gemeente of samenwerkingsverband krijgt ten hoogste **€ 60.000**. De subsidie dekt ten hoogste 80 % van de
kosten; de overige 20 % is cofinanciering. Alleen met een grondige motivering kan daarvan worden afgeweken.

## Wie kan indienen?
Vlaamse steden en gemeenten, alleen of in een samenwerkingsverband. Bij een samenwerkingsverband dient de
trekkende gemeente de aanvraag in voor alle partners, met een ondertekende samenwerkingsovereenkomst.
{extra}
## Uiterste indiendatum
{deadline}
"""
    return f"""\
With this call the Flemish Government supports cities, municipalities and their partnerships in preventing
violent radicalisation, extremism and polarisation, as part of the Flemish action plan 2020–2024.

## Budget and duration
Projects run from {_day(start, "en")} to {_day(end, "en")}. A municipality or partnership receives at most
**€60,000**. The grant covers at most 80% of the cost; the remaining 20% is co-financing. Only a thorough
motivation allows an exception.

## Who may apply?
Flemish cities and municipalities, alone or in a partnership. For a partnership the lead municipality applies
for all partners, with a signed cooperation agreement.
{extra}
## Deadline
{deadline}
"""


LB_DEADLINE = {
    "nl": "De oorspronkelijke uiterste indiendatum van 16 april 2021 om 12 uur werd verlengd tot 11 mei 2021 om "
    "18 uur. De oproep werd op 5 maart 2021 gelanceerd door de minister van Binnenlands Bestuur.",
    "en": "The original deadline of 16 April 2021 at 12:00 was extended to 11 May 2021 at 18:00. The call was "
    "launched on 5 March 2021 by the minister for home affairs.",
}
LB2_DEADLINE = {
    "nl": "De tweede ronde sloot op 1 oktober 2021 om 10 uur.",
    "en": "The second round closed on 1 October 2021 at 10:00.",
}
LB2_EXTRA = {
    "nl": "\n## Tweede ronde\nSteden, gemeenten en samenwerkingsverbanden die in de eerste ronde subsidie kregen, kunnen "
    "in deze ronde niet indienen.\n",
    "en": "\n## Second round\nCities, municipalities and partnerships funded in the first round cannot apply in this "
    "round.\n",
}


# What each score means, the same for every criterion of both calls. An assumption: the
# regulations give the 0–5 scale and the threshold, not the wording of the levels.
RUBRIC = {
    "nl": "\n".join(
        [
            "5: Uitstekend – het voorstel beantwoordt volledig aan dit criterium, zonder zwakke punten.",
            "4: Zeer goed – sterk, met enkele kleine zwakke punten.",
            "3: Goed – beantwoordt aan het criterium, met een aantal zwakke punten.",
            "2: Onvoldoende – beantwoordt maar gedeeltelijk aan het criterium; belangrijke zwakke punten.",
            "1: Zwak – nauwelijks uitgewerkt of met ernstige tekortkomingen.",
            "0: Niet beoordeelbaar – ontbreekt of kan door ontbrekende informatie niet beoordeeld worden.",
        ]
    ),
    "en": "\n".join(
        [
            "5: Excellent – the proposal fully meets this criterion, without weaknesses.",
            "4: Very good – strong, with a few minor weaknesses.",
            "3: Good – meets the criterion, with a number of weaknesses.",
            "2: Insufficient – meets the criterion only in part; significant weaknesses.",
            "1: Poor – hardly worked out, or with serious shortcomings.",
            "0: Cannot be assessed – missing, or cannot be judged for lack of information.",
        ]
    ),
}


@dataclass
class CallSpec:
    slug: str
    fields: dict
    objectives: list[dict]
    criteria: list[dict]  # "objective": the objective's number, or None
    questions: list[dict]
    documents: list[dict]
    rules: list[dict]
    deadline_changes: list[dict] = field(default_factory=list)


def _des_spec() -> CallSpec:
    return CallSpec(
        slug=DES,
        fields=dict(
            reference_prefix="DES",
            title_nl="Projectoproep desinformatie",
            title_en="Project call on disinformation",
            summary_nl=(
                "Praktijkgerichte en innovatieve projecten die bijdragen aan de opdracht van mediaspelers om juiste "
                "informatie te verspreiden, ingediend door een samenwerkingsverband met minstens één nieuwsmedium."
            ),
            summary_en=(
                "Practice-oriented, innovative projects that help media players spread correct information, "
                "submitted by a partnership with at least one news medium."
            ),
            description_nl=DES_DESCRIPTION_NL,
            description_en=DES_DESCRIPTION_EN,
            funder_nl="Vlaamse overheid – Departement Cultuur, Jeugd en Media",
            funder_en="Flemish Government – Department of Culture, Youth and Media",
            programme_nl="Relanceplan Vlaamse Veerkracht – digitale transformatie van de mediasector",
            programme_en="Recovery plan Vlaamse Veerkracht – digital transformation of the media sector",
            eligible_applicants_nl=(
                "Een samenwerkingsverband van minstens twee partners uit de mediasector, het (academisch) onderzoek "
                "of het mediawijsheidsveld, van wie minstens één uit de nieuwsmediasector. De aanvrager is een "
                "nieuwsmedium, een andere mediaorganisatie, een onderzoeksinstelling of een mediawijsheidsorganisatie."
            ),
            eligible_applicants_en=(
                "A partnership of at least two partners from the media sector, (academic) research or the "
                "media-literacy field, at least one of them from the news-media sector. The lead applicant is a news "
                "medium, another media organisation, a research institution or a media-literacy organisation."
            ),
            total_budget=Decimal("3000000"),
            opens_at=at(2022, 3, 15, 9),
            closes_at=at(2022, 5, 31, 12),
            summary_max_chars=2000,
            reviews_required=3,
            max_score=Decimal("5"),
            score_step=Decimal("0.5"),
            overall_threshold=Decimal("50"),
            disagreement_gap=Decimal("2"),
            published=True,
        ),
        objectives=[
            dict(
                number=1,
                title_nl="Verhogen van de mediawijsheid en de weerbaarheid van burgers en/of journalisten en redacties tegen desinformatie",
                title_en="Raising the media literacy and resilience of citizens and/or journalists and newsrooms against disinformation",
            ),
            dict(
                number=2,
                title_nl="Nieuwe diepgaande en outputgerichte (academische) inzichten inzake desinformatie",
                title_en="New, in-depth and output-oriented (academic) insight into disinformation",
            ),
            dict(
                number=3,
                title_nl="Innovatieve tools en technologieën (bv. AI) die ingezet kunnen worden om desinformatie te detecteren en/of te weerleggen",
                title_en="Innovative tools and technologies (e.g. AI) to detect and/or refute disinformation",
            ),
            dict(
                number=4,
                title_nl=(
                    "Specifieke methodes om data te analyseren en een accuraat antwoord te bieden op vastgestelde "
                    "desinformatie vanuit een autonome redactionele missie"
                ),
                title_en=(
                    "Specific methods to analyse data and give an accurate answer to detected disinformation from an "
                    "autonomous editorial mission"
                ),
            ),
        ],
        criteria=[
            dict(
                order=1,
                objective=1,
                title_nl="Bijdrage aan mediawijsheid en weerbaarheid",
                title_en="Contribution to media literacy and resilience",
                description_nl="In welke mate verhoogt het project de mediawijsheid en weerbaarheid van burgers, journalisten of redacties tegen desinformatie?",
                description_en="How far does the project raise the media literacy and resilience of citizens, journalists or newsrooms against disinformation?",
            ),
            dict(
                order=2,
                objective=2,
                title_nl="Nieuwe inzichten in desinformatie",
                title_en="New insight into disinformation",
                description_nl="Levert het project nieuwe, diepgaande en bruikbare (academische) inzichten op?",
                description_en="Does the project produce new, in-depth and usable (academic) insight?",
            ),
            dict(
                order=3,
                objective=3,
                title_nl="Innovatieve tools en technologieën",
                title_en="Innovative tools and technologies",
                description_nl="Hoe vernieuwend en bruikbaar zijn de tools om desinformatie te detecteren of te weerleggen?",
                description_en="How innovative and usable are the tools to detect or refute disinformation?",
            ),
            dict(
                order=4,
                objective=4,
                title_nl="Methodes voor data-analyse en een accuraat redactioneel antwoord",
                title_en="Methods for data analysis and an accurate editorial answer",
                description_nl="Bieden de methodes een accuraat antwoord op vastgestelde desinformatie vanuit een autonome redactionele missie?",
                description_en="Do the methods give an accurate answer to detected disinformation from an autonomous editorial mission?",
            ),
        ],
        questions=[
            dict(
                order=1,
                kind=QuestionKind.LONG_TEXT,
                required=True,
                max_chars=3000,
                text_nl="Welk probleem pakt het project aan, en voor wie?",
                text_en="Which problem does the project tackle, and for whom?",
                help_text_nl="Beschrijf de vorm van desinformatie en de doelgroep.",
                help_text_en="Describe the form of disinformation and the target group.",
            ),
            dict(
                order=2,
                kind=QuestionKind.LONG_TEXT,
                required=True,
                max_chars=2000,
                text_nl="Wat is vernieuwend aan de aanpak?",
                text_en="What is innovative about the approach?",
            ),
            dict(
                order=3,
                kind=QuestionKind.CHOICE,
                required=True,
                text_nl="Wat is de belangrijkste output van het project?",
                text_en="What is the main output of the project?",
                choices_nl="Een tool of software\nEen onderzoeksrapport\nEen vorming of campagne\nEen redactioneel format",
                choices_en="A tool or software\nA research report\nTraining or a campaign\nAn editorial format",
            ),
            dict(
                order=4,
                kind=QuestionKind.YES_NO,
                required=True,
                text_nl="Stelt het project zijn resultaten beschikbaar onder een open licentie?",
                text_en="Does the project publish its results under an open licence?",
            ),
            dict(
                order=5,
                kind=QuestionKind.NUMBER,
                required=False,
                min_value=Decimal("0"),
                text_nl="Hoeveel mensen wil het project rechtstreeks bereiken?",
                text_en="How many people does the project aim to reach directly?",
            ),
        ],
        documents=[
            dict(
                order=1,
                kind=DocumentKind.PROJECT_PLAN,
                required=True,
                max_size_mb=20,
                allowed_formats=[FileFormat.PDF, FileFormat.DOCX, FileFormat.ODT],
                title_nl="Projectplan",
                title_en="Project plan",
                description_nl="Doelstellingen, aanpak, planning en rol van elke partner.",
                description_en="Objectives, approach, planning and the role of each partner.",
            ),
            dict(
                order=2,
                kind=DocumentKind.BUDGET,
                required=True,
                max_size_mb=10,
                allowed_formats=[FileFormat.XLSX, FileFormat.ODS, FileFormat.PDF],
                title_nl="Begroting",
                title_en="Budget",
                description_nl="Begroting per partner en per kostensoort.",
                description_en="Budget per partner and per cost category.",
            ),
            dict(
                order=3,
                kind=DocumentKind.LETTER_OF_INTENT,
                required=True,
                max_size_mb=10,
                allowed_formats=[FileFormat.PDF],
                title_nl="Intentieverklaringen van de partners",
                title_en="Letters of intent of the partners",
                description_nl="Een ondertekende intentieverklaring van elke partner.",
                description_en="A signed letter of intent from every partner.",
            ),
        ],
        rules=[
            dict(kind=RuleKind.LEAD_KINDS, org_kinds=SECTOR_KINDS),
            # "A partnership of at least two partners from the media sector, (academic) research or the
            # media-literacy field": this also sets the minimum size, so no separate min_partners rule.
            dict(kind=RuleKind.ORGS_OF_KINDS, number=2, org_kinds=SECTOR_KINDS, count_lead=True),
            dict(kind=RuleKind.PARTNERS_OF_KIND, number=1, org_kind=OrganisationKind.NEWS_MEDIA, count_lead=True),
            dict(kind=RuleKind.MIN_OBJECTIVES, number=1),
        ],
    )


def _lb_spec() -> CallSpec:
    return CallSpec(
        slug=LB,
        fields=dict(
            reference_prefix="LB",
            title_nl="Projectoproep lokale besturen – preventie van gewelddadige radicalisering, extremisme en polarisatie",
            title_en="Project call for local authorities – prevention of violent radicalisation, extremism and polarisation",
            summary_nl=(
                "Steun voor steden, gemeenten en hun samenwerkingsverbanden die lokaal werken aan de preventie van "
                "gewelddadige radicalisering, extremisme en polarisatie, ook online. Ten hoogste € 60.000 per gemeente of samenwerkingsverband."
            ),
            summary_en=(
                "Support for cities, municipalities and their partnerships working locally to prevent violent "
                "radicalisation, extremism and polarisation, online too. At most €60,000 per municipality or partnership."
            ),
            description_nl=lb_description(
                "nl", start=date(2021, 7, 1), end=date(2022, 6, 30), deadline=LB_DEADLINE["nl"]
            ),
            description_en=lb_description(
                "en", start=date(2021, 7, 1), end=date(2022, 6, 30), deadline=LB_DEADLINE["en"]
            ),
            funder_nl="Vlaamse overheid – Agentschap Binnenlands Bestuur",
            funder_en="Flemish Government – Agency for Domestic Governance",
            programme_nl="Actieplan ter preventie van gewelddadige radicalisering, extremisme, terrorisme en polarisatie 2020-2024",
            programme_en="Action plan for the prevention of violent radicalisation, extremism, terrorism and polarisation 2020–2024",
            eligible_applicants_nl=(
                "Vlaamse steden en gemeenten en hun samenwerkingsverbanden. Bij een samenwerkingsverband dient de "
                "trekkende gemeente de aanvraag in, met een ondertekende samenwerkingsovereenkomst."
            ),
            eligible_applicants_en=(
                "Flemish cities and municipalities and their partnerships. For a partnership the lead municipality "
                "applies, with a signed cooperation agreement."
            ),
            total_budget=Decimal("818573"),
            opens_at=at(2021, 3, 5, 9),
            closes_at=at(2021, 5, 11, 18),
            summary_max_chars=2000,
            reviews_required=3,
            max_score=Decimal("5"),
            score_step=Decimal("0.5"),
            overall_threshold=Decimal("50"),
            disagreement_gap=Decimal("2"),
            published=True,
        ),
        objectives=[
            dict(
                number=1,
                title_nl="Expertiseopbouw rond online haatspraak en nepnieuws",
                title_en="Building expertise on online hate speech and fake news",
            ),
            dict(number=2, title_nl="Inzetten op mediawijsheid en mediageletterdheid", title_en="Media literacy"),
            dict(number=3, title_nl="Online preventiewerk", title_en="Online prevention work"),
            dict(
                number=4,
                title_nl="Signalen in kaart brengen en de fenomenen monitoren",
                title_en="Mapping signals and monitoring the phenomena",
            ),
            dict(
                number=5,
                title_nl="Ondersteuning van scholen en leerkrachten",
                title_en="Support for schools and teachers",
            ),
            dict(
                number=6,
                title_nl="Online verbinding creëren via de verspreiding van positieve boodschappen",
                title_en="Creating online connection by spreading positive messages",
            ),
        ],
        criteria=[
            dict(
                order=1,
                objective=None,
                title_nl="Relevantie voor de preventie van radicalisering en polarisatie",
                title_en="Relevance to the prevention of radicalisation and polarisation",
                description_nl="Sluit het project aan bij de lokale noden en bij het Vlaamse actieplan?",
                description_en="Does the project meet local needs and fit the Flemish action plan?",
            ),
            dict(
                order=2,
                objective=None,
                title_nl="Kwaliteit en haalbaarheid van de aanpak",
                title_en="Quality and feasibility of the approach",
                description_nl="Zijn de acties concreet, onderbouwd en haalbaar binnen één jaar?",
                description_en="Are the actions concrete, well-founded and feasible within one year?",
            ),
            dict(
                order=3,
                objective=None,
                title_nl="Lokale verankering en partnerschap",
                title_en="Local anchoring and partnership",
                description_nl="Werkt het bestuur samen met scholen, jeugdwerk, welzijn en andere lokale partners?",
                description_en="Does the authority work with schools, youth work, welfare and other local partners?",
            ),
            dict(
                order=4,
                objective=None,
                title_nl="Degelijkheid van de begroting",
                title_en="Budget soundness",
                description_nl="Is de begroting realistisch, verantwoord en in verhouding tot de acties?",
                description_en="Is the budget realistic, justified and in proportion to the actions?",
            ),
        ],
        questions=[
            dict(
                order=1,
                kind=QuestionKind.LONG_TEXT,
                required=True,
                max_chars=3000,
                text_nl="Welke signalen van radicalisering of polarisatie stelt het bestuur vast?",
                text_en="Which signs of radicalisation or polarisation does the authority see?",
            ),
            dict(
                order=2,
                kind=QuestionKind.MULTIPLE_CHOICE,
                required=True,
                text_nl="Op welke doelgroepen richt het project zich?",
                text_en="Which target groups does the project address?",
                choices_nl="Jongeren\nOuders\nScholen en leerkrachten\nEerstelijnswerkers\nBrede bevolking",
                choices_en="Young people\nParents\nSchools and teachers\nFront-line workers\nThe general public",
            ),
            dict(
                order=3,
                kind=QuestionKind.DATE,
                required=False,
                text_nl="Op welke datum keurde het college of de raad de aanvraag goed?",
                text_en="On which date did the board or council approve the application?",
            ),
            dict(
                order=4,
                kind=QuestionKind.SHORT_TEXT,
                required=True,
                max_chars=200,
                text_nl="Wie is de lokale coördinator van het project?",
                text_en="Who is the project's local coordinator?",
            ),
        ],
        documents=[
            dict(
                order=1,
                kind=DocumentKind.OTHER,
                required=True,
                max_size_mb=20,
                allowed_formats=[FileFormat.PDF, FileFormat.DOCX, FileFormat.ODT],
                title_nl="Aanvraagformulier",
                title_en="Application form",
                description_nl="Het ingevulde aanvraagformulier van de oproep.",
                description_en="The call's completed application form.",
            ),
            dict(
                order=2,
                kind=DocumentKind.BUDGET,
                required=True,
                max_size_mb=10,
                allowed_formats=[FileFormat.XLSX, FileFormat.ODS],
                title_nl="Financieel sjabloon",
                title_en="Financial template",
                description_nl="Het ingevulde financiële sjabloon met kosten en cofinanciering.",
                description_en="The completed financial template with costs and co-financing.",
            ),
            dict(
                order=3,
                kind=DocumentKind.PARTNERSHIP_AGREEMENT,
                required=False,
                max_size_mb=10,
                allowed_formats=[FileFormat.PDF],
                title_nl="Samenwerkingsovereenkomst",
                title_en="Cooperation agreement",
                description_nl="Alleen voor samenwerkingsverbanden: de ondertekende samenwerkingsovereenkomst.",
                description_en="Partnerships only: the signed cooperation agreement.",
            ),
            dict(
                order=4,
                kind=DocumentKind.COUNCIL_DECISION,
                required=True,
                max_size_mb=10,
                allowed_formats=[FileFormat.PDF],
                title_nl="Beslissing van het college of de raad",
                title_en="Council or board decision",
                description_nl="De beslissing waarmee het bestuur de aanvraag goedkeurt.",
                description_en="The decision by which the authority approves the application.",
            ),
        ],
        rules=[
            dict(
                kind=RuleKind.LEAD_KINDS,
                org_kinds=[OrganisationKind.MUNICIPALITY, OrganisationKind.MUNICIPAL_PARTNERSHIP],
            ),
            dict(kind=RuleKind.GRANT_MAX, amount=Decimal("60000")),
            dict(kind=RuleKind.MAX_GRANT_SHARE, percent=Decimal("80"), waiver_allowed=True),
            dict(kind=RuleKind.PROJECT_DATES, start_from=date(2021, 7, 1), end_by=date(2022, 6, 30)),
            dict(kind=RuleKind.MAX_DURATION, number=12),
            # The six themes describe what funded projects did; they are not a condition (no minimum).
        ],
        deadline_changes=[
            dict(
                old_closes_at=at(2021, 4, 16, 12),
                new_closes_at=at(2021, 5, 11, 18),
                changed_at=at(2021, 4, 13, 10),
                reason="",  # the sources give no reason; see the module docstring
            )
        ],
    )


def _lb2_spec(first_round: Call) -> CallSpec:
    """The second round of the local-authority call (domain notes): closed on 1 October 2021 at
    10:00, projects from 1 January 2022, and municipalities funded in the first round excluded.
    Its opening, budget and project end are assumptions (see the module docstring)."""
    first = _lb_spec()
    start, end = date(2022, 1, 1), date(2022, 12, 31)
    fields = dict(
        first.fields,
        reference_prefix="LB2",
        title_nl=first.fields["title_nl"] + " (tweede ronde)",
        title_en=first.fields["title_en"] + " (second round)",
        opens_at=at(2021, 8, 16, 9),
        closes_at=at(2021, 10, 1, 10),
        total_budget=Decimal("400000"),
    )
    for language in ("nl", "en"):
        fields[f"description_{language}"] = lb_description(
            language, start=start, end=end, deadline=LB2_DEADLINE[language], extra=LB2_EXTRA[language]
        )
    rules = [
        dict(rule, start_from=start, end_by=end) if rule["kind"] == RuleKind.PROJECT_DATES else rule
        for rule in first.rules
    ]
    rules.append(dict(kind=RuleKind.NOT_FUNDED_IN, excluded_call=first_round))
    return CallSpec(
        slug=LB2,
        fields=fields,
        objectives=first.objectives,
        criteria=first.criteria,
        questions=first.questions,
        documents=first.documents,
        rules=rules,
    )


def _demo_spec(spec: CallSpec, slug: str, now: datetime, existing: Call | None) -> CallSpec:
    """An open copy of a real call: opened yesterday 09:00, closes in 60 days at 12:00 (Brussels),
    project dates moved after the deadline. An open demo call keeps its dates, so running the
    seed again changes nothing; a demo call whose deadline passed is opened again."""
    today = timezone.localtime(now, BRUSSELS).date()
    if existing is not None and existing.opens_at <= now < existing.closes_at:
        opens_at, closes_at = existing.opens_at, existing.closes_at
    else:
        opens_at = datetime.combine(today - timedelta(days=1), time(9), tzinfo=BRUSSELS)
        closes_at = datetime.combine(today + timedelta(days=60), time(12), tzinfo=BRUSSELS)
    start = (closes_at.date() + relativedelta(months=2)).replace(day=1)
    rules = []
    for rule in spec.rules:
        rule = dict(rule)
        if rule["kind"] == RuleKind.PROJECT_DATES:
            rule.update(start_from=start, end_by=start + relativedelta(years=1) - timedelta(days=1))
        rules.append(rule)
    fields = dict(
        spec.fields,
        title_nl=spec.fields["title_nl"] + " (demo)",
        title_en=spec.fields["title_en"] + " (demo)",
        opens_at=opens_at,
        closes_at=closes_at,
    )
    if spec.slug == LB:  # its text names the project period and the deadline: the demo's own
        end = start + relativedelta(years=1) - timedelta(days=1)
        deadline = timezone.localtime(closes_at, BRUSSELS)
        for language, sentence in (
            ("nl", "Dien in vóór {day} om {hour} uur."),
            ("en", "Apply before {day} at {hour}:00."),
        ):
            text = sentence.format(day=_day(deadline.date(), language), hour=deadline.hour)
            fields[f"description_{language}"] = lb_description(language, start=start, end=end, deadline=text)
    return CallSpec(
        slug=slug,
        fields=fields,
        objectives=spec.objectives,
        criteria=spec.criteria,
        questions=spec.questions,
        documents=spec.documents,
        rules=rules,
    )


# --- The legal frames (DESIGN §9; assumptions in the module docstring) ------------------------

_ADMISSIBILITY_NL = (
    "Een aanvraag is ontvankelijk als ze tijdig via dit portaal is ingediend, volledig is (alle gevraagde gegevens "
    "en bijlagen) en in het Nederlands is opgesteld."
)
_ADMISSIBILITY_EN = (
    "An application is admissible when it is submitted on time through this portal, complete (every requested item "
    "and attachment) and written in Dutch."
)
_COMMUNICATION_NL = "Vermeld in alle communicatie over het project de steun van de Vlaamse overheid."
_COMMUNICATION_EN = "Mention the support of the Flemish Government in all communication about the project."
_ASSUMED = [
    LegalPart.DECISION_MAKER,
    LegalPart.ADMISSIBILITY,
    LegalPart.ELIGIBLE_COSTS,
    LegalPart.COMMUNICATION,
]


def _legal_frames() -> dict[str, dict]:
    """The legal frame of each real call, by slug: LegalFrame field values."""
    common = dict(
        admissibility_nl=_ADMISSIBILITY_NL,
        admissibility_en=_ADMISSIBILITY_EN,
        vat_rule=VatRule.NOT_RECOVERABLE,
        communication_obligation_nl=_COMMUNICATION_NL,
        communication_obligation_en=_COMMUNICATION_EN,
        legal_basis_url="",
        contact_name="",
        contact_email="",
        contact_phone="",
    )
    return {
        DES: dict(
            common,
            legal_basis_title_nl="Reglement projectsubsidie desinformatie (Vlaamse Regering)",
            legal_basis_title_en="Regulation on the disinformation project grant (Flemish Government)",
            legal_basis_date=date(2021, 12, 17),
            decision_maker_nl="De Vlaamse minister bevoegd voor Media, op advies van een beoordelingscommissie.",
            decision_maker_en="The Flemish minister for Media, on the advice of an assessment committee.",
            eligible_costs_nl=(
                "Kosten die rechtstreeks met het project verband houden: personeel, werking, investeringen, "
                "onderaanneming en overhead."
            ),
            eligible_costs_en=(
                "Costs directly related to the project: personnel, operating costs, investment, subcontracting and "
                "overhead."
            ),
            cost_period_start=None,
            cost_period_end=None,
            state_aid=False,
            state_aid_note_nl=(
                "Nieuwsmedia en andere mediabedrijven kunnen deelnemen. Onder welke staatssteunregels de subsidie "
                "valt, staat niet in de bronnen van dit portaal; vraag het na bij het departement."
            ),
            state_aid_note_en=(
                "News media and other media companies may take part. Under which state-aid rules the grant falls is "
                "not in this portal's sources; ask the department."
            ),
            unconfirmed=[*_ASSUMED, LegalPart.STATE_AID],
        ),
        LB: dict(
            common,
            legal_basis_title_nl=(
                "Projectoproep voor de ondersteuning van lokale besturen in het kader van de preventie van "
                "gewelddadige radicalisering, extremisme en polarisatie"
            ),
            legal_basis_title_en=(
                "Call for projects supporting local authorities in the prevention of violent radicalisation, "
                "extremism and polarisation"
            ),
            legal_basis_date=date(2021, 3, 5),
            decision_maker_nl=(
                "De Vlaamse minister bevoegd voor Binnenlands Bestuur, op advies van het Agentschap Binnenlands Bestuur."
            ),
            decision_maker_en="The Flemish minister for Home Affairs, on the advice of the Agency for Domestic Governance.",
            eligible_costs_nl="Kosten van de acties van het project, met inbegrip van personeelskosten.",
            eligible_costs_en="Costs of the project's actions, personnel costs included.",
            cost_period_start=date(2021, 7, 1),
            cost_period_end=date(2022, 6, 30),
            state_aid=False,
            state_aid_note_nl="",
            state_aid_note_en="",
            unconfirmed=[LegalPart.LEGAL_BASIS, *_ASSUMED],
        ),
    }


def _write_legal_frames(calls: dict[str, Call]) -> None:
    """Write the legal frame of every seeded call; a demo copy and the second round get their
    original's frame, with the cost period of their own project dates."""
    frames = _legal_frames()
    # A demo copy and the second local-authority round share their original's frame.
    originals = {DES_DEMO: DES, LB_DEMO: LB, LB2: LB}
    for slug, call in calls.items():
        values = dict(frames[originals.get(slug, slug)])
        if slug in originals and values["cost_period_start"]:
            dates = call.eligibility_rules.filter(kind=RuleKind.PROJECT_DATES).first()
            if dates is not None:
                values.update(cost_period_start=dates.start_from, cost_period_end=dates.end_by)
        if slug == LB2:  # its project end is our assumption, so its cost period is too
            values["unconfirmed"] = sorted({*values["unconfirmed"], LegalPart.COST_PERIOD})
        _upsert(LegalFrame, {"call": call}, values)


# --- Demo people ----------------------------------------------------------------------------

DEMO_USERS = {
    # key: (full name, superuser, what to tell in the logins table)
    "admin": ("Demo Beheerder", True, "administrator: every call, /admin/"),
    "manager": ("Demo Programmabeheerder", False, "manager of every call (/manage/calls/)"),
    "reviewer1": ("Demo Beoordelaar 1", False, "reviewer pool of every call (/review/)"),
    "reviewer2": ("Demo Beoordelaar 2", False, "reviewer pool of every call (/review/)"),
    "reviewer3": ("Demo Beoordelaar 3", False, "reviewer pool of every call (/review/)"),
    "applicant": ("Demo Aanvrager", False, "owner of Gemeente Voorbeeld and Onderzoeksgroep Voorbeeld"),
    "media": ("Demo Redacteur", False, "owner of Voorbeeld Nieuws"),
}

DEMO_ORGANISATIONS = {
    # key: (name, kind, KBO number, owner)
    "gemeente": ("Gemeente Voorbeeld", OrganisationKind.MUNICIPALITY, "0207123407", "applicant"),
    "onderzoek": ("Onderzoeksgroep Voorbeeld", OrganisationKind.RESEARCH, "0450123451", "applicant"),
    "media": ("Voorbeeld Nieuws", OrganisationKind.NEWS_MEDIA, "0876543270", "media"),
}


# --- Writing -----------------------------------------------------------------------------------


def _upsert(model, lookup: dict, values: dict):
    """Find by `lookup`; create, or save only when a value differs (so a re-run writes nothing)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save()
    return obj


def _write_call(spec: CallSpec) -> Call:
    call = _upsert(Call, {"slug": spec.slug}, spec.fields)
    objectives = {}
    for values in spec.objectives:
        values = dict(values)
        number = values.pop("number")
        objectives[number] = _upsert(Objective, {"call": call, "number": number}, values)
    for values in spec.criteria:
        values = dict(values)
        objective = values.pop("objective")
        values.update(
            objective_id=objectives[objective].pk if objective else None,
            weight=Decimal("1"),
            threshold=Decimal("2.5"),
            rubric_nl=RUBRIC["nl"],
            rubric_en=RUBRIC["en"],
        )
        _upsert(Criterion, {"call": call, "order": values.pop("order")}, values)
    for values in spec.questions:
        values = {
            "help_text_nl": "",
            "help_text_en": "",
            "choices_nl": "",
            "choices_en": "",
            "max_chars": None,
            **values,
        }
        _upsert(Question, {"call": call, "order": values.pop("order")}, values)
    for values in spec.documents:
        values = dict(values)
        _upsert(RequiredDocument, {"call": call, "order": values.pop("order")}, values)
    kept = []
    for values in spec.rules:
        values = dict(values)
        key = {"call": call, "kind": values.pop("kind"), "org_kind": values.pop("org_kind", "")}
        kept.append(_upsert(EligibilityRule, key, values).pk)
    # A rule the spec no longer has (DES's min_partners, LB's minimum of themes) goes: rules are
    # conditions, not content anybody answered.
    EligibilityRule.objects.filter(call=call).exclude(pk__in=kept).delete()
    for values in spec.deadline_changes:
        values = dict(values)
        key = {"call": call, "old_closes_at": values.pop("old_closes_at"), "new_closes_at": values.pop("new_closes_at")}
        _upsert(DeadlineChange, key, values)
    return call


def _write_user(key: str) -> User:
    full_name, superuser, _about = DEMO_USERS[key]
    email = f"{key}@example.org"
    user = _upsert(
        User,
        {"email": email},
        {"full_name": full_name, "is_superuser": superuser, "is_staff": superuser, "is_active": True},
    )
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    from allauth.account.models import EmailAddress

    _upsert(EmailAddress, {"user": user, "email": email}, {"verified": True, "primary": True})
    return user


def _write_organisation(key: str, users: dict) -> Organisation:
    name, kind, kbo_number, owner = DEMO_ORGANISATIONS[key]
    organisation = _upsert(Organisation, {"name": name}, {"kind": kind, "kbo_number": kbo_number})
    _upsert(Membership, {"user": users[owner], "organisation": organisation}, {"role": Membership.Role.OWNER})
    return organisation


def seed_calls(*, demo: bool = False, stdout=None, allow_without_debug: bool = False) -> dict:
    """Create or update both real calls; with `demo`, also the open demo copies, demo users and
    organisations, then send `demo_seeded`. Returns {"calls", "users", "organisations"} dicts.

    Refuses demo accounts (raises DemoRefused) unless settings.DEBUG or `allow_without_debug`."""
    if demo and not settings.DEBUG and not allow_without_debug:
        raise DemoRefused(
            "Refusing to create demo accounts with a published password while DEBUG is off. "
            "Run with DJANGO_DEBUG=1 on a development database."
        )
    now = timezone.now()
    with transaction.atomic():
        des, lb = _des_spec(), _lb_spec()
        calls = {DES: _write_call(des), LB: _write_call(lb)}
        calls[LB2] = _write_call(_lb2_spec(calls[LB]))
        users, organisations = {}, {}
        if demo:
            for spec, slug in ((des, DES_DEMO), (lb, LB_DEMO)):
                existing = Call.objects.filter(slug=slug).first()
                calls[slug] = _write_call(_demo_spec(spec, slug, now, existing))
        _write_legal_frames(calls)
        if demo:
            users = {key: _write_user(key) for key in DEMO_USERS}
            organisations = {key: _write_organisation(key, users) for key in DEMO_ORGANISATIONS}
            for call in calls.values():
                CallRole.objects.get_or_create(call=call, user=users["manager"], role=CallRole.Role.MANAGER)
                for key in ("reviewer1", "reviewer2", "reviewer3"):
                    CallRole.objects.get_or_create(call=call, user=users[key], role=CallRole.Role.REVIEWER)
            signals.demo_seeded.send(sender=None, calls=calls, users=users, organisations=organisations)
    if stdout is not None:
        stdout.write(f"Seeded {len(calls)} calls: {', '.join(calls)}.")
        if demo:
            stdout.write(logins_table(users))
    return {"calls": calls, "users": users, "organisations": organisations}


def logins_table(users: dict) -> str:
    width = max(len(user.email) for user in users.values())
    lines = ["", f"Demo logins (password for all: {DEMO_PASSWORD})", ""]
    for key, user in users.items():
        lines.append(f"  {user.email.ljust(width)}  {DEMO_USERS[key][2]}")
    lines += ["", "Open http://127.0.0.1:8000/ and log in with one of these.", ""]
    return "\n".join(lines)
