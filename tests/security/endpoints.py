"""The site's URLs, found by walking the URL configuration, with real values for their parameters.

New apps' URLs are picked up without editing this file: each parameter is
filled from the objects ``make_site`` made (a slug or an id that exists), so
a view gets past its 404 to the code that reads the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from leucocases.cases.models import Attempt

#: Namespaces left out: the admin is Django's own (its login is added by hand).
SKIPPED_NAMESPACES = {"admin"}


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: str


def _walk(patterns, namespace: str | None, found: list[tuple[str, URLPattern]]) -> None:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            if ns in SKIPPED_NAMESPACES:
                continue
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else ns
            _walk(pattern.url_patterns, inner, found)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append((f"{namespace}:{pattern.name}" if namespace else pattern.name, pattern))


def _candidates(site, attempt: Attempt | None, extra_ids: list[int]) -> dict[str, list]:
    slugs = [site.case.slug, site.cause.slug, site.topic.slug, *(s.slug for s in site.steps), site.mechanism.slug]
    try:
        from leucocases.quizzes.models import Cohort, Quiz

        slugs += list(Quiz.objects.values_list("slug", flat=True)[:3])
        slugs += list(Cohort.objects.values_list("slug", flat=True)[:3])
    except ImportError:  # pragma: no cover - the quizzes app always exists today
        pass
    ints = [attempt.pk] if attempt is not None else []
    ints += [*extra_ids, 1]
    return {"slug": slugs, "int": ints, "str": ["MQ", "set-password", "abc-123"], "path": ["x"], "uuid": []}


def _probe(client: Client, url: str) -> int:
    """GET the URL; a POST-only view (405) is probed with an empty POST instead."""
    status = client.get(url).status_code
    return client.post(url).status_code if status == 405 else status


def site_urls(*, client: Client, site, attempt: Attempt | None, extra_ids: list[int] = ()) -> list[Endpoint]:
    """Every named URL of the site, each with parameter values that reach the view
    (``extra_ids``: other ids worth trying, such as the learner's quiz attempt)."""
    found: list[tuple[str, URLPattern]] = []
    _walk(get_resolver().url_patterns, None, found)
    candidates = _candidates(site, attempt, list(extra_ids))
    endpoints = {}
    for name, pattern in found:
        converters = pattern.pattern.converters
        if not converters:
            endpoints[name] = Endpoint(name, reverse(name))
            continue
        options: list[dict] = [{}]
        for kwarg, converter in converters.items():
            kind = type(converter).__name__.replace("Converter", "").lower()
            values = candidates.get(kind) or ["x"]
            options = [{**o, kwarg: v} for o in options for v in values]
        best = None
        for kwargs in options:
            try:
                url = reverse(name, kwargs=kwargs)
            except Exception:  # noqa: S112 - a value the converter refuses: try the next
                continue
            best = best or url
            if _probe(client, url) != 404:
                best = url
                break
        if best:
            endpoints[name] = Endpoint(name, best)
    endpoints["admin:login"] = Endpoint("admin:login", reverse("admin:login"))
    return sorted(endpoints.values(), key=lambda e: e.name)


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.names: set[str] = set()
        self.post_actions: set[str] = set()

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in {"input", "select", "textarea", "button"} and values.get("name"):
            self.names.add(values["name"])
        if tag == "form" and (values.get("method") or "").lower() == "post":
            self.post_actions.add(values.get("action") or "")


def page_forms(html: str) -> tuple[set[str], set[str]]:
    """The field names of a page's forms, and the actions of its POST forms ("" posts to the page itself)."""
    parser = _Forms()
    parser.feed(html)
    return parser.names, parser.post_actions
