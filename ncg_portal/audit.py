"""Small helpers for the audit trail (django-simple-history)."""


def with_reason(obj, reason, user=None):
    """Mark the next save of `obj` with why it changed (and who, outside a request)."""
    obj._change_reason = reason
    if user is not None:
        obj._history_user = user
    return obj
