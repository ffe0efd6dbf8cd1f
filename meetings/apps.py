from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Replies by email through an email service's inbound webhook (django-anymail).
        from anymail.signals import inbound

        from .inbound_signals import store_inbound_email

        inbound.connect(store_inbound_email, dispatch_uid="meetings.inbound_signals.inbound")
