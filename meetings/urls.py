from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("g/<slug:slug>/meetings/", views.meeting_list, name="list"),
    path("g/<slug:slug>/meetings/add/", views.meeting_add, name="add"),
    path("g/<slug:slug>/meetings/plan/", views.meeting_plan, name="plan"),
    path("g/<slug:slug>/meetings/<int:pk>/", views.meeting_detail, name="detail"),
    path("g/<slug:slug>/meetings/<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("g/<slug:slug>/meetings/<int:pk>/confirm/", views.meeting_confirm, name="confirm"),
    path("g/<slug:slug>/meetings/<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("g/<slug:slug>/meetings/<int:pk>/rsvp/", views.meeting_rsvp, name="rsvp"),
    path("g/<slug:slug>/meetings/<int:pk>/agenda/", views.agenda_edit, name="agenda"),
    path("g/<slug:slug>/meetings/<int:pk>/papers/add/", views.paper_add, name="paper_add"),
    path(
        "g/<slug:slug>/meetings/<int:pk>/attendance/", views.meeting_attendance, name="attendance"
    ),
    path(
        "g/<slug:slug>/papers/<int:version_pk>/download/",
        views.paper_download,
        name="paper_download",
    ),
    path("g/<slug:slug>/meetings/<int:pk>/declare/", views.declare_interest, name="declare"),
    path("g/<slug:slug>/actions/", views.action_list, name="actions"),
    path("g/<slug:slug>/actions/<int:pk>/", views.action_update, name="action_update"),
    path("g/<slug:slug>/attendance/", views.attendance_rates, name="attendance_rates"),
    path("profile/calendar/", views.calendar_settings, name="calendar_settings"),
]
