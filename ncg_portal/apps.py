from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ncg_portal"
    verbose_name = "Portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The email service's delivery reports (anymail's webhooks) mark bounced deliveries.
        # anymail.signals needs only Django, whether or not anymail is an installed app.
        from anymail.signals import tracking

        from .deliveries import record_tracking_event

        tracking.connect(record_tracking_event, dispatch_uid="ncg_portal.deliveries.tracking")
