from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.urls import reverse
from django.utils import translation

from ncg_portal.i18n import remember_language
from ncg_portal.mail import queue_mail


class PortalAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # People join by invitation from the secretariat, never by signing themselves up.
        return False

    def send_mail(self, template_prefix, email, context):
        """allauth's emails (password reset and the like) go through our outbox, in the
        person's own language."""
        user = context.get("user")
        language = getattr(user, "preferred_language", None) or translation.get_language() or "en"
        kind = "account_" + template_prefix.rsplit("/", 1)[-1]
        context = {**context, "site_name": "NCG portal"}
        queue_mail(kind=kind, to_email=email, context=context, language=language, person=user)

    def get_login_redirect_url(self, request):
        # A signed-in person lands in their preferred language.
        language = getattr(request.user, "preferred_language", "en") or "en"
        with translation.override(language):
            return reverse("members:home")

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        if response is not None and user.preferred_language:
            remember_language(response, user.preferred_language)
        return response


class PortalMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator):
        """Secretariat officers and chairs may not switch off their last second factor."""
        from allauth.mfa.models import Authenticator

        from .permissions import requires_mfa

        if not requires_mfa(authenticator.user):
            return True
        others = (
            Authenticator.objects.filter(user_id=authenticator.user_id)
            .exclude(pk=authenticator.pk)
            .exclude(type=Authenticator.Type.RECOVERY_CODES)
        )
        return others.exists()
