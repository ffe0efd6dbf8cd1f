from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Group, Invitation, Membership, Organisation, Person, Phase, Workstream


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["email", "full_name", "preferred_language", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    exclude = ["password"]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(Group)
class GroupAdmin(SimpleHistoryAdmin):
    list_display = ["slug", "name_en", "status", "starts_on", "ends_on"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["person", "group", "role", "organisation", "starts_on", "ends_on"]
    list_filter = ["group", "role"]
    autocomplete_fields = ["person"]


admin.site.register(Organisation, SimpleHistoryAdmin, search_fields=["name_en", "name_cy"])
admin.site.register(Phase, SimpleHistoryAdmin, list_display=["name_en", "group", "starts_on"])
admin.site.register(Workstream, SimpleHistoryAdmin, list_display=["number", "title_en", "group"])


@admin.register(Invitation)
class InvitationAdmin(SimpleHistoryAdmin):
    list_display = ["person", "group", "created_at", "expires_at", "accepted_at"]
    readonly_fields = ["token_hash"]
