import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leucocases.settings")
# This process serves web requests: settings.py gives its database connections
# statement and lock time-outs, which management commands must not have.
os.environ["LEUCOCASES_WEB"] = "1"
application = get_wsgi_application()
