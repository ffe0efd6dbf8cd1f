"""What the public sees of a group's advice: its published letters, as HTML, PDF and a feed."""

from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from members.models import Group
from ncg_portal.i18n import current_language

from .models import Letter
from .pdf import letter_filename, letter_pdf
from .text import render_markdown


def _published(slug):
    group = get_object_or_404(Group, slug=slug)
    letters = group.letters.filter(status=Letter.Status.PUBLISHED).select_related(
        "approved_version"
    )
    return group, letters.order_by("-letter_date", "-published_at")


def _pdf_size(letter, language):
    key = f"letter-pdf-size:{letter.pk}:{letter.approved_version_id}:{language}"
    return cache.get_or_set(key, lambda: len(letter_pdf(letter, language)), 7 * 24 * 3600)


def published_letters(request, slug):
    group, letters = _published(slug)
    return render(
        request,
        "advice/public_letters.html",
        {"group": group, "letters": letters, "nav": "public"},
    )


def published_letter(request, slug, pk):
    group, letters = _published(slug)
    letter = get_object_or_404(letters, pk=pk)
    language = current_language()
    version = letter.approved_version
    return render(
        request,
        "advice/public_letter.html",
        {
            "group": group,
            "letter": letter,
            "version": version,
            "body": render_markdown(version.body),
            "pdf_size": _pdf_size(letter, language),
            "nav": "public",
        },
    )


def published_letter_pdf(request, slug, pk):
    group, letters = _published(slug)
    letter = get_object_or_404(letters, pk=pk)
    language = current_language()
    response = HttpResponse(letter_pdf(letter, language), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{letter_filename(letter, language)}"'
    return response


class PublishedLettersFeed(Feed):
    """Atom feed of a group's published letters, in the language of its URL."""

    feed_type = Atom1Feed

    def get_object(self, request, slug):
        return _published(slug)

    def title(self, obj):
        group, _letters = obj
        return _("Letters of advice from %(group)s") % {"group": group.name}

    def link(self, obj):
        return reverse("advice:public_letters", args=[obj[0].slug])

    def subtitle(self, obj):
        return _("Advice to %(addressee)s, published in English and Welsh") % {
            "addressee": obj[0].advises
        }

    def items(self, obj):
        return obj[1][:50]

    def item_title(self, letter):
        return letter.approved_version.title

    def item_description(self, letter):
        return render_markdown(letter.approved_version.body)

    def item_link(self, letter):
        return reverse("advice:public_letter", args=[letter.group.slug, letter.pk])

    def item_pubdate(self, letter):
        return letter.published_at

    def item_author_name(self, letter):
        return letter.signatory_name
