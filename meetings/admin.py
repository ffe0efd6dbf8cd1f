from django.contrib import admin

from .models import InboundMessage


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    """Every message received, including those no circulation could be found for: staff see
    them here (the secretariat sees a circulation's own on its page)."""

    list_display = ("received_at", "from_address", "subject", "status", "hold_reason")
    list_filter = ("status", "source")
    search_fields = ("from_address", "subject", "message_id")
    readonly_fields = [f.name for f in InboundMessage._meta.fields if f.name != "raw"]
    exclude = ("raw",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
