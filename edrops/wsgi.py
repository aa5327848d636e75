import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edrops.settings")
application = get_wsgi_application()

# Load every URLconf, view and serializer module while the worker boots, not on the first
# request it serves (~0.2 s on this machine, for the first dispatch each worker accepts).
get_resolver().reverse_dict  # noqa: B018
