"""Static file storage: whitenoise's hashed, compressed files, with each
file's URL remembered once worked out.

A page names about ten static files, and the manifest storage works out each
URL (a manifest look-up and a urljoin) every time it is asked: on a page
rendered per request that is a measurable share of its time. The manifest
does not change while a process runs (a deploy starts new processes), so
neither do the URLs.
"""

import functools

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        return self._remembered_url(name)

    @functools.cache  # noqa: B019 - one storage per process, a bounded set of names
    def _remembered_url(self, name):
        return super().url(name)
