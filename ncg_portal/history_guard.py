"""History rows are append-only: a Postgres trigger on every historical table refuses UPDATE and
DELETE, whoever asks (the application, the admin, a shell). Rows are only ever added.

The triggers are (re)made after every `migrate` (apps.py connects post_migrate), so a model that
gains history later is covered without a migration of its own. TRUNCATE is left alone: it is how
the test runner empties tables between tests, and no application code path issues it.
"""

from django.apps import apps
from django.db import connections

FUNCTION = "ncg_history_append_only"
TRIGGER = "ncg_history_append_only"

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'History is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""


def historical_tables():
    """The table of every simple-history model (m2m history included)."""
    from simple_history.models import HistoricalChanges

    return sorted(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if issubclass(model, HistoricalChanges)
    )


def protect_history(using="default"):
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        cursor.execute(CREATE_FUNCTION)
        for table in historical_tables():
            if table not in existing:
                continue
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {quoted} "
                f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
            )


def protect_after_migrate(sender, using="default", **kwargs):
    protect_history(using)
