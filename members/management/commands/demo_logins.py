from allauth.mfa.totp.internal.auth import hotp_value, yield_hotp_counters_from_time
from django.core.management.base import BaseCommand

from members import demo_content as demo


class Command(BaseCommand):
    help = "Print the portal's address and the demo logins (with the demo TOTP secret)."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")

    def handle(self, *args, port, **options):
        counter = next(iter(yield_hotp_counters_from_time()))
        code = f"{hotp_value(demo.DEMO_TOTP_SECRET, counter):06d}"
        out = self.stdout.write
        out("")
        out(
            f"The portal is running at http://127.0.0.1:{port}/en/  (Welsh: http://127.0.0.1:{port}/cy/)"
        )
        out(f"Public group page: http://127.0.0.1:{port}/en/groups/ncg/")
        out("")
        out(f"Demo logins (password for each: {demo.DEMO_PASSWORD})")
        out("  secretariat officer  secretariat@example.org      (TOTP required)")
        out("  chair                kirsty.williams@example.org  (TOTP required)")
        out("  member               darren.price@example.org     (prefers Welsh)")
        out(f"  TOTP secret for the secretariat and chair: {demo.DEMO_TOTP_SECRET}")
        out(f"  (add it to an authenticator app; the code right now is {code})")
        out("Press Ctrl-C to stop the web server and the worker.")
