from django.urls import path

from .views import actions, agenda_pdf, calendar, circulations, meetings, minutes, papers

app_name = "meetings"

urlpatterns = [
    path("g/<slug:slug>/meetings/", meetings.meeting_list, name="list"),
    path("g/<slug:slug>/meetings/add/", meetings.meeting_add, name="add"),
    path("g/<slug:slug>/meetings/plan/", meetings.meeting_plan, name="plan"),
    path("g/<slug:slug>/meetings/<int:pk>/", meetings.meeting_detail, name="detail"),
    path("g/<slug:slug>/meetings/<int:pk>/edit/", meetings.meeting_edit, name="edit"),
    path("g/<slug:slug>/meetings/<int:pk>/confirm/", meetings.meeting_confirm, name="confirm"),
    path("g/<slug:slug>/meetings/<int:pk>/cancel/", meetings.meeting_cancel, name="cancel"),
    path(
        "g/<slug:slug>/meetings/<int:pk>/written-procedure/",
        meetings.meeting_written_procedure,
        name="written_procedure",
    ),
    path("g/<slug:slug>/meetings/<int:pk>/rsvp/", meetings.meeting_rsvp, name="rsvp"),
    path("g/<slug:slug>/meetings/<int:pk>/agenda/", meetings.agenda_edit, name="agenda"),
    path("g/<slug:slug>/meetings/<int:pk>/agenda.pdf", agenda_pdf.agenda_pdf, name="agenda_pdf"),
    path("g/<slug:slug>/meetings/<int:pk>/papers/add/", papers.paper_add, name="paper_add"),
    path("g/<slug:slug>/meetings/<int:pk>/papers/send/", papers.papers_send, name="papers_send"),
    path(
        "g/<slug:slug>/meetings/<int:pk>/attendance/",
        meetings.meeting_attendance,
        name="attendance",
    ),
    path("g/<slug:slug>/papers/<int:pk>/", papers.paper_detail, name="paper"),
    path(
        "g/<slug:slug>/papers/<int:pk>/versions/add/",
        papers.paper_version_add,
        name="paper_version_add",
    ),
    path("g/<slug:slug>/papers/<int:pk>/withdraw/", papers.paper_withdraw, name="paper_withdraw"),
    path(
        "g/<slug:slug>/papers/<int:version_pk>/download/",
        papers.paper_download,
        name="paper_download",
    ),
    path("g/<slug:slug>/meetings/<int:pk>/declare/", actions.declare_interest, name="declare"),
    path("g/<slug:slug>/actions/", actions.action_list, name="actions"),
    path("g/<slug:slug>/actions/<int:pk>/", actions.action_update, name="action_update"),
    path("g/<slug:slug>/attendance/", actions.attendance_rates, name="attendance_rates"),
    path("g/<slug:slug>/meetings/<int:pk>/minutes/", minutes.minutes_detail, name="minutes"),
    path(
        "g/<slug:slug>/meetings/<int:pk>/minutes/start/",
        minutes.minutes_start,
        name="minutes_start",
    ),
    path(
        "g/<slug:slug>/meetings/<int:pk>/minutes/edit/", minutes.minutes_edit, name="minutes_edit"
    ),
    path(
        "g/<slug:slug>/meetings/<int:pk>/minutes/correct/",
        minutes.minutes_correct,
        name="minutes_correct",
    ),
    path(
        "g/<slug:slug>/meetings/<int:pk>/minutes/share/",
        minutes.minutes_share,
        name="minutes_share",
    ),
    path(
        "g/<slug:slug>/meetings/<int:pk>/minutes/comment/",
        minutes.minutes_comment,
        name="minutes_comment",
    ),
    path(
        "g/<slug:slug>/meetings/<int:pk>/minutes/approve/",
        minutes.minutes_approve,
        name="minutes_approve",
    ),
    path(
        "g/<slug:slug>/meetings/<int:pk>/minutes.pdf", minutes.minutes_download, name="minutes_pdf"
    ),
    path("g/<slug:slug>/circulations/", circulations.circulation_list, name="circulations"),
    path("g/<slug:slug>/circulations/new/", circulations.circulation_new, name="circulation_new"),
    path(
        "g/<slug:slug>/circulations/<int:pk>/",
        circulations.circulation_detail,
        name="circulation",
    ),
    path(
        "g/<slug:slug>/circulations/<int:pk>/send/",
        circulations.circulation_open,
        name="circulation_open",
    ),
    path(
        "g/<slug:slug>/circulations/<int:pk>/remind/",
        circulations.circulation_remind,
        name="circulation_remind",
    ),
    path(
        "g/<slug:slug>/circulations/<int:pk>/close/",
        circulations.circulation_close,
        name="circulation_close",
    ),
    path(
        "g/<slug:slug>/circulations/<int:pk>/summary/",
        circulations.circulation_summary,
        name="circulation_summary",
    ),
    path(
        "g/<slug:slug>/circulations/<int:pk>/summary.pdf",
        circulations.circulation_summary_pdf,
        name="circulation_summary_pdf",
    ),
    path(
        "g/<slug:slug>/inbound/<uuid:uid>/release/",
        circulations.inbound_decide,
        {"decision": "release"},
        name="inbound_release",
    ),
    path(
        "g/<slug:slug>/inbound/<uuid:uid>/dismiss/",
        circulations.inbound_decide,
        {"decision": "dismiss"},
        name="inbound_dismiss",
    ),
    path(
        "g/<slug:slug>/inbound/<uuid:uid>/",
        circulations.inbound_original,
        name="inbound_original",
    ),
    path("profile/calendar/", calendar.calendar_settings, name="calendar_settings"),
]
