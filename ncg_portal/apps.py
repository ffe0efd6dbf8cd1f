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

        # History is append-only (history_guard.py); demo data and tests date it as it is written.
        from django.db.models.signals import post_migrate
        from simple_history.signals import pre_create_historical_record

        from .audit import apply_backdate
        from .history_guard import protect_after_migrate

        post_migrate.connect(protect_after_migrate, sender=self, dispatch_uid="ncg_history_guard")
        pre_create_historical_record.connect(apply_backdate, dispatch_uid="ncg_audit_backdate")

        # Every write leaves a history row: its group's change stamp moves on (stamps.py).
        from simple_history.signals import post_create_historical_record

        from .stamps import on_history_row

        post_create_historical_record.connect(on_history_row, dispatch_uid="ncg_change_stamps")

        from .security_log import connect

        connect()

        from django.contrib.auth.signals import user_logged_in

        from .middleware import SessionRefreshMiddleware

        user_logged_in.connect(
            SessionRefreshMiddleware.fresh_at_sign_in, dispatch_uid="ncg_session_fresh"
        )
