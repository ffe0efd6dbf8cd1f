from allauth.account.utils import perform_login
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from ncg_portal.i18n import remember_language

from . import services
from .forms import (
    CloseGroupForm,
    DeactivateForm,
    EndMembershipForm,
    GroupSettingsForm,
    InvitationForm,
    MembershipForm,
    ProfileForm,
    SetPasswordForm,
)
from .models import Group, Membership, Organisation, Person, Role
from .pages import group_page_context
from .permissions import (
    current_memberships,
    get_group_for,
    get_managed_group,
    get_records_group,
    requires_mfa,
    visible_groups,
)
from .visits import last_visit, new_since_moment, note_visit


def home(request):
    if not request.user.is_authenticated:
        groups = Group.objects.all().order_by("name_en")
        return render(request, "members/home_public.html", {"groups": groups, "nav": "public"})
    groups = visible_groups(request.user)
    if len(groups) == 1:
        return redirect("members:dashboard", groups[0].slug)
    from meetings.selectors import groups_overview

    return render(
        request,
        "members/home.html",
        {"overview": groups_overview(request.user, groups), "nav": "home"},
    )


@login_required
@require_GET
def switch_group(request):
    group = get_group_for(request.user, request.GET.get("group", ""))
    return redirect("members:dashboard", group.slug)


@login_required
def dashboard(request, slug):
    group = get_group_for(request.user, slug)
    today = timezone.localdate()
    context = group_page_context(request, group, "dashboard")
    next_meeting = (
        group.meetings.filter(ends_at__gte=timezone.now(), status__in=["planned", "confirmed"])
        .order_by("starts_at")
        .first()
    )
    if context["can_manage"] or Role.CHAIR in context["my_roles"]:
        from meetings.planning import check_rules
        from meetings.services import quorum_warning

        context["rule_checks"] = check_rules(group)
        # Close to the meeting without a quorum saying yes: offer the written procedure.
        context["quorum_warning"] = next_meeting is not None and quorum_warning(next_meeting)
    from meetings.selectors import actions_due, new_since_counts, unopened_papers

    # The first visit has nothing to compare with: the panel offers the last 30 days instead.
    visit = note_visit(request.user, group)
    since, first_visit = new_since_moment(visit)
    context["whats_new"] = {
        "since": since,
        "first_visit": first_visit,
        "counts": None if visit.created else new_since_counts(request.user, group, since),
    }
    phases = list(group.phases.all())
    voting = group.memberships.current().filter(role__in=Membership.VOTING_ROLES).count()
    context.update(
        unopened_papers=unopened_papers(request.user, group),
        actions_due=actions_due(request.user, group),
        next_meeting=next_meeting,
        next_attendance=next_meeting.attendances.filter(person=request.user).first()
        if next_meeting
        else None,
        my_memberships=[m for m in current_memberships(request.user) if m.group_id == group.pk],
        phases=phases,
        current_phase=next(
            (
                p
                for p in reversed(phases)  # ordered by start: the latest one begun and not ended
                if p.starts_on <= today and (p.ends_on is None or p.ends_on >= today)
            ),
            None,
        ),
        workstreams=group.workstreams.all(),
        member_count=voting,
        quorum=group.quorum(voting),
    )
    return render(request, "members/dashboard.html", context)


@login_required
def whats_new(request, slug):
    """What changed in the group since the person's last visit (the last 30 days on a first)."""
    group = get_group_for(request.user, slug)
    from meetings.selectors import new_since

    since, first_visit = new_since_moment(last_visit(request.user, group))
    context = group_page_context(request, group, "dashboard")
    news = new_since(request.user, group, since)
    context.update(
        since=since,
        first_visit=first_visit,
        news=news,
        nothing_new=not any(news.values()),
    )
    return render(request, "members/whats_new.html", context)


@login_required
def group_settings(request, slug):
    """The secretariat sets how meetings run: deputies and the quorum."""
    group = get_managed_group(request.user, slug)
    form = GroupSettingsForm(
        request.POST or None,
        request.FILES or None,
        has_logo=bool(group.logo),
        initial={
            "allows_deputies": group.allows_deputies,
            "quorum_rule": group.quorum_rule,
            "quorum_number": group.quorum_number,
            "advises_email": group.advises_email,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_group_settings(
                group=group,
                changed_by=request.user,
                reason=form.cleaned_data["reason"],
                **form.settings(),
            )
        except services.MembershipError as error:
            if str(error) != "quorum_number_needed":
                raise Http404 from error
            form.add_error(
                "quorum_number", _("Enter the number of members needed for a quorum, 1 or more.")
            )
        else:
            messages.success(request, _("The group's settings have been saved."))
            return redirect("members:dashboard", group.slug)
    context = group_page_context(request, group, "dashboard")
    context.update(form=form)
    return render(request, "members/group_settings.html", context)


@login_required
def members_list(request, slug):
    group = get_group_for(request.user, slug)
    context = group_page_context(request, group, "members")
    current = (
        group.memberships.current().select_related("person", "organisation").ordered_for_display()
    )
    context["memberships"] = current
    if context["can_manage"]:
        context["past_memberships"] = (
            group.memberships.exclude(pk__in=current.values("pk"))
            .select_related("person", "organisation")
            .order_by("-ends_on", "person__full_name")
        )
    return render(request, "members/members_list.html", context)


@login_required
def invite(request, slug):
    group = get_managed_group(request.user, slug)
    form = InvitationForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_person(group=group, invited_by=request.user, **form.cleaned_data)
        except services.MembershipError:
            form.add_error("email", _("This person is already a member of this group."))
        else:
            messages.success(
                request,
                _("%(name)s has been invited. The invitation email is on its way.")
                % {"name": form.cleaned_data["full_name"]},
            )
            return redirect("members:members", group.slug)
    context = group_page_context(request, group, "members")
    context.update(form=form, invitation_days=settings.INVITATION_VALID_DAYS)
    return render(request, "members/invite.html", context)


def _managed_membership(request, slug, pk):
    group = get_managed_group(request.user, slug)
    membership = get_object_or_404(Membership.objects.select_related("person"), pk=pk, group=group)
    return group, membership


@login_required
def membership_edit(request, slug, pk):
    group, membership = _managed_membership(request, slug, pk)
    form = MembershipForm(request.POST or None, instance=membership)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in MembershipForm.Meta.fields}
        # Reload the stored row: the form has already written its values onto `membership`.
        stored = Membership.objects.get(pk=membership.pk)
        services.update_membership(membership=stored, reason=form.cleaned_data["reason"], **changes)
        messages.success(request, _("The membership has been updated."))
        return redirect("members:members", group.slug)
    context = group_page_context(request, group, "members")
    context.update(form=form, membership=membership)
    return render(request, "members/membership_edit.html", context)


@login_required
def membership_end(request, slug, pk):
    group, membership = _managed_membership(request, slug, pk)
    if membership.ends_on is not None:
        raise Http404
    form = EndMembershipForm(
        request.POST or None, membership=membership, initial={"ends_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        services.end_membership(
            membership=membership,
            ends_on=form.cleaned_data["ends_on"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            request,
            _("%(name)s's membership has been ended.") % {"name": membership.person.display_name},
        )
        return redirect("members:members", group.slug)
    context = group_page_context(request, group, "members")
    context.update(form=form, membership=membership)
    return render(request, "members/membership_end.html", context)


@login_required
def profile(request):
    memberships = (
        Membership.objects.filter(person=request.user)
        .select_related("group", "organisation")
        .order_by("-starts_on")
    )
    return render(
        request,
        "members/profile.html",
        {
            "nav": "profile",
            "memberships": memberships,
            "mfa_enabled": is_mfa_enabled(request.user),
            "mfa_required": requires_mfa(request.user),
        },
    )


@login_required
def profile_edit(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        person = services.update_profile(
            person=request.user.__class__.objects.get(pk=request.user.pk), **form.cleaned_data
        )
        translation.activate(person.preferred_language)
        messages.success(request, _("Your profile has been updated."))
        return remember_language(redirect("members:profile"), person.preferred_language)
    return render(request, "members/profile_edit.html", {"nav": "profile", "form": form})


def accept_invitation(request, token):
    invitation = services.find_invitation(token)
    if invitation is None or not invitation.is_usable:
        if invitation is None:
            status = "unknown"
        else:
            status = "used" if invitation.accepted_at else "expired"
        return render(
            request,
            "members/invitation_unusable.html",
            {"status": status},
            status=410 if invitation else 404,
        )
    person = invitation.person
    if person.has_usable_password():
        # Already has an account (invited to a second group): nothing to set, just sign in.
        services.mark_invitation_accepted(invitation=invitation)
        messages.success(
            request,
            _("You have joined %(group)s. Sign in to continue.") % {"group": invitation.group.name},
        )
        return redirect("account_login")
    form = SetPasswordForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        person = services.accept_invitation(
            invitation=invitation, password=form.cleaned_data["password1"]
        )
        with translation.override(person.preferred_language):
            if requires_mfa(person):
                next_url = reverse("mfa_index")
            else:
                next_url = reverse("members:dashboard", args=[invitation.group.slug])
        return perform_login(request, person, redirect_url=next_url)
    return render(
        request,
        "members/accept_invitation.html",
        {"form": form, "invitation": invitation, "person": person},
    )


def public_groups(request):
    groups = Group.objects.all().order_by("name_en")
    return render(request, "members/public_groups.html", {"groups": groups, "nav": "public"})


def public_group(request, slug):
    group = get_object_or_404(Group, slug=slug)
    memberships = (
        group.memberships.current()
        .exclude(role=Role.SECRETARIAT)
        .select_related("person", "organisation")
        .ordered_for_display()
    )
    organisations = Organisation.objects.filter(memberships__in=memberships).distinct()
    return render(
        request,
        "members/public_group.html",
        {
            "group": group,
            "memberships": memberships,
            "organisations": organisations,
            "nav": "public",
        },
    )


CLOSING_REFUSALS = {
    "future_date": (
        "concluded_on",
        gettext_lazy("The date the group concluded cannot be in the future."),
    ),
    "before_last_meeting": (
        "concluded_on",
        gettext_lazy("The date cannot be before the group's last meeting."),
    ),
    "meetings_ahead": (
        None,
        gettext_lazy("The group still has meetings planned. Hold or cancel them first."),
    ),
    "circulations_open": (
        None,
        gettext_lazy("A written procedure is still open. Close it first."),
    ),
    "no_reason": ("reason", gettext_lazy("Enter why the group is closing.")),
}


@login_required
def close_group(request, slug):
    """The secretariat closes the group after its final meeting, with a date and a reason."""
    group = get_managed_group(request.user, slug)
    last = group.meetings.filter(status="held").order_by("-starts_at").values("starts_at").first()
    initial = {"concluded_on": timezone.localtime(last["starts_at"]).date() if last else None}
    form = CloseGroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_group(
                group=group,
                closed_by=request.user,
                concluded_on=form.cleaned_data["concluded_on"],
                reason=form.cleaned_data["reason"],
            )
        except services.MembershipError as error:
            field, message = CLOSING_REFUSALS.get(
                str(error), (None, gettext_lazy("The group cannot be closed."))
            )
            form.add_error(field, message)
        else:
            messages.success(
                request,
                _("The group is closed. Its records archive is being prepared."),
            )
            return redirect("records:list", group.slug)
    context = group_page_context(request, group, "dashboard")
    context.update(form=form)
    return render(request, "members/close_group.html", context, status=400 if form.errors else 200)


def _person_in_group(request, slug, pk):
    """A person who is or was a member of a group whose records the visitor keeps."""
    group = get_records_group(request.user, slug)
    person = get_object_or_404(Person, pk=pk, memberships__group=group)
    return group, person


@login_required
def person_record(request, slug, pk):
    """What the secretariat can do about one person's data: export it, or remove their access."""
    group, person = _person_in_group(request, slug, pk)
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.deactivate_person(
                person=person, deactivated_by=request.user, reason=form.cleaned_data["reason"]
            )
        except services.MembershipError as error:
            refusals = {
                "already_inactive": _("Their access has already been removed."),
                "self": _("You cannot remove your own access."),
            }
            form.add_error(None, refusals.get(str(error), _("Their access cannot be removed.")))
        else:
            messages.success(
                request,
                _(
                    "%(name)s can no longer sign in. Their memberships have ended; their record is kept."
                )
                % {"name": person.display_name},
            )
            return redirect("members:person", group.slug, person.pk)
    context = group_page_context(request, group, "members")
    context.update(person=person, form=form)
    return render(
        request, "members/person_record.html", context, status=400 if form.errors else 200
    )


@login_required
def person_data_export(request, slug, pk):
    """Everything the portal holds about the person (a subject access request), as JSON."""
    import json

    from ncg_portal.audit import record_access
    from ncg_portal.models import RecordAccess

    from .person_data import person_data

    group, person = _person_in_group(request, slug, pk)
    groups = (
        list(Group.objects.all())
        if request.user.is_superuser
        else [
            m.group
            for m in Membership.objects.filter(person=request.user, role=Role.SECRETARIAT)
            .select_related("group")
            .distinct()
        ]
    )
    groups = sorted({g.pk: g for g in groups}.values(), key=lambda g: g.name_en)
    data = person_data(person, groups)
    record_access(
        group=group,
        person=request.user,
        what=RecordAccess.What.PERSON_EXPORTED,
        subject=f"person {person.pk} ({person.email})",
    )
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="person-{person.pk}-data.json"'
    response["Cache-Control"] = "private, no-store"
    return response
