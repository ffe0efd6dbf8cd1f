"""Sign-in events in the log (ASVS V7.2.1): who signed in or out, and failed attempts, with the
request id and the client address; never a password or a code."""

import logging

log = logging.getLogger("ncg_portal.security")


def _client(request):
    if request is None:
        return "-"
    return request.META.get("REMOTE_ADDR", "-")


def signed_in(sender, request, user, **kwargs):
    log.info("sign-in person=%s from=%s", user.pk, _client(request))


def signed_out(sender, request, user, **kwargs):
    log.info("sign-out person=%s from=%s", getattr(user, "pk", "-"), _client(request))


def sign_in_failed(sender, credentials, request=None, **kwargs):
    # Django passes the credentials with secrets already masked; only the login name is kept.
    login = credentials.get("email") or credentials.get("username") or credentials.get("login")
    log.warning("sign-in failed login=%r from=%s", login, _client(request))


def connect():
    from django.contrib.auth import signals

    signals.user_logged_in.connect(signed_in, dispatch_uid="ncg_security_signed_in")
    signals.user_logged_out.connect(signed_out, dispatch_uid="ncg_security_signed_out")
    signals.user_login_failed.connect(sign_in_failed, dispatch_uid="ncg_security_failed")
