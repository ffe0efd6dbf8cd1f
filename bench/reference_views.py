"""The benchmark's two reference views, served by the portal only when BENCH_REFERENCES is set.

`floor` is the least a request can cost in this server (middleware, a short string). `plain` is
what a typical Django portal page does: 50 rows of bench data through a template, with
`select_related` and pagination, signed in. Every page's figure is read against these two,
measured in the same server and the same run.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.urls import path
from django.views.generic import ListView

from meetings.models import Paper


def floor(request):
    return HttpResponse("ok", content_type="text/plain")


class PlainPaperList(LoginRequiredMixin, ListView):
    template_name = "bench/plain_list.html"
    paginate_by = 50

    def get_queryset(self):
        return Paper.objects.select_related("group", "meeting", "created_by").order_by("-pk")


urlpatterns = [
    path("bench/floor", floor, name="bench_floor"),
    path("bench/plain", PlainPaperList.as_view(), name="bench_plain"),
]
