"""Set up Django for a benchmark script run from the repository root (``python -m benchmarks.x``)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leucocases.settings")
    import django

    django.setup()
