"""The database is down (Postgres restarting, failing over, unreachable): pages answer a plain
503 "Sorry, the service is unavailable" in the visitor's language, with Retry-After, instead of
a 500 or a traceback; the portal recovers by itself when the database is back (persistent
connections are health-checked before use, CONN_HEALTH_CHECKS in settings).

Django turns an exception into a response at the middleware layer where it happens, so an outage
noticed while reading the session, the user, a view's queries or saving the session arrives here
as an ordinary 500 response. The `got_request_exception` signal, sent with the exception in hand,
marks the request; the middleware then answers 503 in place of that response. It sits outside
every middleware that may read the session or the user, and renders its page with no request
context: nothing on the way out asks the database again.

/healthz keeps its own JSON 503 (ncg_portal/views.py): it catches the error itself.
"""

import logging
import sys

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.signals import got_request_exception
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.csp import CSP, build_policy

from ncg_portal.context_processors import _switch_language

from .middleware import PermissionsPolicyMiddleware

log = logging.getLogger("ncg_portal.outage")

# What psycopg raises, through Django's wrappers, when the server cannot be reached, is shutting
# down or starting up, or dropped the connection (and for lock and statement timeouts, which are
# just as temporary).
OUTAGE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def is_database_outage(error):
    """True when `error`, or an exception it was raised from or while handling, is one of
    OUTAGE_ERRORS."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OUTAGE_ERRORS):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _note_outage(sender, request=None, **kwargs):
    """Sent by Django while it handles an exception raised during a request."""
    if request is None or not is_database_outage(sys.exc_info()[1]):
        return
    request.database_outage = True
    # The rest of this request is anonymous: the 500 handler's page must not try to look the
    # person up in the database again (and fail again, at each middleware layer in turn).
    request.user = AnonymousUser()


got_request_exception.connect(_note_outage, dispatch_uid="ncg_portal.outage")


def outage_response(request):
    """The 503 page, in the language of the URL (or the cookie, or the browser), rendered
    with no request context and so without the database."""
    language = translation.get_language_from_request(request, check_path=True)
    here = request.get_full_path()
    with translation.override(language):
        html = render_to_string(
            "503.html",
            {
                "service_name": settings.SERVICE_NAME,
                "language_links": [
                    {
                        "code": code,
                        "name": name,
                        "url": _switch_language(here, code),
                        "current": code == language,
                    }
                    for code, name in settings.LANGUAGES
                ],
            },
        )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Content-Language"] = language
    add_never_cache_headers(response)
    # The middleware that set these on other pages are inside this one.
    response["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    if settings.SECURE_CSP:
        response[CSP.HEADER_ENFORCE] = build_policy(settings.SECURE_CSP)
    response["Permissions-Policy"] = PermissionsPolicyMiddleware.POLICY
    return response


class DatabaseOutageMiddleware:
    """Answers 503 (outage_response) for a request that failed because the database could not
    be used. Place it before SessionMiddleware, after SecurityMiddleware and WhiteNoise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except Exception as error:
            # Only when an error handler itself failed; anything else is not ours to answer.
            if not is_database_outage(error):
                raise
            request.database_outage = True
        if getattr(request, "database_outage", False):
            log.warning("Database unavailable: %s %s answered 503", request.method, request.path)
            return outage_response(request)
        return response
