from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("", views.home, name="home"),
    path("switch-group/", views.switch_group, name="switch_group"),
    path("profile/", views.profile, name="profile"),
    path("profile/edit/", views.profile_edit, name="profile_edit"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("groups/", views.public_groups, name="public_groups"),
    path("groups/<slug:slug>/", views.public_group, name="public_group"),
    path("g/<slug:slug>/", views.dashboard, name="dashboard"),
    path("g/<slug:slug>/new/", views.whats_new, name="whats_new"),
    path("g/<slug:slug>/settings/", views.group_settings, name="group_settings"),
    path("g/<slug:slug>/close/", views.close_group, name="close_group"),
    path("g/<slug:slug>/people/<int:pk>/", views.person_record, name="person"),
    path("g/<slug:slug>/people/<int:pk>/data.json", views.person_data_export, name="person_data"),
    path("g/<slug:slug>/members/", views.members_list, name="members"),
    path("g/<slug:slug>/members/invite/", views.invite, name="invite"),
    path("g/<slug:slug>/members/<int:pk>/edit/", views.membership_edit, name="membership_edit"),
    path("g/<slug:slug>/members/<int:pk>/end/", views.membership_end, name="membership_end"),
]
