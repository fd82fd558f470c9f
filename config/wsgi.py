"""WSGI entry point (gunicorn ``config.wsgi``); the garbage collector is tuned once the app is loaded."""

import os

from django.core.wsgi import get_wsgi_application

from hocbaso.core import gc_tuning

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
gc_tuning.tune()
