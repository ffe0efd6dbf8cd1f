"""Small helpers for the audit trail (django-simple-history)."""

import contextlib
import contextvars


def with_reason(obj, reason, user=None):
    """Mark the next save of `obj` with why it changed (and who, outside a request)."""
    # django-simple-history keeps at most 100 characters of a reason; longer ones would fail the save.
    reason = str(reason)
    obj._change_reason = reason if len(reason) <= 100 else reason[:99] + "…"
    if user is not None:
        obj._history_user = user
    return obj


_backdate = contextvars.ContextVar("audit_backdate", default=None)


@contextlib.contextmanager
def backdated(when):
    """History written inside is dated `when` (demo data, and tests that need the past). History
    rows are append-only (history_guard.py): a date is set as the row is written, never after."""
    token = _backdate.set(when)
    try:
        yield
    finally:
        _backdate.reset(token)


def apply_backdate(sender, history_instance, **kwargs):
    """simple-history's pre_create_historical_record receiver (connected in apps.py)."""
    when = _backdate.get()
    if when is not None:
        history_instance.history_date = when


def record_access(*, group, person, what, subject=""):
    """Note a read that matters (RecordAccess); its history row puts it in the audit log."""
    from .models import RecordAccess

    access = RecordAccess(group=group, person=person, what=what, subject=str(subject)[:300])
    with_reason(access, "Read recorded", user=person).save()
    return access
