"""Scoring "ask a question" against an evaluation set (benchmarks/search_questions*.yaml).

Shared by ``make bench-search`` and quick checks while working:
``DATABASE_URL=... python -m benchmarks.search_quality`` prints the main set's misses.
The held-out sets (``search_questions_heldout.yaml``, ``search_questions_heldout2.yaml``) are for
measuring, not for tuning: ``--heldout`` (or ``--heldout2``) prints its figures only, with
``--misses`` its misses as well.
"""

import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "search_questions.yaml"
HELDOUT = HERE / "search_questions_heldout.yaml"
HELDOUT2 = HERE / "search_questions_heldout2.yaml"


@dataclass
class Quality:
    answerable: int = 0
    hits_at_1: int = 0
    hits_at_3: int = 0
    reciprocal_ranks: float = 0.0
    wrongly_refused: int = 0
    off_topic: int = 0
    refused: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def recall_at_1(self) -> float:
        return self.hits_at_1 / self.answerable

    @property
    def recall_at_3(self) -> float:
        return self.hits_at_3 / self.answerable

    @property
    def mrr(self) -> float:
        return self.reciprocal_ranks / self.answerable

    @property
    def refused_share(self) -> float:
        return self.refused / self.off_topic

    def summary(self) -> str:
        return (
            f"recall@1 {self.recall_at_1:.2f}  recall@3 {self.recall_at_3:.2f}  MRR {self.mrr:.2f}  "
            f"wrongly refused {self.wrongly_refused}  off-topic refused {self.refused_share:.0%}"
        )


def load_questions(path: Path = QUESTIONS) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def every_question(*paths: Path) -> list[str]:
    out = []
    for path in paths:
        data = load_questions(path)
        out += [item["q"] for item in data["answerable"]] + list(data["off_topic"])
    return out


def answer_keys(query: str) -> list[str]:
    """The fact keys the answer shows, in order."""
    from leucocases.taxonomy.search.answer import ask

    return [item.fact.key for item in ask(query).facts]


def ranked_keys(query: str, depth: int = 10) -> list[str]:
    """The facts in ranked order beyond the answer, for the reciprocal rank (empty when refused)."""
    from leucocases.taxonomy.search.answer import ranked_facts

    return ranked_facts(query, depth=depth)


def measure(data: dict) -> Quality:
    quality = Quality()
    for item in data["answerable"]:
        quality.answerable += 1
        wanted = set(item["facts"])
        ranked = ranked_keys(item["q"])
        if not ranked:
            quality.wrongly_refused += 1
        rank = next((i for i, key in enumerate(ranked, start=1) if key in wanted), None)
        if rank == 1:
            quality.hits_at_1 += 1
        if rank is not None and rank <= 3:
            quality.hits_at_3 += 1
        if rank is not None:
            quality.reciprocal_ranks += 1 / rank
        if rank != 1:
            quality.misses.append(f"{item['q']!r}: rank {rank}, got {ranked[:3]}")
    for query in data["off_topic"]:
        quality.off_topic += 1
        shown = answer_keys(query)
        if not shown:
            quality.refused += 1
        else:
            quality.misses.append(f"off-topic {query!r} answered with {shown}")
    return quality


if __name__ == "__main__":
    from benchmarks._django import setup

    setup()
    heldout = next(
        (path for flag, path in (("--heldout", HELDOUT), ("--heldout2", HELDOUT2)) if flag in sys.argv), None
    )
    result = measure(load_questions(heldout or QUESTIONS))
    if heldout is None or "--misses" in sys.argv:
        for line in result.misses:
            print(line)
    print((f"{heldout.name}: " if heldout else "") + result.summary())
