"""Production's static files storage, with each file's URL worked out once per worker.

whitenoise's storage finds a file's hashed name in the manifest and joins it
to ``STATIC_URL`` on every ``{% static %}``: about 40 µs each, and the base
template alone has eight, on every page (a tenth of a signed-in cause page's
time). The manifest is read when the worker starts and does not change while
it runs, so neither does any URL built from it.

Only names the manifest holds are kept (a missing name raises, as before,
and is never stored), so the memory is bounded by the manifest.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class KeptURLStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._kept_urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force=True)
        try:
            return self._kept_urls[name]
        except KeyError:
            url = self._kept_urls[name] = super().url(name)
            return url

    def post_process(self, *args, **kwargs):
        # collectstatic rewrites the manifest: URLs worked out before it are stale.
        self._kept_urls.clear()
        yield from super().post_process(*args, **kwargs)
        self._kept_urls.clear()
