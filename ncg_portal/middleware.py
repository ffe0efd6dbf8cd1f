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


class PermissionsPolicyMiddleware:
    """Browser features the portal never uses are switched off for it and anything it embeds.
    Security keys (WebAuthn) stay allowed for the portal itself: allauth's MFA uses them."""

    POLICY = ", ".join(
        [
            "accelerometer=()",
            "autoplay=()",
            "browsing-topics=()",
            "camera=()",
            "display-capture=()",
            "geolocation=()",
            "gyroscope=()",
            "magnetometer=()",
            "microphone=()",
            "midi=()",
            "payment=()",
            "usb=()",
            "publickey-credentials-create=(self)",
            "publickey-credentials-get=(self)",
        ]
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.POLICY)
        return response


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


class SessionRefreshMiddleware:
    """Push a signed-in session's expiry on when it was last pushed over SESSION_REFRESH_SECONDS
    ago: the idle timeout (SESSION_COOKIE_AGE) holds to within that, and most page views write
    nothing to the session table (SESSION_SAVE_EVERY_REQUEST would write on every one)."""

    KEY = "_refreshed_at"

    @classmethod
    def fresh_at_sign_in(cls, sender, request, **kwargs):
        """Signing in saves the session anyway: the first minute's pages need not."""
        if request is not None and hasattr(request, "session"):
            request.session[cls.KEY] = int(time.time())

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        session = request.session
        if session.session_key and session.get("_auth_user_id") is not None:
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[self.KEY] = now  # modified: SessionMiddleware saves it, new expiry
        return self.get_response(request)


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


class InboundWebhookBodyMiddleware:
    """Email services post whole messages, attachments included, to /anymail/…/inbound/. Django
    refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default) before the view runs, so
    such a reply would be lost rather than stored. For those paths only, read bodies up to twice
    INBOUND_MAX_BYTES (room for the service's JSON or base64 encoding) here; the inbound code then
    holds anything over INBOUND_MAX_BYTES itself. Larger bodies are refused as before."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from io import BytesIO

        from django.conf import settings

        if request.method == "POST" and request.path.startswith("/anymail/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if 0 < length <= 2 * settings.INBOUND_MAX_BYTES:
                # What HttpRequest.body does, without its general size limit.
                request._body = request.read()
                request._stream = BytesIO(request._body)
        return self.get_response(request)


# Pages that are forms for changing a group: refused for a closed group even to look at, so no one
# fills in a form that cannot be saved. (Every POST is refused anyway, below.)
GROUP_FORM_PAGES = {
    "advice:letter_new",
    "advice:letter_edit",
    "meetings:add",
    "meetings:plan",
    "meetings:edit",
    "meetings:cancel",
    "meetings:written_procedure",
    "meetings:agenda",
    "meetings:paper_add",
    "meetings:papers_send",
    "meetings:attendance",
    "meetings:declare",
    "meetings:minutes_edit",
    "meetings:minutes_correct",
    "meetings:paper_version_add",
    "meetings:paper_withdraw",
    "meetings:circulation_new",
    "members:group_settings",
    "members:invite",
    "members:membership_edit",
    "members:membership_end",
    "members:close_group",
}
# What may still be asked of a closed group: making its records archive.
CLOSED_GROUP_ALLOWED_POSTS = {"records:request"}


class ClosedGroupMiddleware:
    """A closed group is read-only: any change to it (a POST under /g/<slug>/) and its form pages
    are refused with a page that says so, in the person's language, before the view runs. The
    services refuse too ("group_closed"): this is the message, they are the guarantee.

    It works in process_view, on the URL Django has already resolved: no second resolve, and no
    query unless the request is a change or a form page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.shortcuts import render

        from members.models import Group

        slug = view_kwargs.get("slug")
        if not slug or "/g/" not in request.path_info:
            return None
        name = request.resolver_match.view_name
        if request.method in ("GET", "HEAD", "OPTIONS"):
            if name not in GROUP_FORM_PAGES:
                return None
        elif name in CLOSED_GROUP_ALLOWED_POSTS:
            return None
        group = Group.objects.filter(slug=slug, status=Group.Status.CLOSED).first()
        if group is None:
            return None
        return render(request, "closed_group.html", {"closed_group": group}, status=403)
