"""The browser every Playwright run here drives: Debian's Chromium, headless, with these flags.

The browser tests (conftest.py) and scripts/screenshots.py both launch it this way; this
module imports nothing, so the script can use it outside pytest.
"""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")  # `playwright install` cannot download here
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
