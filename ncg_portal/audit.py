"""Small helpers for the audit trail (django-simple-history)."""


def with_reason(obj, reason, user=None):
    """Mark the next save of `obj` with why it changed (and who, outside a request)."""
    # django-simple-history keeps at most 100 characters of a reason; longer ones would fail the save.
    reason = str(reason)
    obj._change_reason = reason if len(reason) <= 100 else reason[:99] + "…"
    if user is not None:
        obj._history_user = user
    return obj
