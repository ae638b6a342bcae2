"""The case editor for instructors (``/instructor/cases/…/edit/``).

One page holds a whole case: its fields and scoring, its initial results, the
whole catalogue as a grid (one row per entry and occurrence: keyed or not,
tier, expert position, weight, any-of group, with the result, rationale,
citations, table and series opening in place), its order rules and its
diagnosis options. The page posts as one plain form (works without
JavaScript); htmx only makes the dry-run panel answer in place.

The editor works in case-file records (``cases.casefile.CaseSpec``): the
forms become a spec (``specs``), the rules are the ones import applies
(``validation``: the engine's ``check_key`` and ``scoring_problems``), and a
valid spec is written with the importer's ``CaseWriter`` (``services``), so
a case written here exports and imports unchanged. An approved case is never
edited in place: saving writes its draft of changes (``cases.review``).
"""
