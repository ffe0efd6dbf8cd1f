"""History is append-only: the database itself refuses to change or delete a history row, through
the ORM or raw SQL; new historical tables are covered after every migrate."""

import datetime

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from members.models import Group
from ncg_portal.audit import backdated
from ncg_portal.history_guard import historical_tables

pytestmark = pytest.mark.django_db


def _refused(action):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        action()


def test_history_rows_cannot_be_changed_or_deleted(ncg, secretariat):
    ncg.name_en = "Renamed"
    ncg._change_reason = "A change to find in history"
    ncg.save()
    record = ncg.history.first()
    _refused(lambda: Group.history.filter(pk=record.pk).update(history_change_reason="nothing"))
    _refused(lambda: Group.history.filter(pk=record.pk).delete())
    _refused(lambda: record.delete())

    def raw_update():
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Group.history.model._meta.db_table} SET history_user_id = NULL"
            )

    _refused(raw_update)
    # Nothing was lost or changed, and adding history still works.
    record.refresh_from_db()
    assert record.history_change_reason == "A change to find in history"
    ncg.name_en = "National Coherence Group"
    ncg.save()
    assert ncg.history.count() == 3


def test_every_historical_table_has_the_trigger():
    tables = historical_tables()
    assert "members_historicalgroup" in tables and "advice_historicalletter" in tables
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT event_object_table FROM information_schema.triggers "
            "WHERE trigger_name = 'ncg_history_append_only'"
        )
        protected = {row[0] for row in cursor.fetchall()}
    assert set(tables) <= protected, set(tables) - protected


def test_backdated_history_is_dated_as_it_is_written(ncg):
    when = timezone.now() - datetime.timedelta(days=40)
    with backdated(when):
        ncg.name_cy = "Grŵp wedi'i ailenwi"
        ncg.save()
    newest = ncg.history.order_by("-history_id")
    assert newest.first().history_date == when
    ncg.save()
    assert newest.first().history_date > when
