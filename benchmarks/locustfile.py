"""Learners playing cases, for ``locust --headless`` (see run_bench.sh).

Each simulated learner is an anonymous visitor (practice cases need no
account) with a browser's cookie jar: open a random practice case, order
three to six workup steps one at a time (the htmx POST the play page makes),
commit to a diagnosis and read the report, thinking 1-3 s between clicks.
Every step the server confirmed is recorded with the learner's session key,
and written to $LOCUST_TRACK_FILE at the end so ``locust_check`` can prove
each one was stored, in order.

The learners are ``FastHttpUser``s: the load generator runs on the same two
cores as the server, and requests' client took a third of a core at 130
requests/s where this one takes a quarter, time the server gets back.
"""

from __future__ import annotations

import json
import os
import random
import re

from locust import FastHttpUser, between, events, task

CASE_LINK = re.compile(r'href="(/cases/(?!attempts/)[a-z0-9-]+/)"')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ATTEMPT = re.compile(r'name="attempt" value="(\d*)"')
STEP = re.compile(r'name="step" value="([a-z0-9-]+)"')
DIAGNOSIS = re.compile(r'<option value="([a-z0-9-]+)"')
REPORT = re.compile(r"/cases/attempts/(\d+)/report/$")

TRACKED: list[dict] = []
CASE_URLS: list[str] = []


class Learner(FastHttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        if not CASE_URLS:
            page = self._get("/cases/", name="/cases/").text
            CASE_URLS.extend(sorted(set(CASE_LINK.findall(page))))

    def _like_a_browser(self) -> None:
        """Production cookies are Secure. Browsers send them to a loopback server (a
        "potentially trustworthy" origin); requests would not, so unflag them before each request."""
        for cookie in self.client.cookiejar:
            cookie.secure = False

    def _cookie(self, name: str) -> str | None:
        return next((cookie.value for cookie in self.client.cookiejar if cookie.name == name), None)

    def _get(self, url: str, **kwargs):
        self._like_a_browser()
        return self.client.get(url, **kwargs)

    def _post(self, url: str, data: dict, **kwargs):
        self._like_a_browser()
        return self.client.post(url, data, **kwargs)

    @task
    def play_a_case(self) -> None:
        url = random.choice(CASE_URLS)
        page = self._get(url, name="/cases/[slug]/").text
        token = TOKEN.search(page).group(1)
        steps = STEP.findall(page)
        record = {"case": url, "steps": [], "attempt": None, "session": None}
        TRACKED.append(record)
        attempt = ATTEMPT.search(page).group(1) if ATTEMPT.search(page) else ""
        for step in random.sample(steps, min(len(steps), random.randint(3, 6))):
            self.wait()
            with self._post(
                f"{url}choose/",
                {"csrfmiddlewaretoken": token, "attempt": attempt, "step": step},
                headers={"HX-Request": "true", "Referer": self.host + url},
                name="/cases/[slug]/choose/",
                catch_response=True,
            ) as response:
                if response.status_code == 200 and "finding-" in response.text:
                    record["steps"].append(step)
                    record["session"] = self._cookie("sessionid")
                    response.success()
                else:
                    response.failure(f"choose answered {response.status_code}")
            if not attempt:
                attempt = ATTEMPT.search(self._get(url, name="/cases/[slug]/").text).group(1)
        self.wait()
        diagnosis = random.choice(DIAGNOSIS.findall(page))
        # The submission and the report it redirects to are two requests, timed apart
        # (FastHttpUser does not say where a followed redirect ended).
        with self._post(
            f"{url}submit/",
            {
                "csrfmiddlewaretoken": token,
                "attempt": attempt,
                "diagnosis": diagnosis,
                "certainty": random.choice(("low", "medium", "high")),
            },
            headers={"Referer": self.host + url},
            name="/cases/[slug]/submit/",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "") if response.status_code == 302 else ""
            if REPORT.search(location):
                response.success()
            else:
                response.failure(f"submit answered {response.status_code} {location}")
                return
        with self._get(location, name="/cases/attempts/[pk]/report/", catch_response=True) as response:
            if response.status_code == 200:
                record["attempt"] = int(REPORT.search(location).group(1))
                response.success()
            else:
                response.failure(f"report answered {response.status_code}")


@events.test_stop.add_listener
def _write_tracking(environment, **kwargs) -> None:
    path = os.environ.get("LOCUST_TRACK_FILE")
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(TRACKED, handle)
