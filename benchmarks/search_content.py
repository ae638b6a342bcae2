"""Invented content for ``make bench-search``: the shipped content's shape, N times over, every document distinct.

BENCHMARK DATA, NOT CLINICAL CONTENT. It is written only into the benchmark's
throwaway databases, and every row it makes is marked: slugs and keys start
with ``bench-``, cause groups are named "... (benchmark data)".

Why not copies: 99 verbatim copies of each fact make every question's best
candidates copies of one fact, which says nothing about ranking, and would
make the original facts non-unique answers. Instead, for each of the N-1
extra "replicas", every shipped cause, topic, workup step and practice case
gets a counterpart about an *invented subject* (a made-up agent, syndrome,
organism or exposure, named from random syllables), with as many facts as
the original, written from sentence templates over a fixed list of general
haematology words (leucopenia, neutrophil and lymphocyte counts, bone marrow,
weeks, monitoring, recovery, …) and random figures.

So the index grows the way a real site's would: general words (leucopenia,
count, marrow, risk, cause) become common and lose weight, thousands of
facts compete on them, while the shipped facts stay the only right answers
to the evaluation questions: invented names and figures are checked never to
be a term of the shipped content, of the synonym table or of the evaluation questions, and the
templates never name a real drug, disease, organism or test.
"""

import random
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from leucocases.cases.models import Case, InitialLab
from leucocases.editorial.models import ReviewStatus
from leucocases.taxonomy.models import Cause, CauseGroup, Fact, Topic, WorkupStep
from leucocases.taxonomy.search.analysis import terms
from leucocases.taxonomy.search.index import search_index_rebuild
from leucocases.taxonomy.search.models import SearchTerm, Synonym

MARK = "bench-"

_ONSETS = [*"bdfgklmnprstvz", "br", "dr", "kr", "pr", "tr", "st", "gl", "pl", "ch", "th", "sk", "sl"]
_VOWELS = list("aeiou")
_CODAS = ["", "", "n", "r", "l", "s", "m", "x", "nd", "rk", "lt"]
_SUFFIXES = {
    "agent": ["azine", "olol", "umab", "inib", "afen", "idone", "oxate", "imide", "orin", "exil"],
    "syndrome": [" syndrome", " disease", " disorder"],
    "organism": ["virus infection", "bacter infection", "ella infection", "coccus infection"],
    # Not "solvent": solvents are real toxins, which the synonym table lists, so an invented "solvent exposure"
    # would rightly answer questions about toxins and the shipped facts would no longer be the only right answers.
    "exposure": [" dust exposure", " glaze exposure", " resin exposure"],
}
_KINDS = list(_SUFFIXES)

_LINES = ["neutrophil", "lymphocyte", "monocyte", "eosinophil", "granulocyte"]
_SEVERITY = ["mild", "moderate", "usually mild", "occasionally severe", "rarely profound"]
_COURSE = ["reversible", "transient", "self-limiting", "persistent", "slow to recover"]
_MECHANISMS = [
    "maturation arrest of myeloid precursors",
    "margination of neutrophils along vessel walls",
    "toxic injury to dividing precursors",
    "a shortened lifespan of circulating lymphocytes",
    "delayed release of neutrophils from the marrow",
    "redistribution of lymphocytes into lymph nodes",
]
_RISK_GROUPS = [
    "in children",
    "in people with low body weight",
    "at higher doses",
    "in heavy smokers",
    "in people with liver disease",
    "when the course is repeated",
]
_ACTIONS = ["a repeat count within {t}", "review by a haematologist", "a search for a second cause"]
_AGENT_ACTIONS = ["pausing {S}", "a lower dose of {S}"]
_SPANS = {"days": range(3, 31), "weeks": range(2, 21), "months": range(2, 25)}
# Templates for any subject; then ones that only read well for an agent (a drug-like subject).
_TEMPLATES = [
    "{S} can cause leucopenia{when}, {severity} and {course}.",
    "Leucopenia in {S} is {severity} and {course}.",
    "{S} causes leucopenia through {mechanism}.",
    "The {line} count falls first in {S}, and recovers within {t}.",
    "Leucopenia from {S} is more frequent {risk}.",
    "A {line} count below {threshold}/mcL in {S} calls for {action}.",
    "About {p}% of people with {S} have a low {line} count at {t}.",
    "{S} leaves the red cells and platelets unchanged while the {line} count falls.",
    "In a series of {n} patients with {S}, {p}% developed leucopenia{when}.",
]
_AGENT_TEMPLATES = [
    "{S} lowers the {line} count{when}; the fall is {severity}.",
    "Stopping {S} restores the white count within {t}.",
    "Monitor the white cell count every {t} while {S} continues.",
    "In a series of {n} patients given {S}, {p}% developed leucopenia{when}.",
    "A {line} count below {threshold}/mcL on {S} calls for {action}.",
]
_STEP_NAMES = ["antibody assay", "level", "exposure history"]
_SYMPTOMS = ["tiredness", "a sore throat", "recurrent cold sores", "night sweats", "aching joints", "a cough"]
_JOBS = ["teacher", "farmer", "welder", "nurse", "student", "retired engineer", "painter", "baker"]
_LABS = [
    ("White cell count", "×10⁹/L", "4.0–11.0"),
    ("Neutrophils", "×10⁹/L", "2.0–7.5"),
    ("Lymphocytes", "×10⁹/L", "1.0–4.0"),
    ("Haemoglobin", "g/L", "115–165"),
    ("Platelets", "×10⁹/L", "150–400"),
]


class _Writer:
    """Names and sentences for invented subjects, never reusing a word the benchmark must keep unique."""

    def __init__(self, rng: random.Random, forbidden: set[str]):
        self.rng = rng
        self.forbidden = forbidden
        self.numbers = [n for n in range(3, 99) if str(n) not in forbidden]
        self.used: set[str] = set()

    def word(self) -> str:
        while True:
            syllables = self.rng.randint(2, 3)
            word = "".join(
                self.rng.choice(_ONSETS) + self.rng.choice(_VOWELS) + self.rng.choice(_CODAS) for _ in range(syllables)
            )
            if word not in self.used and not set(terms(word)) & self.forbidden and len(word) >= 5:
                self.used.add(word)
                return word

    def subject(self, kind: str | None = None) -> str:
        kind = kind or self.rng.choice(_KINDS)
        return self.word().capitalize() + self.rng.choice(_SUFFIXES[kind])

    def number(self) -> int:
        return self.rng.choice(self.numbers)

    def span(self) -> str:
        unit = self.rng.choice(list(_SPANS))
        return f"{self.rng.choice([n for n in _SPANS[unit] if str(n) not in self.forbidden])} {unit}"

    def templates(self, subject: str) -> list[str]:
        return _TEMPLATES + _AGENT_TEMPLATES if self.is_agent(subject) else _TEMPLATES

    def is_agent(self, subject: str) -> bool:
        return " " not in subject

    def facts(self, subject: str, count: int) -> list[str]:
        pool = self.templates(subject)
        chosen = self.rng.sample(pool, count) if count <= len(pool) else self.rng.choices(pool, k=count)
        return [self.sentence(template, subject) for template in chosen]

    def sentence(self, template: str, subject: str) -> str:
        rng = self.rng
        start = " of starting it" if self.is_agent(subject) else ""
        when = rng.choice(["", f" within {self.span()}{start}", f" after {self.span()}"])
        actions = _ACTIONS + _AGENT_ACTIONS if self.is_agent(subject) else _ACTIONS
        threshold = rng.choice([n for n in (600, 700, 800, 900, 1200, 1500, 1800) if str(n) not in self.forbidden])
        text = template.format(
            S=subject,
            when=when,
            severity=rng.choice(_SEVERITY),
            course=rng.choice(_COURSE),
            line=rng.choice(_LINES),
            n=self.number(),
            p=self.number(),
            t=self.span(),
            mechanism=rng.choice(_MECHANISMS),
            risk=rng.choice(_RISK_GROUPS),
            threshold=threshold,
            action=rng.choice(actions).format(S=subject, t=self.span()),
        )
        return text[0].upper() + text[1:]


def forbidden_terms(questions: Iterable[str]) -> set[str]:
    """Terms the invented text must not use as names or figures: the shipped content's, the questions' and the
    vocabulary's (an invented name must never be a real drug or disease the synonym table knows)."""
    forbidden = set(SearchTerm.objects.values_list("term", flat=True))
    for text in [*questions, *Synonym.objects.values_list("phrase", flat=True)]:
        forbidden.update(terms(text))
    return forbidden


@transaction.atomic
def generate(*, scale: int, questions: Iterable[str], seed: int = 20261201) -> dict[str, int]:
    """Add ``scale - 1`` invented counterparts of every shipped cause, topic, step and case; reindex."""
    rng = random.Random(seed)
    writer = _Writer(rng, forbidden_terms(questions))
    causes = list(Cause.objects.exclude(slug__startswith=MARK).prefetch_related("facts"))
    topics = list(Topic.objects.exclude(slug__startswith=MARK).prefetch_related("facts"))
    steps = list(WorkupStep.objects.exclude(slug__startswith=MARK))
    cases = list(Case.objects.exclude(slug__startswith=MARK).prefetch_related("initial_labs"))
    now = timezone.now()
    published = {"review_status": ReviewStatus.APPROVED, "reviewed_at": now}
    for replica in range(1, scale):
        series = writer.word().capitalize()
        groups = {
            kind: CauseGroup.objects.create(
                name=f"{series} {kind}s (benchmark data)", slug=f"{MARK}{replica}-{kind}", position=100 + replica
            )
            for kind in _KINDS
        }
        new_causes, fact_counts = [], []
        for n, original in enumerate(causes):
            kind = rng.choice(_KINDS)
            subject = writer.subject(kind)
            lines = writer.facts(subject, 2)
            new_causes.append(
                Cause(
                    name=subject,
                    slug=f"{MARK}{replica}-cause-{n}",
                    group=groups[kind],
                    summary=lines[0],
                    body=f"Invented for the search benchmark. {lines[1]}",
                    position=original.position,
                    **published,
                )
            )
            fact_counts.append(len(original.facts.all()))
        facts = []
        for cause, count in zip(Cause.objects.bulk_create(new_causes), fact_counts, strict=True):
            facts += [
                Fact(key=f"{cause.slug}-fact-{i}", text=text, cause=cause, position=i)
                for i, text in enumerate(writer.facts(cause.name, count))
            ]
        new_topics = []
        for n, original in enumerate(topics):
            subject = writer.subject("agent")
            new_topics.append(
                Topic(
                    title=f"{subject}: {rng.choice(['monitoring', 'recovery of the count', 'dosing', 'follow-up'])}",
                    slug=f"{MARK}{replica}-topic-{n}",
                    summary=writer.sentence(rng.choice(writer.templates(subject)), subject),
                    position=original.position,
                    **published,
                )
            )
        for topic, original in zip(Topic.objects.bulk_create(new_topics), topics, strict=True):
            subject = topic.title.split(":")[0]
            facts += [
                Fact(key=f"{topic.slug}-fact-{i}", text=text, topic=topic, position=i)
                for i, text in enumerate(writer.facts(subject, len(original.facts.all())))
            ]
        Fact.objects.bulk_create(facts)
        WorkupStep.objects.bulk_create(
            [
                WorkupStep(
                    name=f"{(subject := writer.subject())} {rng.choice(_STEP_NAMES)}",
                    slug=f"{MARK}{replica}-step-{n}",
                    kind=original.kind,  # an action's category fits actions only
                    category=original.category,
                    what_it_shows=f"Whether {subject} is present, and how much.",
                    when_indicated=f"When leucopenia follows contact with {subject}.",
                    position=original.position,
                )
                for n, original in enumerate(steps)
            ]
        )
        _add_cases(writer, cases, replica, published)
    search_index_rebuild()
    return {"causes": Cause.objects.count(), "facts": Fact.objects.count(), "cases": Case.objects.count()}


def _add_cases(writer: _Writer, originals: list[Case], replica: int, published: dict) -> None:
    rng = writer.rng
    new = []
    for n, _original in enumerate(originals):
        subject = writer.subject()
        job, symptom = rng.choice(_JOBS), rng.choice(_SYMPTOMS)
        new.append(
            Case(
                title=f"{symptom.capitalize()} in a {job} with {subject}",
                slug=f"{MARK}{replica}-case-{n}",
                presentation=(
                    f"A {rng.randint(18, 90)}-year-old {job} with {subject} has had {symptom} for {writer.span()}. "
                    f"Temperature {rng.randint(365, 385) / 10} °C, pulse {rng.randint(60, 110)}/min. "
                    f"{writer.sentence(rng.choice(writer.templates(subject)), subject)}"
                ),
                is_practice=True,
                version=1,  # approved: published version 1
                **published,
            )
        )
    labs = []
    for case in Case.objects.bulk_create(new):
        for position, (name, unit, range_) in enumerate(_LABS):
            labs.append(
                InitialLab(
                    case=case,
                    position=position,
                    name=name,
                    value=str(rng.randint(1, 9)),
                    unit=unit,
                    reference_range=range_,
                )  # fmt: skip
            )
    InitialLab.objects.bulk_create(labs)
