"""``validate_key``'s checks of order: the order rules themselves, the cycles
they form (with each entry's occurrences, which come in turn), and the
expert path, which must obey them.
"""

from __future__ import annotations

from collections.abc import Iterable

from .paths import Item, expert_items, is_occurrence, item_text
from .types import CaseKey, KeyProblem, OrderRule, ProblemCode

__all__ = ["check_expert_path", "check_rules", "report_cycles"]


def _rule_text(rule: OrderRule) -> str:
    return f"order rule {item_text(*rule.before_item)} before {item_text(*rule.after_item)}"


def check_rules(rules: Iterable[OrderRule], keyed: set[Item], problems: list[KeyProblem]) -> list[OrderRule]:
    """Report bad rules; return the ones sound enough for the later checks."""
    usable: list[OrderRule] = []
    seen: set[tuple[Item, Item]] = set()
    for rule in rules:
        bad = [n for n in (rule.before_occurrence, rule.after_occurrence) if not is_occurrence(n)]
        if bad:
            problems.append(
                KeyProblem(
                    ProblemCode.INVALID_OCCURRENCE,
                    f"order rule {rule.before!r} before {rule.after!r} names occurrence {bad[0]!r}; "
                    "an occurrence is a whole number from 1",
                )
            )
            continue
        unkeyed = [item for item in (rule.before_item, rule.after_item) if item not in keyed]
        if unkeyed:
            listed = ", ".join(item_text(*item) for item in dict.fromkeys(unkeyed))
            problems.append(
                KeyProblem(ProblemCode.RULE_UNKEYED_STEP, f"{_rule_text(rule)} names unkeyed step(s): {listed}")
            )
            continue
        pair = (rule.before_item, rule.after_item)
        if pair in seen:
            problems.append(KeyProblem(ProblemCode.DUPLICATE_ORDER_RULE, f"{_rule_text(rule)} is given more than once"))
            continue
        seen.add(pair)
        usable.append(rule)
    return usable


def report_cycles(rules: list[OrderRule], keyed: set[Item], problems: list[KeyProblem]) -> bool:
    """Report each group of items whose rules form a cycle; True if any.

    Occurrence n of an entry always comes after occurrence n-1, so those
    implicit edges join the rules': "the second count before the drug is
    withheld" and "withhold the drug before the first count" cannot both
    be obeyed.
    """
    successors: dict[Item, list[Item]] = {}
    indegree: dict[Item, int] = {}

    def edge(before: Item, after: Item) -> None:
        successors.setdefault(before, []).append(after)
        successors.setdefault(after, [])
        indegree[after] = indegree.get(after, 0) + 1
        indegree.setdefault(before, 0)

    for rule in rules:
        edge(rule.before_item, rule.after_item)
    if not rules:
        return False
    for slug, occurrence in sorted(keyed):
        if occurrence > 1 and (slug, occurrence - 1) in keyed:
            edge((slug, occurrence - 1), (slug, occurrence))

    # Kahn's algorithm: whatever cannot be peeled off lies on or behind a
    # cycle. Valid keys (the common case) finish here in linear time.
    ready = [n for n, d in indegree.items() if d == 0]
    while ready:
        node = ready.pop()
        for nxt in successors[node]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    stuck = sorted(n for n, d in indegree.items() if d > 0)
    if not stuck:
        return False

    # Only broken keys get here, and keys are small, so plain reachability is
    # clear enough to split the stuck items into their separate cycles.
    reach = {n: _reachable(n, successors) for n in stuck}
    grouped: set[Item] = set()
    for node in stuck:
        if node in grouped or node not in reach[node]:
            continue
        group = sorted(m for m in stuck if m in reach[node] and node in reach[m])
        grouped.update(group)
        listed = ", ".join(item_text(*m) for m in group)
        problems.append(KeyProblem(ProblemCode.ORDER_RULE_CYCLE, f"order rules form a cycle among steps: {listed}"))
    return True


def _reachable(start: Item, successors: dict[Item, list[Item]]) -> set[Item]:
    """Nodes reachable from ``start`` by one or more edges."""
    seen: set[Item] = set()
    stack = list(successors[start])
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(successors[node])
    return seen


def check_expert_path(key: CaseKey, keyed: set[Item], rules: list[OrderRule], problems: list[KeyProblem]) -> None:
    # Items with a bad occurrence were reported already and are left out.
    items = [step.item for step in expert_items(key) if step.item in keyed]
    by_slug: dict[str, list[int]] = {}
    for slug, occurrence in items:
        by_slug.setdefault(slug, []).append(occurrence)
    for slug, occurrences in by_slug.items():
        if occurrences != list(range(1, len(occurrences) + 1)):
            _report_expert_occurrences(key, keyed, slug, occurrences, problems)

    index = {item: i for i, item in enumerate(items)}
    for rule in rules:
        after_at = index.get(rule.after_item)
        if after_at is None:
            continue
        before_at = index.get(rule.before_item)
        if before_at is not None and before_at < after_at:
            continue
        after, before = item_text(*rule.after_item), item_text(*rule.before_item)
        if before_at is None:
            message = f"the expert path includes {after} but not its prerequisite {before} (not essential or useful)"
        else:
            message = f"the expert path puts {after} before its prerequisite {before}; adjust expert positions"
        problems.append(KeyProblem(ProblemCode.EXPERT_PATH_BREAKS_RULE, message))


def _report_expert_occurrences(
    key: CaseKey, keyed: set[Item], slug: str, occurrences: list[int], problems: list[KeyProblem]
) -> None:
    """Say why the expert path does not order ``slug``'s occurrences 1, 2, ...
    in turn, unless that is an item keyed twice or a gap, reported already."""
    keyed_occurrences = {n for s, n in keyed if s == slug}
    if len(set(occurrences)) < len(occurrences) or len(keyed_occurrences) != max(keyed_occurrences):
        return
    expected = list(range(1, len(occurrences) + 1))
    if sorted(occurrences) == expected:
        message = (
            f"the expert path orders the occurrences of {slug!r} as {occurrences}; "
            "adjust expert positions so occurrence 1 comes first, then 2, ..."
        )
    else:
        missing = next(n for n in expected if n not in occurrences)
        tier = next((step.tier for step in key.steps if step.item == (slug, missing)), None)
        why = "not keyed" if tier is None else f"keyed {tier}, not essential or useful"
        message = (
            f"the expert path includes {item_text(slug, max(occurrences))} but not "
            f"{item_text(slug, missing)} ({why}), so replaying it would not reach the occurrence it lists"
        )
    problems.append(KeyProblem(ProblemCode.EXPERT_PATH_SKIPS_OCCURRENCE, message))
