"""The self-study reader's pages: thin views over selectors.py and search.py."""

from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers

from leucocases.audience import current_audience

from . import selectors
from .cause_article import cause_article
from .models import CauseGroup
from .search.answer import ask
from .search.forms import MAX_QUERY_LENGTH, QuestionForm


def home(request):
    # The home page leads into the cause groups: taxonomy's, so it lives here (editorial is below taxonomy).
    groups = CauseGroup.objects.order_by("position")
    return render(request, "taxonomy/home.html", {"groups": groups})


def cause_list(request):
    index = selectors.cause_index(user=request.user, mechanism_slug=request.GET.get("mechanism", "").strip())
    template = "taxonomy/cause_list.html"
    if request.htmx:
        template += "#cause-results"
    response = render(request, template, {"index": index})
    # The same URL answers with a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


def cause_detail(request, slug):
    article = cause_article(slug=slug, user=request.user, audience=current_audience(request))
    reader_cases = selectors.reader_cases_for(
        cause=article.cause, user=request.user, session_key=request.session.session_key
    )
    context = {"article": article, "cause": article.cause, "reader_cases": reader_cases}
    response = render(request, "taxonomy/cause_detail.html", context)
    # The page lists the reader's own solved cases: it differs by session, and a
    # page naming someone's cases is never stored by a shared cache (nor by ours:
    # pagecache.py skips "private" and any request with a session cookie).
    patch_vary_headers(response, ("Cookie",))
    if reader_cases:
        patch_cache_control(response, private=True)
    return response


def topic_detail(request, slug):
    page = selectors.topic_page(slug=slug, user=request.user)
    return render(request, "taxonomy/topic_detail.html", {"page": page, "topic": page.topic})


def reference_list(request):
    references = selectors.references_with_citers(user=request.user)
    return render(request, "taxonomy/reference_list.html", {"references": references})


def workup_step_list(request):
    return render(request, "taxonomy/workup_step_list.html", {"kinds": selectors.workup_catalogue()})


def workup_step_detail(request, slug):
    page = selectors.workup_step_page(slug=slug)
    return render(request, "taxonomy/workup_step_detail.html", {"page": page, "step": page.step})


def search(request):
    """A question typed in the search box: the facts that answer it, then related pages (or "not covered")."""
    form = QuestionForm(request.GET)
    answer, cited, references, status = None, [], [], 200
    if form.is_valid():
        answer = ask(form.cleaned_data["q"].strip())
        cited, references = selectors.cite_facts(item.fact for item in answer.facts)
    else:
        status = 400
    context = {
        "form": form,
        "answer": answer,
        "answers": list(zip(answer.facts, cited, strict=True)) if answer else [],
        "references": references,
        "max_length": MAX_QUERY_LENGTH,
    }
    return render(request, "taxonomy/search.html", context, status=status)
