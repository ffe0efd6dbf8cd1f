"""Messages that django-allauth's Python code shows to people on the portal's sign-in and
account pages (form labels, placeholders, validation errors, key names).

allauth has no Welsh catalogue. Listing its msgids here, byte for byte, makes our
`makemessages` put them in locale/cy/LC_MESSAGES/django.po, and since Django merges every
catalogue for a language, our Welsh then translates allauth's own gettext() calls.

Taken from allauth 65.21.1's English catalogue (allauth/locale/en/LC_MESSAGES/django.po):
the entries whose references are in account/{adapter,fields,forms,views}.py, mfa/adapter.py,
mfa/{base,totp,webauthn,recovery_codes}/forms.py, mfa/models.py and core/; without plural or
context entries, and without those about usernames and phone numbers, which the portal does not
use. Check the list again when upgrading allauth. Nothing imports this module.
"""

from django.utils.translation import gettext_noop as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

STRINGS = [
    # account/adapter.py
    _("This account is currently inactive."),
    _("You cannot remove your primary email address."),
    _("This email address is already associated with this account."),
    _("The email address and/or password you specified are not correct."),
    _("A user is already registered with this email address."),
    _("Please type your current password."),
    # account/adapter.py, mfa/adapter.py
    _("Incorrect code."),
    # account/adapter.py
    _("Incorrect password."),
    _("Invalid or expired key."),
    _("Invalid login."),
    _("The password reset token was invalid."),
    _("You cannot add more than %d email addresses."),
    _("Too many failed login attempts. Try again later."),
    _("The email address is not assigned to any user account."),
    _("Your primary email address must be verified."),
    _("Please select only one."),
    _("The new value must be different from the current one."),
    _("Be patient, you are sending too many requests."),
    _("Use your password"),
    _("Use authenticator app or code"),
    _("Use a security key"),
    # account/fields.py, account/forms.py
    _("Email"),
    # account/fields.py
    _("Email address"),
    # account/forms.py
    _("You must type the same password each time."),
    _("Password"),
    _("Remember Me"),
    _("Forgot your password?"),
    _("Email (again)"),
    _("Email address confirmation"),
    _("Email (optional)"),
    _("You must type the same email each time."),
    _("Password (again)"),
    _("Current Password"),
    _("New Password"),
    _("New Password (again)"),
    # account/forms.py, mfa/base/forms.py, mfa/totp/forms.py
    _("Code"),
    # mfa/adapter.py
    _("You cannot add an email address to an account protected by two-factor authentication."),
    _("You cannot deactivate two-factor authentication."),
    _("You cannot generate recovery codes without having two-factor authentication enabled."),
    _("You cannot activate two-factor authentication until you have verified your email address."),
    _("Master key"),
    _("Backup key"),
    _("Key nr. {number}"),
    # mfa/models.py
    _("Recovery codes"),
    _("TOTP Authenticator"),
    _("WebAuthn"),
    # mfa/totp/forms.py
    _("Authenticator code"),
    # mfa/webauthn/forms.py
    _("Passwordless"),
    _(
        "Enabling passwordless operation allows you to sign in using just this key, but imposes additional requirements such as biometrics or PIN protection."  # noqa: E501
    ),
]

# Django's own messages that portal forms show, where Django's Welsh catalogue is missing or
# weak. Our catalogue comes first in LOCALE_PATHS, so these translations win.
DJANGO_STRINGS = [
    _("This field is required."),
    _("Enter a valid email address."),
    _("Enter a valid date."),
    _("Select a valid choice. %(value)s is not one of the available choices."),
    _("Select a valid choice. That choice is not one of the available choices."),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        1,
    ),
    _("The password is too similar to the %(verbose_name)s."),
    _("This password is too common."),
    _("Your password can’t be a commonly used password."),
    _("This password is entirely numeric."),
    _("Your password can’t be entirely numeric."),
    _("Your password can’t be too similar to your other personal information."),
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        1,
    ),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        1,
    ),
]

# Django's Welsh catalogue spells July "Gorffenaf"; it is "Gorffennaf". Dates use both forms.
MONTH_STRINGS = [_("July"), pgettext_lazy("alt. month", "July")]
