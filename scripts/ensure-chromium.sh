#!/usr/bin/env bash
# Browser tests need Chromium. Playwright cannot download its own browser here,
# so use Debian's package: install it when missing and we are root, otherwise
# say exactly how to get it. Never skip the browser tests silently.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Chromium is missing: installing Debian's chromium package (about 20 s)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  command -v chromium >/dev/null && exit 0
fi
echo "The browser tests need Chromium at /usr/bin/chromium." >&2
echo "Install it with:  sudo apt-get install -y chromium   then run 'make test' again." >&2
exit 1
