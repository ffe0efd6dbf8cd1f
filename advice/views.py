from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.models import Role
from members.pages import group_page_context
from members.permissions import (
    can_keep_records,
    can_manage_membership,
    current_roles,
    get_group_for,
)
from ncg_portal.audit import record_access
from ncg_portal.concurrency import Conflict, conflict_summary, show_conflict
from ncg_portal.models import RecordAccess

from . import services
from .forms import ApproveLetterForm, IssueLetterForm, LetterCommentForm, LetterForm
from .models import Letter
from .permissions import (
    can_approve_letter,
    can_comment_on_letter,
    can_draft_letters,
    get_letter_for,
    has_code_authenticator,
    recently_confirmed_with_mfa,
)
from .sources import letter_history, sources_panel
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


def _letter_form(request, group, *, letter=None, initial=None):
    return LetterForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        group=group,
        has_signature=bool(letter and letter.signature),
        editing=letter is not None,
        initial=initial,
    )


def _form_page(request, group, form, *, letter=None, status=200, **extra):
    """The editor, with the chosen meetings' minutes and circulations' summaries beside it."""
    chosen_meetings = _chosen(form, "meetings")
    chosen_circulations = _chosen(form, "circulations")
    return render(
        request,
        "advice/letter_form.html",
        _context(
            request,
            group,
            form=form,
            letter=letter,
            sources=sources_panel(chosen_meetings, chosen_circulations),
            **extra,
        ),
        status=status,
    )


def _chosen(form, name):
    """What the form has ticked: from the posted data, else from its initial values."""
    field = form.fields[name]
    if form.is_bound:
        value = form.data.getlist(name) if hasattr(form.data, "getlist") else []
        try:
            return list(field.queryset.filter(pk__in=[int(v) for v in value]))
        except ValueError:
            return []
    return list(form.initial.get(name) or [])


@login_required
def letter_new(request, slug):
    """A new draft. ?circulation=ID or ?meeting=ID (from a summary or minutes page) ticks that
    source, so its summary or minutes are beside the editor from the start."""
    group = _drafting_group(request, slug)
    chair = services.chair_of(group)
    initial = {
        "letter_date": timezone.localdate(),
        "addressee_en": group.advises_en,
        "addressee_cy": group.advises_cy,
        "salutation_en": "Dear Cabinet Secretary,",
        "salutation_cy": "Annwyl Ysgrifennydd y Cabinet,",
        "closing_en": "Yours sincerely,",
        "closing_cy": "Yn gywir,",
        "signatory_name": chair.display_name if chair else "",
        "signatory_role_en": "Chair, " + group.name_en,
        "signatory_role_cy": "Cadeirydd, " + group.name_cy,
        "meetings": _preselected(request, group.meetings, "meeting"),
        "circulations": _preselected(request, group.circulations, "circulation"),
    }
    form = _letter_form(request, group, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            letter = services.create_letter(
                group=group, created_by=request.user, texts=form.texts(), **form.details()
            )
            services.set_sources(
                letter=letter,
                meetings=form.cleaned_data["meetings"],
                circulations=form.cleaned_data["circulations"],
                by=request.user,
            )
        except services.LetterError:
            form.add_error(None, _("The group needs a chair to sign its letters."))
        else:
            messages.success(request, _("The letter has been saved as a draft."))
            return redirect("advice:letter", group.slug, letter.pk)
    return _form_page(request, group, form)


def _preselected(request, queryset, name):
    value = request.GET.get(name, "")
    return list(queryset.filter(pk=int(value))) if value.isdigit() else []


@login_required
def letter_edit(request, slug, pk):
    # What the editor starts from, read before the letter itself (so the form never shows less
    # than it claims): if someone else saves before this person does, they are told who and
    # what, and nothing is overwritten.
    token = services.letter_edit_token(Letter(pk=pk))
    group, letter = get_letter_for(request.user, slug, pk)
    if not can_draft_letters(request.user, group) or letter.status in (
        Letter.Status.ISSUED,
        Letter.Status.PUBLISHED,
    ):
        raise Http404
    version = letter.current
    initial = {
        **{name: getattr(letter, name) for name in LetterForm.DETAIL_FIELDS},
        **version.texts(),
        "meetings": list(letter.meetings.all()),
        "circulations": list(letter.circulations.all()),
        "started_from": token,
    }
    form = _letter_form(request, group, letter=letter, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.edit_letter(
                letter=letter,
                by=request.user,
                texts=form.texts(),
                details=form.details(),
                meetings=form.cleaned_data["meetings"],
                circulations=form.cleaned_data["circulations"],
                started_from=form.cleaned_data["started_from"],
            )
        except services.LetterError as error:
            if str(error) != "changed_since":
                raise
            return _letter_changed_since(request, group, form, letter.pk)
        if saved.number != version.number:
            messages.success(request, _("Saved as version %(number)s.") % {"number": saved.number})
        else:
            messages.success(request, _("The letter has been saved."))
        return redirect("advice:letter", group.slug, letter.pk)
    return _form_page(request, group, form, letter=letter)


def _letter_changed_since(request, group, form, pk):
    """The editor again (409), the person's input kept (all but a signature image they chose):
    who changed the letter since they opened it, and when, what is saved now where it differs,
    and a fresh token to save with."""
    started_from = form.cleaned_data["started_from"]
    token = services.letter_edit_token(Letter(pk=pk))
    letter = Letter.objects.select_related("group").get(pk=pk)
    conflict = services.letter_conflict(letter, started_from) or Conflict(known_start=False)
    summary = conflict_summary(
        conflict,
        named=_(
            "%(name)s changed this letter on %(when)s, after you opened this page. Nothing "
            "you entered has been saved: check what is saved now, then save again."
        ),
        unnamed=_(
            "Someone changed this letter on %(when)s, after you opened this page. Nothing "
            "you entered has been saved: check what is saved now, then save again."
        ),
    )
    saved_now = show_conflict(form, conflict, token=token, summary=summary)
    number = services.parse_edit_token(started_from)[1]
    words_changed = conflict.known_start and number != letter.current.number
    return _form_page(
        request,
        group,
        form,
        letter=letter,
        status=409,
        saved_now=saved_now,
        compare_url=(
            reverse("advice:letter_compare", args=[group.slug, letter.pk])
            + "?"
            + urlencode({"from": number, "to": letter.current.number})
            if words_changed
            else None
        ),
    )


def _detail_page(request, group, letter, *, approve_form=None, issue_form=None, status=200):
    version = letter.current
    roles = current_roles(request.user, group)
    can_approve = can_approve_letter(request.user, letter, roles=roles)
    can_draft = can_draft_letters(request.user, group, roles=roles)
    if can_draft and issue_form is None and letter.status == Letter.Status.APPROVED:
        issue_form = IssueLetterForm(initial={"to_email": group.advises_email})
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
            can_comment=can_comment_on_letter(request.user, letter, roles=roles),
            can_approve=can_approve,
            approve_form=approve_form
            or (ApproveLetterForm(user=request.user) if can_approve else None),
            code_approval=can_approve and has_code_authenticator(request.user),
            issue_form=issue_form,
            versions=letter.versions.select_related("saved_by"),
            # Only those who see the panel (the template's test): members are not shown the
            # draft minutes and others' responses it lists, so it is not read for them.
            sources=sources_panel(
                letter.meetings.all(), letter.circulations.select_related("group")
            )
            if can_keep_records(request.user, group, roles=roles) or Role.CHAIR in roles
            else None,
            held=(
                letter.inbound_messages.filter(status="held").select_related("person")
                if can_manage_membership(request.user, group, roles=roles)
                else []
            ),
            history=letter_history(letter),
        ),
        status=status,
    )


def _note_draft_read(request, group, letter, how):
    """Unpublished words are read by few: each reading goes in the audit log."""
    if letter.status != Letter.Status.PUBLISHED:
        record_access(
            group=group,
            person=request.user,
            what=RecordAccess.What.LETTER_DRAFT_VIEWED,
            subject=f"letter {letter.pk}, {how}",
        )


@login_required
def letter_detail(request, slug, pk):
    group, letter = get_letter_for(request.user, slug, pk)
    _note_draft_read(request, group, letter, "page")
    return _detail_page(request, group, letter)


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
            "bad_address": _("Enter an email address like name@example.org."),
            "group_closed": _("The group has closed: its letters can no longer change."),
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
    """The chair approves with a fresh second factor: a code from their authenticator app (or a
    recovery code), or, for a security key, having confirmed it's them in the last few minutes."""
    group, letter = get_letter_for(request.user, slug, pk)
    if not can_approve_letter(request.user, letter):
        raise Http404
    if has_code_authenticator(request.user):
        form = ApproveLetterForm(request.POST, user=request.user)
        if not form.is_valid():
            return _detail_page(request, group, letter, approve_form=form, status=400)
        form.save()  # records the second factor in the session, as allauth's own pages do
    elif not recently_confirmed_with_mfa(request):
        # A security key cannot type a code: allauth's page asks for it, then brings them back.
        messages.info(request, _("Confirm it's you with your security key, then approve."))
        return redirect(
            reverse("mfa_reauthenticate")
            + "?"
            + urlencode({"next": reverse("advice:letter", args=[group.slug, letter.pk])})
        )
    return _act(
        request,
        slug,
        pk,
        lambda letter: services.approve_letter(letter=letter, approved_by=request.user),
        _("The letter is approved."),
    )


@login_required
@require_POST
def letter_issue(request, slug, pk):
    group = _drafting_group(request, slug)
    group, letter = get_letter_for(request.user, group.slug, pk)
    form = IssueLetterForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, group, letter, issue_form=form, status=400)
    return _act(
        request,
        slug,
        pk,
        lambda letter: services.issue_letter(
            letter=letter, to_email=form.cleaned_data["to_email"], issued_by=request.user
        ),
        _("The letter has been sent to %(address)s with the PDF attached.")
        % {"address": form.cleaned_data["to_email"]},
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
    _note_draft_read(request, group, letter, f"PDF ({language})")
    response = HttpResponse(letter_pdf(letter, language), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{letter_filename(letter, language)}"'
    response["Cache-Control"] = "private, no-store"
    return response
