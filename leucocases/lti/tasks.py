"""Background jobs (Django's tasks framework, stored by django-tasks-db; run by
``manage.py db_worker``). Thin: each job calls one service function."""

from __future__ import annotations

from django.tasks import task


@task()
def deliver_score(delivery_id: int) -> str:
    """Post one score to an LMS gradebook (retries itself with back-off)."""
    from .grades import score_send

    return score_send(delivery_id=delivery_id)


@task()
def send_statements(statement_ids: list[str]) -> str:
    """Send xAPI statements to the Learning Record Store (retries itself with back-off)."""
    from .xapi import statements_send

    return statements_send(statement_ids=statement_ids)
