"""edrops' settings plus the baseline endpoint the ingest benchmark compares against."""

from edrops.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.ingest"]  # noqa: F405
ROOT_URLCONF = "bench.ingest.urls"
