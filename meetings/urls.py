from django.urls import path

from .views import actions, calendar, meetings, papers

app_name = "meetings"

urlpatterns = [
    path("g/<slug:slug>/meetings/", meetings.meeting_list, name="list"),
    path("g/<slug:slug>/meetings/add/", meetings.meeting_add, name="add"),
    path("g/<slug:slug>/meetings/plan/", meetings.meeting_plan, name="plan"),
    path("g/<slug:slug>/meetings/<int:pk>/", meetings.meeting_detail, name="detail"),
    path("g/<slug:slug>/meetings/<int:pk>/edit/", meetings.meeting_edit, name="edit"),
    path("g/<slug:slug>/meetings/<int:pk>/confirm/", meetings.meeting_confirm, name="confirm"),
    path("g/<slug:slug>/meetings/<int:pk>/cancel/", meetings.meeting_cancel, name="cancel"),
    path("g/<slug:slug>/meetings/<int:pk>/rsvp/", meetings.meeting_rsvp, name="rsvp"),
    path("g/<slug:slug>/meetings/<int:pk>/agenda/", meetings.agenda_edit, name="agenda"),
    path("g/<slug:slug>/meetings/<int:pk>/papers/add/", papers.paper_add, name="paper_add"),
    path(
        "g/<slug:slug>/meetings/<int:pk>/attendance/",
        meetings.meeting_attendance,
        name="attendance",
    ),
    path(
        "g/<slug:slug>/papers/<int:version_pk>/download/",
        papers.paper_download,
        name="paper_download",
    ),
    path("g/<slug:slug>/meetings/<int:pk>/declare/", actions.declare_interest, name="declare"),
    path("g/<slug:slug>/actions/", actions.action_list, name="actions"),
    path("g/<slug:slug>/actions/<int:pk>/", actions.action_update, name="action_update"),
    path("g/<slug:slug>/attendance/", actions.attendance_rates, name="attendance_rates"),
    path("profile/calendar/", calendar.calendar_settings, name="calendar_settings"),
]
