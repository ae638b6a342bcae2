import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leucocases.settings")
# As in wsgi.py: web requests get the database time-outs, management commands do not.
os.environ["LEUCOCASES_WEB"] = "1"
application = get_asgi_application()
