#!/usr/bin/env bash
# Lighthouse scores (performance, accessibility, best practices) for four pages, served the way
# production serves them: DEBUG off, gunicorn, whitenoise's compressed and hashed static files.
#
#   scripts/lighthouse.sh            # desktop and mobile
#   FORM_FACTORS=desktop scripts/lighthouse.sh
#   RUNS=5 scripts/lighthouse.sh     # each page five times; the table shows the median
#   scripts/lighthouse.sh --strict   # exit 1 unless accessibility is 100 and performance >= 95 everywhere
#
# The pages: the home page, a cause page, a case being played (an anonymous attempt with three
# steps ordered, one of them a chart) and that kind of attempt's report. Lighthouse starts every
# run with a fresh browser profile, so the two attempts are seeded in the database and their
# session cookies are sent with --extra-headers.
#
# Lighthouse comes from npm into a cache directory (LIGHTHOUSE_DIR) the first time; Chromium is
# Debian's (CHROME_PATH). Reports (JSON and HTML) are kept in LIGHTHOUSE_OUT. Performance is
# measured with simulated throttling on whatever else the machine is doing: on a busy shared
# machine a single run can lose several points (mostly Total Blocking Time): use RUNS=3 or 5.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
LIGHTHOUSE_VERSION=${LIGHTHOUSE_VERSION:-13.5.0}
LIGHTHOUSE_DIR=${LIGHTHOUSE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/leucocases/lighthouse}
LIGHTHOUSE_OUT=${LIGHTHOUSE_OUT:-${TMPDIR:-/tmp}/leucocases-lighthouse}
FORM_FACTORS=${FORM_FACTORS:-desktop mobile}
RUNS=${RUNS:-1}
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
CHROME_FLAGS="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync"
CASE=crohns-azathioprine-routine-count
CAUSE=thiopurines
STRICT=0
[[ "${1:-}" == "--strict" ]] && STRICT=1

[[ -x "$PY" ]] || { echo "No virtualenv at .venv: run 'make test-fast' (or 'make run') once first." >&2; exit 1; }
[[ -x "$CHROME_PATH" ]] || { echo "No Chromium at $CHROME_PATH: scripts/ensure-chromium.sh installs it." >&2; exit 1; }

LIGHTHOUSE="$LIGHTHOUSE_DIR/node_modules/.bin/lighthouse"
if [[ ! -x "$LIGHTHOUSE" ]]; then
  echo "Installing lighthouse@$LIGHTHOUSE_VERSION into $LIGHTHOUSE_DIR (once)"
  mkdir -p "$LIGHTHOUSE_DIR"
  (cd "$LIGHTHOUSE_DIR" && npm install --no-save --no-audit --no-fund --loglevel=error "lighthouse@$LIGHTHOUSE_VERSION")
fi

WORK=$(mktemp -d -t leucocases-lighthouse-XXXXXX)
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Production mode, minus HTTPS (the server is on the loopback) and minus PostgreSQL/Redis
# (a throwaway SQLite database keeps this self-contained).
export DJANGO_DEBUG=0
DJANGO_SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')
export DJANGO_SECRET_KEY
export DJANGO_SECURE_SSL_REDIRECT=0
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DATABASE_URL="sqlite:///$WORK/db.sqlite3"
unset REDIS_URL

echo "Preparing a production-mode server with the shipped content"
"$PY" manage.py migrate --noinput -v0
"$PY" manage.py load_taxonomy -v0 >/dev/null
"$PY" manage.py load_case_labels -v0 >/dev/null
"$PY" manage.py create_content_loader -v0
"$PY" manage.py import_cases --publish-as content-loader fixtures/cases/ -v0 >/dev/null
"$PY" manage.py collectstatic --noinput -v0

# Two anonymous attempts, each in its own session: one open with three steps ordered, one submitted.
SEEDED=$("$PY" manage.py shell --no-imports -v0 -c "
from importlib import import_module
from django.conf import settings
from leucocases.cases import services
from leucocases.cases.models import Case
from leucocases.taxonomy.models import Cause, WorkupStep

store = import_module(settings.SESSION_ENGINE).SessionStore
case = Case.objects.get(slug='$CASE')

def seeded(steps):
    session = store()
    attempt = services.attempt_start_or_resume(case=case, user=None, session=session)
    for slug in steps:
        services.attempt_choose_step(attempt=attempt, step=WorkupStep.objects.get(slug=slug))
    session.save()
    return session.session_key, attempt

play_key, _ = seeded(['peripheral-smear', 'prior-counts', 'rbc-platelet-counts'])
report_key, done = seeded(['peripheral-smear', 'prior-counts', 'rbc-platelet-counts', 'medication-review'])
services.attempt_submit(attempt=done, diagnosis=Cause.objects.get(slug='$CAUSE'))
print(play_key, report_key, done.get_absolute_url())
" | tail -n 1)
read -r PLAY_SESSION REPORT_SESSION REPORT_PATH <<<"$SEEDED"

PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
"$ROOT/.venv/bin/gunicorn" leucocases.wsgi --workers 2 --bind "127.0.0.1:$PORT" --log-level warning &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "$BASE/" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "gunicorn did not start" >&2; exit 1; }
  sleep 0.2
done
curl -fsS -o /dev/null -H "Cookie: sessionid=$REPORT_SESSION" "$BASE$REPORT_PATH" || { echo "The seeded report is not served" >&2; exit 1; }

mkdir -p "$LIGHTHOUSE_OUT"
rm -f "$LIGHTHOUSE_OUT"/*.report.json "$LIGHTHOUSE_OUT"/*.report.html
PAGES=(
  "home|/|"
  "cause|/causes/$CAUSE/|"
  "case-play|/cases/$CASE/|$PLAY_SESSION"
  "report|$REPORT_PATH|$REPORT_SESSION"
)
for form_factor in $FORM_FACTORS; do
  preset=()
  [[ "$form_factor" == desktop ]] && preset=(--preset=desktop)
  for entry in "${PAGES[@]}"; do
    IFS='|' read -r name path session <<<"$entry"
    headers=()
    [[ -n "$session" ]] && headers=(--extra-headers "{\"Cookie\": \"sessionid=$session\"}")
    for run in $(seq 1 "$RUNS"); do
      echo "Lighthouse ($form_factor, run $run of $RUNS): $name $path"
      report="$LIGHTHOUSE_OUT/$form_factor-$name-$run"
      # On a busy machine Lighthouse sometimes fails to record its trace (NO_NAVSTART); try again.
      for attempt in 1 2 3; do
        if "$LIGHTHOUSE" "$BASE$path" "${preset[@]}" "${headers[@]}" \
          --only-categories=performance,accessibility,best-practices \
          --chrome-flags="$CHROME_FLAGS" --quiet \
          --output=json --output=html --output-path="$report" &&
          "$PY" -c 'import json, sys; sys.exit(1 if json.load(open(sys.argv[1])).get("runtimeError") else 0)' \
            "$report.report.json"; then
          break
        fi
        [[ $attempt == 3 ]] && { echo "Lighthouse failed three times on $path" >&2; exit 1; }
        echo "  (Lighthouse run failed; trying again)"
      done
    done
  done
done

"$PY" - "$LIGHTHOUSE_OUT" "$STRICT" <<'EOF'
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

out, strict = Path(sys.argv[1]), sys.argv[2] == "1"
CATEGORIES = ("performance", "accessibility", "best-practices")
runs = defaultdict(list)  # (page, form factor) -> one dict of scores per run
failed = set()
for report in sorted(out.glob("*.report.json")):
    data = json.loads(report.read_text())
    form_factor, rest = report.name.removesuffix(".report.json").split("-", 1)
    page = rest.rsplit("-", 1)[0]
    runs[(page, form_factor)].append({key: round((data["categories"][key]["score"] or 0) * 100) for key in CATEGORIES})
    for key in ("accessibility", "best-practices"):
        for ref in data["categories"][key]["auditRefs"]:
            audit = data["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                failed.add(f"  {form_factor} {page}: {key} audit failed: {ref['id']} ({audit['title']})")
if failed:
    print("\n".join(sorted(failed)))
print()
print(f"{'page':<10} {'form factor':<12} {'performance':>11} {'accessibility':>13} {'best practices':>14}  runs")
misses = []
for (page, form_factor), scores in sorted(runs.items(), key=lambda item: (item[0][1], item[0][0])):
    median = {key: round(statistics.median(run[key] for run in scores)) for key in CATEGORIES}
    perf = [run["performance"] for run in scores]
    spread = f"  {len(scores)}" + (f" (performance {min(perf)}-{max(perf)})" if len(scores) > 1 else "")
    print(
        f"{page:<10} {form_factor:<12} {median['performance']:>11} {median['accessibility']:>13}"
        f" {median['best-practices']:>14}{spread}"
    )
    if median["accessibility"] < 100 or median["performance"] < 95:
        misses.append(f"{form_factor} {page}")
print(f"\nReports: {out}/<form factor>-<page>-<run>.report.html (medians of the runs above)")
if misses:
    print("Below the goal (accessibility 100, performance >= 95): " + ", ".join(misses))
    sys.exit(1 if strict else 0)
print("Goal met: accessibility 100 and performance >= 95 on every page.")
EOF
