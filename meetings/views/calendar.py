from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from ..calendar import calendar_feed_ics, issue_calendar_feed, person_for_feed_token


@login_required
def calendar_settings(request):
    token = None
    if request.method == "POST":
        token = issue_calendar_feed(person=request.user)
        messages.success(
            request, _("Your new calendar address is ready. The old address no longer works.")
        )
    return render(
        request,
        "meetings/calendar_settings.html",
        {
            "nav": "profile",
            "feed_url": request.build_absolute_uri(f"/calendar/{token}.ics") if token else None,
            "has_feed": hasattr(request.user, "calendar_feed"),
        },
    )


def calendar_feed(request, token):
    person = person_for_feed_token(token)
    if person is None or not person.is_active:
        raise Http404
    response = HttpResponse(
        calendar_feed_ics(person, language=person.preferred_language),
        content_type="text/calendar; charset=utf-8",
    )
    response["Cache-Control"] = "private, max-age=300"
    return response
