"""WSGI entry point (gunicorn noteinvest.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noteinvest.settings")
application = get_wsgi_application()
