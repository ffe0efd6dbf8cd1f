"""Change stamps: a token for each group that changes whenever anything of that group is written,
and one for the whole portal, for what belongs to no one group (people's names, organisations).

Every write leaves a history row (tests/test_write_paths_history.py holds every write path to
that), so the stamps move on from simple-history's `post_create_historical_record`, once the
write has committed. Page fragments cached under the current stamps (the `{% fragment %}` tag)
are therefore never stale: a change makes new stamps, and the old entries are never asked for
again. The stamps live in the shared cache (every web worker sees the same); the fragments in
each worker's own memory (ncg_portal/templatetags/portal.py).
"""

import uuid

from django.core.cache import cache
from django.db import transaction

PORTAL = "stamp:portal"


def _group_key(group_id):
    return f"stamp:group:{group_id}"


def current(group_id):
    """'<group stamp>.<portal stamp>' now: one round trip to the shared cache."""
    keys = [_group_key(group_id), PORTAL]
    found = cache.get_many(keys)
    missing = {key: uuid.uuid4().hex for key in keys if key not in found}
    if missing:
        # add(), not set(): a stamp another worker made at the same moment wins.
        for key, value in missing.items():
            cache.add(key, value, timeout=None)
        found = {**missing, **cache.get_many(keys)}
    return f"{found[keys[0]]}.{found[keys[1]]}"


def bump(group_ids):
    """New stamps for these groups, or for the whole portal when `group_ids` is None."""
    keys = [PORTAL] if group_ids is None else [_group_key(g) for g in group_ids]
    cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)


# Changes no cached fragment shows: when a person last looked at a group (it changes with each
# sitting, and only that person's own "new since" panel reads it).
NOT_SHOWN = {"members.groupvisit"}


def groups_of(instance):
    """The ids of the groups a changed object belongs to; None when it is the whole portal's
    (an organisation, a school term) or its group cannot be told. A person belongs to the
    groups they are a member of (their name shows there): signing in, which writes the person,
    moves only those groups' stamps."""
    from members.models import Group, Membership, Person

    from .audit_log import audited_kinds

    label = instance._meta.label_lower
    if label in NOT_SHOWN:
        return set()
    if isinstance(instance, Group):
        return {instance.pk}
    if isinstance(instance, Person):
        return set(Membership.objects.filter(person=instance).values_list("group_id", flat=True))
    kind = audited_kinds().get(label)
    if kind is None:
        return None
    found = set()
    try:
        for path in kind.paths:
            steps = path.split("__")
            if steps[-1] == "id" and len(steps) > 1:  # "circulation__group__id": read group_id
                steps = [*steps[:-2], f"{steps[-2]}_id"]
            obj = instance
            for step in steps[:-1]:
                obj = getattr(obj, step, None)
                if obj is None:
                    break
            if obj is None:
                continue
            value = getattr(obj, steps[-1])
            if value is not None:
                found.add(value)
    except Exception:  # a parent already deleted: count it as everyone's change
        return None
    return found or None


def on_history_row(sender, instance, **kwargs):
    """Note the groups a new history row moves on; they move once the transaction commits, all
    of them in one write to the shared cache, however many rows the transaction wrote."""
    groups = groups_of(instance)
    if groups == set():
        return
    connection = transaction.get_connection()
    pending = connection.__dict__.setdefault("_ncg_pending_stamps", set())
    pending.update(groups if groups is not None else {None})
    # One callback per row, but only the first to run after the commit finds anything to do. A
    # rolled-back transaction's groups move at the next commit: a needless move, never a missed one.
    transaction.on_commit(lambda: _flush(connection))


def _flush(connection):
    pending = connection.__dict__.get("_ncg_pending_stamps")
    if not pending:
        return
    connection.__dict__["_ncg_pending_stamps"] = set()
    if None in pending:
        bump(None)
        pending.discard(None)
    if pending:
        bump(pending)
