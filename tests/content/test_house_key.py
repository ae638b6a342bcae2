"""The house key (docs/house-key.md), checked on every shipped case file.

Pure: no database. Each file is read by the case-file reader's ``load_text``
(the importer's YAML within limits, a key given twice refused) into plain data;
the known reference keys and the action entries come from
``fixtures/taxonomy.yaml``, the catalogue the loaders install.

``house_key_problems`` lists what a case breaks, in authors' words, so that a
failing file names every rule it breaks at once; the tests on broken copies
show that the checker does fail a case that leaves a rule out.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from leucocases.cases.casefile import case_from_document, document_errors, load_text
from leucocases.cases.grading import Attempt, expert_path, grade, validate_key

ROOT = Path(__file__).resolve().parent.parent.parent
CASES_DIR = ROOT / "fixtures" / "cases"
TAXONOMY = ROOT / "fixtures" / "taxonomy.yaml"

#: House key §1: every case keys these five entries.
CORE_ENTRIES = ("repeat-cbc", "peripheral-smear", "prior-counts", "rbc-platelet-counts", "medication-review")
#: House key §2: at least this many management actions keyed, one of them essential.
MIN_ACTIONS = 2
#: House key §3: a marrow keyed essential comes after the medication review, by an order rule.
MARROW = "bone-marrow-biopsy"
MARROW_BEFORE = "medication-review"
#: Tiers of a choice the key marks as wrong, with its reason (house key §2).
WRONG_TIERS = ("never", "harmful")
#: The writers' brief: a case's own expert path, with the full-credit cause, grades at least this.
EXPERT_MINIMUM = 90


@dataclass(frozen=True)
class Catalogue:
    """What the case files may name: reference keys, and which entries are actions."""

    references: frozenset[str]
    actions: frozenset[str]


def load_catalogue() -> Catalogue:
    data = yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))
    return Catalogue(
        references=frozenset(r["key"] for r in data["references"]),
        actions=frozenset(s["slug"] for s in data["workup_steps"] if s["kind"] == "action"),
    )


def case_files() -> list[Path]:
    return sorted(CASES_DIR.glob("*.yaml"))


def load_cases(path: Path) -> list[Mapping[str, Any]]:
    """The case mappings of one file (a file holds one case or a list of them)."""
    data, errors = load_text(path.read_text(encoding="utf-8"), file=str(path))
    assert not errors, "; ".join(str(e) for e in errors)
    return [data] if isinstance(data, Mapping) else list(data)


# --------------------------------------------------------------------------
# The checker: one small function per rule of the house key
# --------------------------------------------------------------------------


def house_key_problems(case: Mapping[str, Any], catalogue: Catalogue) -> list[str]:
    """Everything ``case`` breaks of the house key's tested rules; empty when it follows them."""
    findings = list(case.get("findings") or [])
    problems: list[str] = []
    if case.get("schema") != 2:
        problems.append(f"schema: is {case.get('schema')!r}; house-key cases are written in schema 2")
    problems += core_entry_problems(findings)
    problems += action_problems(findings, catalogue.actions)
    problems += marrow_rule_problems(findings, list(case.get("order_rules") or []))
    problems += citation_problems(case, catalogue.references)
    problems += diagnosis_problems(list(case.get("diagnosis") or []))
    return problems


def core_entry_problems(findings: list[Mapping[str, Any]]) -> list[str]:
    keyed = {f.get("step") for f in findings}
    return [f"core entry {entry!r} is not keyed (house key §1)" for entry in CORE_ENTRIES if entry not in keyed]


def action_problems(findings: list[Mapping[str, Any]], actions: frozenset[str]) -> list[str]:
    problems = []
    keyed_actions = {f.get("step") for f in findings if f.get("step") in actions}
    if len(keyed_actions) < MIN_ACTIONS:
        problems.append(
            f"keys {len(keyed_actions)} management action(s) ({', '.join(sorted(keyed_actions)) or 'none'}); "
            f"the house key asks for at least {MIN_ACTIONS} (§2)"
        )
    if not any(f.get("step") in actions and f.get("tier") == "essential" for f in findings):
        problems.append("no management action is essential: the decisive step of the case is keyed essential (§2)")
    if not any(f.get("tier") in WRONG_TIERS for f in findings):
        problems.append("no choice is keyed never or harmful (§2)")
    return problems


def marrow_rule_problems(findings: list[Mapping[str, Any]], rules: list[Mapping[str, Any]]) -> list[str]:
    marrow_essential = any(f.get("step") == MARROW and f.get("tier") == "essential" for f in findings)
    if not marrow_essential:
        return []
    if any(r.get("before") == MARROW_BEFORE and r.get("after") == MARROW for r in rules):
        return []
    return [
        f"{MARROW!r} is essential but no order rule puts {MARROW_BEFORE!r} before it: "
        "the marrow comes after the reversible causes (§3)"
    ]


def citation_problems(case: Mapping[str, Any], references: frozenset[str]) -> list[str]:
    problems = []
    for part, label in (("findings", "step"), ("order_rules", "after"), ("diagnosis", "cause")):
        for i, item in enumerate(case.get(part) or []):
            where = f"{part}[{i}] ({item.get(label)})"
            citations = item.get("citations") or []
            if not citations:
                problems.append(f"{where}: no citation; every finding, order rule and option is cited")
            unknown = sorted(set(citations) - references)
            if unknown:
                problems.append(f"{where}: unknown reference key(s) {', '.join(unknown)}")
    return problems


def diagnosis_problems(options: list[Mapping[str, Any]]) -> list[str]:
    full = [o.get("cause") for o in options if o.get("credit") == 1]
    if len(full) == 1:
        return []
    return [f"exactly one diagnosis option has full credit; found {len(full)}: {', '.join(map(str, full))}"]


# --------------------------------------------------------------------------
# Every shipped case follows the house key
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def test_there_are_case_files():
    assert case_files(), f"no case files in {CASES_DIR}"


@pytest.mark.parametrize("path", case_files(), ids=lambda p: p.stem)
def test_case_follows_the_house_key(path: Path, catalogue: Catalogue):
    problems = [
        f"{case.get('slug', f'case #{n}')}: {problem}"
        for n, case in enumerate(load_cases(path), start=1)
        for problem in house_key_problems(case, catalogue)
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", case_files(), ids=lambda p: p.stem)
def test_expert_path_obeys_the_order_rules_and_grades_at_least_90(path: Path):
    """The same engine the site grades with, on the key the file describes (pure:
    tests/cases/test_shipped_cases.py checks the same through an import)."""
    for case in load_cases(path):
        assert document_errors(case) == []
        key = case_from_document(case).case_key()
        assert validate_key(key) == []
        (cause,) = (o["cause"] for o in case["diagnosis"] if o["credit"] == 1)
        report = grade(key, Attempt(steps=expert_path(key), diagnosis=cause))
        assert report.order_violations == (), case["slug"]
        assert report.total >= EXPERT_MINIMUM, f"{case['slug']}: expert path grades {report.total}"


# --------------------------------------------------------------------------
# The checker fails a case that breaks a rule (broken copies of a sound case)
# --------------------------------------------------------------------------

#: A case that follows every rule, with the marrow essential: the base of the broken copies.
SOUND_CASE = CASES_DIR / "older-man-tired-and-breathless.yaml"


@pytest.fixture
def sound_case(catalogue: Catalogue) -> dict[str, Any]:
    (case,) = load_cases(SOUND_CASE)
    assert house_key_problems(case, catalogue) == []
    return copy.deepcopy(dict(case))


def without_entry(entry: str) -> Callable[[dict[str, Any]], None]:
    def breaks(case: dict[str, Any]) -> None:
        case["findings"] = [f for f in case["findings"] if f["step"] != entry]
        case["order_rules"] = [r for r in case.get("order_rules", []) if entry not in (r["before"], r["after"])]

    return breaks


@pytest.mark.parametrize("entry", CORE_ENTRIES)
def test_a_copy_without_a_core_entry_fails(sound_case: dict[str, Any], catalogue: Catalogue, entry: str):
    without_entry(entry)(sound_case)
    problems = house_key_problems(sound_case, catalogue)
    assert problems
    assert any(entry in p for p in problems)


def _drop_marrow_rule(case: dict[str, Any], catalogue: Catalogue) -> None:
    case["order_rules"] = [r for r in case["order_rules"] if (r["before"], r["after"]) != (MARROW_BEFORE, MARROW)]


def _uncite_an_option(case: dict[str, Any], catalogue: Catalogue) -> None:
    case["diagnosis"][1]["citations"] = []


def _cite_an_unknown_reference(case: dict[str, Any], catalogue: Catalogue) -> None:
    case["order_rules"][0]["citations"] = ["wikipedia"]


def _second_full_credit(case: dict[str, Any], catalogue: Catalogue) -> None:
    case["diagnosis"][1]["credit"] = 1


def _no_wrong_choice(case: dict[str, Any], catalogue: Catalogue) -> None:
    case["findings"] = [f for f in case["findings"] if f["tier"] not in WRONG_TIERS]


def _one_action(case: dict[str, Any], catalogue: Catalogue) -> None:
    first = next(f["step"] for f in case["findings"] if f["step"] in catalogue.actions)
    case["findings"] = [f for f in case["findings"] if f["step"] == first or f["step"] not in catalogue.actions]


def _schema_one(case: dict[str, Any], catalogue: Catalogue) -> None:
    del case["schema"]


#: Each breaks one rule of a sound copy; the text is what the checker's problem says.
BREAKAGES: dict[str, tuple[Callable[[dict[str, Any], Catalogue], None], str]] = {
    "marrow without the medication-review rule": (_drop_marrow_rule, "order rule"),
    "an option without citations": (_uncite_an_option, "no citation"),
    "an unknown reference key": (_cite_an_unknown_reference, "wikipedia"),
    "two full-credit options": (_second_full_credit, "full credit"),
    "no never or harmful choice": (_no_wrong_choice, "never or harmful"),
    "one action only": (_one_action, "management action"),
    "schema 1": (_schema_one, "schema"),
}


@pytest.mark.parametrize("name", BREAKAGES)
def test_a_broken_copy_fails(sound_case: dict[str, Any], catalogue: Catalogue, name: str):
    breaks, said = BREAKAGES[name]
    breaks(sound_case, catalogue)
    problems = house_key_problems(sound_case, catalogue)
    assert any(said in p for p in problems), problems


# --------------------------------------------------------------------------
# No case teaches a statistic the references do not contain
# --------------------------------------------------------------------------

SEED = ROOT.parent / "shared" / "seed" / "what-causes-leucopenia.txt"
#: A percentage ("3%", "50-60%", "3.2 %"), with any dash: what a case could teach as a statistic.
PERCENT = re.compile(r"(\d+(?:\.\d+)?)(?:\s*[-–—]\s*(\d+(?:\.\d+)?))?\s*%")
#: Text in which a case teaches (results and presentations hold the patient's
#: own values, such as an oxygen saturation, which are not statistics).
TEACHING_FIELDS = ("rationale", "learning_objectives")


def percentages(text: str) -> set[str]:
    return {"-".join(filter(None, match.groups())) for match in PERCENT.finditer(text)}


def known_percentages() -> set[str]:
    """Every percentage the source and the reference descriptions state."""
    texts = [TAXONOMY.read_text(encoding="utf-8")]
    if SEED.exists():
        texts.append(SEED.read_text(encoding="utf-8"))
    return set().union(*(percentages(text) for text in texts))


def teaching_texts(case: Mapping[str, Any]) -> list[tuple[str, str]]:
    found = [("learning_objectives", str(case.get("learning_objectives") or ""))]
    for part in ("findings", "order_rules", "diagnosis"):
        for n, row in enumerate(case.get(part) or (), start=1):
            found.extend((f"{part}[{n}].{name}", str(row.get(name) or "")) for name in TEACHING_FIELDS if name in row)
    return found


def patient_values(case: Mapping[str, Any]) -> set[str]:
    """Percentages the case shows as this patient's own values (a result, a lab
    row): a rationale may quote them back ("only 4% blasts in the marrow")."""
    shown = [str(case.get("presentation") or ""), yaml.safe_dump(case.get("initial_labs") or [])]
    for finding in case.get("findings") or ():
        shown += [str(finding.get("result") or ""), yaml.safe_dump(finding.get("table") or [])]
    return set().union(*(percentages(text) for text in shown))


def statistic_problems(case: Mapping[str, Any], known: set[str]) -> list[str]:
    allowed = known | patient_values(case)
    return [
        f"{where} teaches {figure}%, which neither the source nor a reference states"
        for where, text in teaching_texts(case)
        for figure in sorted(percentages(text) - allowed)
    ]


@pytest.mark.parametrize("path", case_files(), ids=lambda p: p.stem)
def test_no_case_teaches_a_statistic_the_references_do_not_contain(path: Path):
    known = known_percentages()
    problems = [
        f"{case.get('slug')}: {problem}" for case in load_cases(path) for problem in statistic_problems(case, known)
    ]
    assert not problems, "\n".join(problems)


def test_an_invented_statistic_is_caught(sound_case: dict[str, Any]):
    broken = copy.deepcopy(sound_case)
    broken["findings"][0]["rationale"] += " About 42% of such patients relapse."
    assert statistic_problems(broken, known_percentages()) == [
        "findings[1].rationale teaches 42%, which neither the source nor a reference states"
    ]
