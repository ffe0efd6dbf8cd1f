from django.conf import settings
from django.urls import translate_url

from ncg_portal.i18n import current_language


def _switch_language(path, code):
    """The same page in the other language. translate_url() leaves a path it cannot resolve
    (a 404 page) unchanged, so swap the language prefix ourselves then."""
    url = translate_url(path, code)
    if url == path:
        for other, _name in settings.LANGUAGES:
            prefix = f"/{other}/"
            if path.startswith(prefix):
                return f"/{code}/" + path[len(prefix) :]
    return url


def portal(request):
    """Service name, the language switch targets and the groups for the switcher."""
    here = request.get_full_path()
    lang = current_language()
    context = {
        "service_name": settings.SERVICE_NAME,
        "language_links": [
            {
                "code": code,
                "name": name,
                "url": _switch_language(here, code),
                "current": code == lang,
            }
            for code, name in settings.LANGUAGES
        ],
    }
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match else ""
    if url_name == "account_login":
        context["nav"] = "signin"
    elif url_name and url_name.startswith(("account_", "mfa_")):
        context["nav"] = "profile"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from members.permissions import visible_groups

        context["my_groups"] = visible_groups(user)
    return context
