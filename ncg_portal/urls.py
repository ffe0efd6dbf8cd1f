from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from meetings.views.calendar import calendar_feed

from . import audit_views, deliveries_views, records_views, views

admin.site.login = secure_admin_login(admin.site.login)  # allauth's rate limits and MFA for admin

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Calendar apps fetch this without a session or a language: the secret token is the key.
    path("calendar/<str:token>.ics", calendar_feed, name="calendar_feed"),
]

# Email services post inbound replies and delivery reports here (django-anymail), outside the
# language prefixes. Routed only when a webhook secret is set: without one anymail accepts any post.
if settings.BENCH_REFERENCES:  # the benchmark's reference views (bench/reference_views.py)
    urlpatterns += [path("", include("bench.reference_views"))]

if settings.ANYMAIL.get("WEBHOOK_SECRET"):
    urlpatterns.append(path("anymail/", include("anymail.urls")))

urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("g/<slug:slug>/deliveries/", include((deliveries_views.urlpatterns, "deliveries"))),
    path("g/<slug:slug>/audit/", include((audit_views.urlpatterns, "audit"))),
    path("g/<slug:slug>/records/", include((records_views.urlpatterns, "records"))),
    path("", include("advice.urls")),
    path("", include("meetings.urls")),
    path("", include("members.urls")),
    prefix_default_language=True,
)

handler404 = "ncg_portal.views.page_not_found"
handler500 = "ncg_portal.views.server_error"
