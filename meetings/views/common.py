from members.pages import group_page_context


def meeting_page_context(request, group, nav="meetings", **extra):
    return group_page_context(request, group, nav, **extra)
