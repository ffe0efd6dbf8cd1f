from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import OutgoingMail


@admin.register(OutgoingMail)
class OutgoingMailAdmin(SimpleHistoryAdmin):
    """Delivery state of every email, for staff; messages are not edited here."""

    list_display = ["created_at", "kind", "to_email", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to_email", "subject"]
    readonly_fields = [f.name for f in OutgoingMail._meta.fields]
