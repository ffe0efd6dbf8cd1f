"""Small helpers for content held in both languages."""

from django.conf import settings
from django.utils.translation import get_language


def current_language():
    return (get_language() or "en").split("-")[0]


def pick(english, welsh):
    """The Welsh text on Welsh pages when there is one; English otherwise."""
    if current_language() == "cy" and welsh:
        return welsh
    return english


class BilingualMixin:
    """`obj.name` reads `name_en` or `name_cy` for the active language.

    Models list their bilingual field stems in `bilingual_fields`.
    """

    bilingual_fields: tuple[str, ...] = ()

    def __getattr__(self, item):
        if item in type(self).bilingual_fields:
            return pick(getattr(self, f"{item}_en"), getattr(self, f"{item}_cy"))
        raise AttributeError(item)


def remember_language(response, language):
    """Set the language cookie, so a visit to "/" lands in the person's language."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response
