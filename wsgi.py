"""WSGI entry point for production: ``gunicorn wsgi:app``.

Without LMS_ENV this is production, so a server started without its settings
(LMS_SECRET_KEY, LMS_PUBLIC_URL) refuses to start instead of quietly running with
development's defaults (no Secure cookie, no HSTS, a key from the instance folder).
"""

import gc
import os

from lms import create_app

app = create_app(LMS_ENV=os.environ.get("LMS_ENV") or "production")
# The hundreds of thousands of objects the app holds from now on (modules, mappers,
# templates, catalogs) would be walked by each full collection of the cycle collector:
# one request in about thirty took 100 ms more (the report page: 290 ms, not 160).
# Frozen, they are left out of it.
gc.collect()
gc.freeze()
