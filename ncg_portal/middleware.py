import contextvars
import logging
import re
import time
import uuid

from django.shortcuts import redirect
from django.urls import resolve
from django.urls.exceptions import Resolver404

_request_id = contextvars.ContextVar("request_id", default="-")
log = logging.getLogger("ncg_portal.request")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = _request_id.get()
        return True


class RequestIdMiddleware:
    """Gives each request an id (or keeps a proxy's X-Request-ID), logs one line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        request.request_id = request_id
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            log.info(
                "%s %s %s %.0fms",
                request.method,
                request.path,
                response.status_code,
                (time.monotonic() - started) * 1000,
            )
            return response
        finally:
            _request_id.reset(token)


# Pages a person who must enrol in MFA may still reach.
MFA_ENROLMENT_URL_NAMES = {
    "mfa_index",
    "mfa_activate_totp",
    "mfa_generate_recovery_codes",
    "mfa_view_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_add_webauthn",
    "mfa_reauthenticate",
    "mfa_reauthenticate_webauthn",
    "mfa_list_webauthn",
    "account_reauthenticate",
    "account_logout",
    "accessibility",
    "privacy",
    "healthz",
}


class RequireMfaMiddleware:
    """Secretariat officers and chairs (and staff) reach only MFA enrolment until they enrol."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from members.permissions import must_enrol_mfa

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and must_enrol_mfa(user):
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in MFA_ENROLMENT_URL_NAMES and not request.path_info.startswith("/static/"):
                return redirect("mfa_index")
        return self.get_response(request)
