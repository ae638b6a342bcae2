"""Production's static storage keeps each file's URL per worker (``leucocases.staticstorage``):
the URLs are the manifest's, exactly as whitenoise's storage writes them, and a name the
manifest lacks still fails every time, and is never kept."""

from __future__ import annotations

import json

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from leucocases.staticstorage import KeptURLStaticFilesStorage

PATHS = {"css/site.css": "css/site.0123456789ab.css", "img/favicon.svg": "img/favicon.ba9876543210.svg"}


@pytest.fixture
def storages(tmp_path, settings):
    settings.DEBUG = False  # hashed names are served only outside DEBUG
    (tmp_path / "staticfiles.json").write_text(json.dumps({"paths": PATHS, "version": "1.1", "hash": "0"}))
    return (
        KeptURLStaticFilesStorage(location=tmp_path, base_url="/static/"),
        CompressedManifestStaticFilesStorage(location=tmp_path, base_url="/static/"),
    )


def test_each_url_is_the_one_whitenoise_writes_every_time(storages):
    kept, plain = storages
    for _ in range(3):
        assert [kept.url(name) for name in PATHS] == [plain.url(name) for name in PATHS]
    assert kept.url("css/site.css") == "/static/css/site.0123456789ab.css"
    assert kept.url("img/favicon.svg") == "/static/img/favicon.ba9876543210.svg"


def test_a_file_the_manifest_lacks_fails_each_time_and_is_not_kept(storages):
    kept, _ = storages
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            kept.url("css/missing.css")
    kept.url("css/site.css")
    assert list(kept._kept_urls) == ["css/site.css"]
