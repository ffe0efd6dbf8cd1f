"""What every page inside a group needs in its context (the group, its menu, the viewer's roles)."""

from .permissions import can_keep_records, can_manage_membership, current_roles


def group_page_context(request, group, nav, **extra):
    roles = current_roles(request.user, group)
    return {
        "group": group,
        "member_view": True,
        "nav": nav,
        "my_roles": roles,
        "can_manage": can_manage_membership(request.user, group, roles=roles),
        "can_keep_records": can_keep_records(request.user, group, roles=roles),
        **extra,
    }
