"""The deliveries page: every email the portal sent for a group, for its secretariat."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.pages import group_page_context
from members.permissions import get_managed_group

from .deliveries import PROBLEMS, RETRYABLE, DeliveryError, kind_label, retry_delivery
from .models import OutgoingMail

PAGE_SIZE = 50
PROBLEMS_FILTER = "problems"


@login_required
def delivery_list(request, slug):
    group = get_managed_group(request.user, slug)
    problems_only = request.GET.get("show") == PROBLEMS_FILTER
    mails = (
        OutgoingMail.objects.filter(group=group)
        .select_related("person")
        .defer("body_text", "body_html", "attachments")
        .order_by("-created_at", "-pk")
    )
    if problems_only:
        mails = mails.filter(status__in=PROBLEMS)
    page = Paginator(mails, PAGE_SIZE).get_page(request.GET.get("page"))
    for mail in page.object_list:
        mail.kind_label = kind_label(mail.kind)
        mail.can_retry = mail.status in RETRYABLE
    context = group_page_context(
        request,
        group,
        "deliveries",
        page=page,
        problems_only=problems_only,
        filter_query=f"show={PROBLEMS_FILTER}&" if problems_only else "",
    )
    return render(request, "deliveries/list.html", context)


@login_required
@require_POST
def delivery_retry(request, slug, pk):
    group = get_managed_group(request.user, slug)
    mail = get_object_or_404(OutgoingMail, pk=pk, group=group)
    try:
        retry_delivery(mail=mail, by=request.user)
    except DeliveryError:
        messages.error(request, _("Only a failed or bounced email can be sent again."))
    else:
        messages.success(
            request, _("The email to %(email)s will be sent again.") % {"email": mail.to_email}
        )
    url = reverse("deliveries:list", args=[group.slug])
    if request.POST.get("show") == PROBLEMS_FILTER:
        url += f"?show={PROBLEMS_FILTER}"
    return redirect(url)


app_name = "deliveries"
urlpatterns = [
    path("", delivery_list, name="list"),
    path("<int:pk>/retry/", delivery_retry, name="retry"),
]
