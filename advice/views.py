from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.pages import group_page_context
from members.permissions import get_group_for

from . import services
from .forms import LetterCommentForm, LetterForm
from .models import Letter
from .permissions import (
    can_approve_letter,
    can_comment_on_letter,
    can_draft_letters,
    get_letter_for,
)
from .text import render_markdown, word_diff


def _context(request, group, **extra):
    context = group_page_context(request, group, "letters", **extra)
    context["can_draft"] = can_draft_letters(request.user, group, roles=context["my_roles"])
    return context


@login_required
def letter_list(request, slug):
    group = get_group_for(request.user, slug)
    context = _context(request, group)
    letters = group.letters.prefetch_related("versions")
    if not context["can_draft"]:
        letters = letters.exclude(status=Letter.Status.DRAFT)
    context["letters"] = letters
    return render(request, "advice/letter_list.html", context)


def _drafting_group(request, slug):
    group = get_group_for(request.user, slug)
    if not can_draft_letters(request.user, group):
        raise Http404
    return group


@login_required
def letter_new(request, slug):
    group = _drafting_group(request, slug)
    form = LetterForm(
        request.POST if request.method == "POST" else None,
        initial={
            "salutation_en": "Dear Cabinet Secretary,",
            "salutation_cy": "Annwyl Ysgrifennydd y Cabinet,",
            "closing_en": "Yours sincerely,",
            "closing_cy": "Yn gywir,",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            letter = services.create_letter(
                group=group,
                created_by=request.user,
                texts=form.texts(),
                letter_date=form.cleaned_data["letter_date"],
            )
        except services.LetterError:
            form.add_error(None, _("The group needs a chair to sign its letters."))
        else:
            messages.success(request, _("The letter has been saved as a draft."))
            return redirect("advice:letter", group.slug, letter.pk)
    return render(request, "advice/letter_form.html", _context(request, group, form=form))


@login_required
def letter_detail(request, slug, pk):
    group, letter = get_letter_for(request.user, slug, pk)
    version = letter.current
    return render(
        request,
        "advice/letter_detail.html",
        _context(
            request,
            group,
            letter=letter,
            version=version,
            body_en=render_markdown(version.body_en),
            body_cy=render_markdown(version.body_cy),
            comments=letter.comments.select_related("person", "version"),
            comment_form=LetterCommentForm(),
            can_comment=can_comment_on_letter(request.user, letter),
            can_approve=can_approve_letter(request.user, letter),
            versions=letter.versions.select_related("saved_by"),
            sources={"meetings": letter.meetings.all(), "circulations": letter.circulations.all()},
        ),
    )


@login_required
def letter_edit(request, slug, pk):
    group, letter = get_letter_for(request.user, slug, pk)
    if not can_draft_letters(request.user, group) or letter.status in (
        Letter.Status.ISSUED,
        Letter.Status.PUBLISHED,
    ):
        raise Http404
    version = letter.current
    form = LetterForm(
        request.POST if request.method == "POST" else None,
        initial={"letter_date": letter.letter_date, **version.texts()},
    )
    if request.method == "POST" and form.is_valid():
        saved = services.save_letter(letter=letter, saved_by=request.user, texts=form.texts())
        if form.cleaned_data["letter_date"] != letter.letter_date:
            services.set_letter_date(
                letter=letter, letter_date=form.cleaned_data["letter_date"], by=request.user
            )
        if saved.number != version.number:
            messages.success(request, _("Saved as version %(number)s.") % {"number": saved.number})
        return redirect("advice:letter", group.slug, letter.pk)
    return render(
        request, "advice/letter_form.html", _context(request, group, form=form, letter=letter)
    )


@login_required
def letter_compare(request, slug, pk):
    group, letter = get_letter_for(request.user, slug, pk)
    versions = {v.number: v for v in letter.versions.all()}
    try:
        old = versions[int(request.GET.get("from", 0))]
        new = versions[int(request.GET.get("to", 0))]
    except (KeyError, ValueError):
        latest = max(versions)
        old, new = versions.get(latest - 1, versions[latest]), versions[latest]
    fields = [
        (_("Title"), "title"),
        (_("Salutation"), "salutation"),
        (_("Letter"), "body"),
        (_("Closing"), "closing"),
    ]
    diffs = [
        (
            label,
            language,
            word_diff(getattr(old, f"{name}_{language}"), getattr(new, f"{name}_{language}")),
        )
        for label, name in fields
        for language in ("en", "cy")
    ]
    return render(
        request,
        "advice/letter_compare.html",
        _context(
            request,
            group,
            letter=letter,
            old=old,
            new=new,
            diffs=diffs,
            numbers=sorted(versions, reverse=True),
        ),
    )


def _act(request, slug, pk, action, done):
    group, letter = get_letter_for(request.user, slug, pk)
    try:
        action(letter)
    except services.LetterError as error:
        refusals = {
            "welsh_missing": _("Publishing needs the Welsh text as well as the English."),
            "not_chair": _("Only the chair can approve the letter."),
        }
        messages.error(request, refusals.get(str(error), _("The letter cannot move on from here.")))
    else:
        messages.success(request, done)
    return redirect("advice:letter", group.slug, letter.pk)


@login_required
@require_POST
def letter_review(request, slug, pk):
    group = _drafting_group(request, slug)
    return _act(
        request,
        group.slug,
        pk,
        lambda letter: services.send_for_review(letter=letter, sent_by=request.user),
        _("The letter is with members for review."),
    )


@login_required
@require_POST
def letter_approve(request, slug, pk):
    group, letter = get_letter_for(request.user, slug, pk)
    if not can_approve_letter(request.user, letter):
        raise Http404
    return _act(
        request,
        slug,
        pk,
        lambda letter: services.approve_letter(letter=letter, approved_by=request.user),
        _("The letter is approved."),
    )


@login_required
@require_POST
def letter_publish(request, slug, pk):
    group = _drafting_group(request, slug)
    return _act(
        request,
        group.slug,
        pk,
        lambda letter: services.publish_letter(letter=letter, published_by=request.user),
        _("The letter is published in English and Welsh."),
    )


@login_required
@require_POST
def letter_restore(request, slug, pk, number):
    group = _drafting_group(request, slug)
    return _act(
        request,
        group.slug,
        pk,
        lambda letter: services.restore_version(
            letter=letter, number=number, restored_by=request.user
        ),
        _("The older version has been restored as the newest version."),
    )


@login_required
@require_POST
def letter_comment(request, slug, pk):
    group, letter = get_letter_for(request.user, slug, pk)
    if not can_comment_on_letter(request.user, letter):
        raise Http404
    form = LetterCommentForm(request.POST)
    if form.is_valid():
        services.comment_on_letter(
            letter=letter, person=request.user, body=form.cleaned_data["body"]
        )
        messages.success(request, _("Thank you. Your comment has been added."))
    else:
        messages.error(request, _("Enter your comment."))
    return redirect("advice:letter", group.slug, letter.pk)


@login_required
def letter_download(request, slug, pk):
    """The letter as a PDF in the page's language: DRAFT-marked until approved."""
    from django.http import HttpResponse

    from ncg_portal.i18n import current_language

    from .pdf import letter_filename, letter_pdf

    group, letter = get_letter_for(request.user, slug, pk)
    language = current_language()
    response = HttpResponse(letter_pdf(letter, language), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{letter_filename(letter, language)}"'
    response["Cache-Control"] = "private, no-store"
    return response
