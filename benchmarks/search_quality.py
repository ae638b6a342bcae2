"""Scoring "ask a question" against the evaluation set (benchmarks/search_questions.yaml).

Shared by ``make bench-search`` and quick checks while working:
``DATABASE_URL=... python -m benchmarks.search_quality`` prints the misses.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

QUESTIONS = Path(__file__).resolve().parent / "search_questions.yaml"
COPY = re.compile(r"-x[0-9]+$")  # generate_load_data's copies: "<key>-x12"


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


def load_questions() -> dict:
    return yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))


def answer_keys(query: str) -> list[str]:
    """The fact keys the answer shows, in order (copies read as their original)."""
    from leucocases.taxonomy.search.answer import ask

    return [COPY.sub("", item.fact.key) for item in ask(query).facts]


def ranked_keys(query: str, depth: int = 10) -> list[str]:
    """The facts in ranked order beyond the answer, for the reciprocal rank (empty when refused)."""
    from leucocases.taxonomy.search.answer import ranked_facts

    return [COPY.sub("", key) for key in ranked_facts(query, depth=depth)]


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
    result = measure(load_questions())
    for line in result.misses:
        print(line)
    print(
        f"recall@1 {result.recall_at_1:.2f}  recall@3 {result.recall_at_3:.2f}  MRR {result.mrr:.2f}  "
        f"wrongly refused {result.wrongly_refused}  off-topic refused {result.refused_share:.0%}"
    )
