import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

from actions_api.checks import ensure_cache_works  # noqa: E402  (needs Django set up)

# WSGI servers run no system checks: refuse to serve with a configured cache that cannot work.
ensure_cache_works()
