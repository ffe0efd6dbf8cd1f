"""The audit log of a group: every history row (django-simple-history) of everything that belongs
to the group, newest first, with who, when, what, the reason and each field's before and after.

Every model with history is found automatically (`audited_kinds`), with how its rows lead to a
group: a `group` foreign key, or one reached through its parents (an agenda item's meeting's group,
a comment's circulation's group…). People belong to the log of each group they were a member of.
History lives in one table per model; a page of the log is one UNION query across them, then one
query per kind on the page for the rows and their previous versions.

Many-to-many fields kept with history (`HistoricalRecords(m2m_fields=[…])`: a letter's meetings
and circulations, a circulation's papers) show on their parent's rows. simple-history writes a
parent row whenever the links change (its m2m_changed receiver: one row after the removals of a
`.set()`, one after the additions) and copies the links as they then stood into a historical table
of their own, a row per link pointing at the parent's history row. An entry compares its row's
links with those of the object's previous row: "Papers: added …, removed …". One query per such
field on the page fetches them.
"""

import csv
import datetime
import json
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q, Value
from django.utils.translation import gettext_lazy as _

# Never shown or exported: secrets, hashes and raw bytes.
HIDDEN_FIELDS = {"password", "raw", "token_hash", "token", "secret", "data", "body_html"}
# Fields that name an object, tried in order for a readable label.
LABEL_FIELDS = (
    "title_en",
    "subject_en",
    "name_en",
    "full_name",
    "original_name",
    "subject",
    "to_email",
    "email",
    "text_en",
    "body",
)
# How far to follow foreign keys to find the group (a minutes comment: minutes → meeting → group).
MAX_DEPTH = 3
ACTIONS = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}
# Kept in history but not the audit log: when each member last looked (for "new since your last
# visit"), which would bury the changes.
NOT_LOGGED = {"members.groupvisit"}


@dataclass(frozen=True)
class Link:
    """A many-to-many field whose links simple-history keeps with its model's history."""

    field: models.ManyToManyField  # Circulation.papers
    history: type  # its historical model: a row per link, per history row of the parent
    target: str  # the historical row's foreign key to the linked object: "paper"

    @property
    def target_attname(self):
        return self.history._meta.get_field(self.target).attname


@dataclass(frozen=True)
class Kind:
    key: str  # "meetings.meeting"
    model: type
    history: type
    paths: tuple  # lookups from a history row to its group's id
    links: tuple = ()  # Link for each many-to-many field kept with the history

    @property
    def label(self):
        return self.model._meta.verbose_name

    def group_q(self, group):
        from members.models import Group, Membership

        if self.model is Group:
            return Q(id=group.pk)
        if self.paths == ("person",):  # people: the members the group has had
            return Q(id__in=Membership.objects.filter(group=group).values("person"))
        q = Q()
        for path in self.paths:
            first, _, rest = path.partition("__")
            if not rest:
                q |= Q(**{path: group.pk})
                continue
            # The history row's own column against the parent rows of this group, not a join
            # through the parents: Postgres then reads the history table by its index on that
            # column, so the cost follows the group's size, not the whole portal's.
            parent = self.history._meta.get_field(first).related_model
            q |= Q(**{f"{first}__in": parent._base_manager.filter(**{rest: group.pk}).values("pk")})
        return q


def _group_paths(model, depth=0, seen=()):
    """Lookups from `model` to a group id through forward foreign keys, not through people."""
    from members.models import Group, Person

    paths = []
    for field in model._meta.get_fields():
        if not (field.many_to_one or field.one_to_one) or not field.concrete:
            continue
        related = field.related_model
        if related is Group:
            paths.append(f"{field.name}_id" if depth == 0 else f"{field.name}__id")
        elif related not in (Person, model) and related not in seen and depth < MAX_DEPTH - 1:
            for sub in _group_paths(related, depth + 1, (*seen, model)):
                paths.append(f"{field.name}__{sub}")
    # The shortest way wins (a letter's comment: letter → group, not letter → meeting → group).
    shortest = min((p.count("__") for p in paths), default=0)
    return tuple(p for p in paths if p.count("__") == shortest)


def history_links():
    """{historical model: (Link, …)} for the many-to-many fields kept with history. The historical
    models of the links (auto-created, like the through tables they copy) are shown through these,
    on their parent's rows, not as kinds of their own."""
    from simple_history.models import HistoricalChanges

    links = {}
    for history in apps.get_models(include_auto_created=True):
        through = getattr(history, "instance_type", None)
        if not issubclass(history, HistoricalChanges) or through is None:
            continue
        if not through._meta.auto_created:
            continue
        owner = through._meta.auto_created  # the model that declares the field
        field = next(f for f in owner._meta.many_to_many if f.remote_field.through is through)
        parent = history._meta.get_field("history").related_model
        link = Link(field, history, field.m2m_reverse_field_name())
        links.setdefault(parent, []).append(link)
    # In the order the fields are declared on the model.
    return {
        parent: tuple(sorted(found, key=lambda link: link.field.creation_counter))
        for parent, found in links.items()
    }


@cache
def audited_kinds():
    """{key: Kind} for every model with history that belongs to a group."""
    from simple_history.models import HistoricalChanges

    from members.models import Group, Person

    links = history_links()
    kinds = {}
    for history in apps.get_models(include_auto_created=True):
        if not issubclass(history, HistoricalChanges):
            continue
        model = getattr(history, "instance_type", None)
        if model is None or model._meta.auto_created:
            continue
        if model is Group:
            paths = ("id",)
        elif model is Person:
            paths = ("person",)
        else:
            paths = _group_paths(model)
        key = model._meta.label_lower
        if paths and key not in NOT_LOGGED:
            kinds[key] = Kind(key, model, history, paths, links.get(history, ()))
    return kinds


@dataclass
class Filters:
    person: int | None = None
    kind: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None
    text: str = ""
    object_id: int | None = None


def _text_q(kind, text):
    """Rows whose reason or any of the object's words hold `text`, or the name of anything it
    linked to then (a letter's meetings, a circulation's papers)."""
    q = Q(history_change_reason__icontains=text)
    for field in kind.history._meta.get_fields():
        if (
            isinstance(field, (models.CharField, models.TextField))
            and field.name not in HIDDEN_FIELDS
            and not field.name.startswith("history_")
            and not field.choices
        ):
            q |= Q(**{f"{field.name}__icontains": text})
    for link in kind.links:
        names = Q()
        for name in _name_fields(link.field.related_model):
            names |= Q(**{f"{link.target}__{name}__icontains": text})
        if names:
            q |= Exists(link.history.objects.filter(names, history=OuterRef("pk")))
    return q


def _name_fields(model):
    """The text fields `_label` names `model` by, in both languages."""
    found = []
    for name in LABEL_FIELDS:
        for each in (name, name[:-3] + "_cy") if name.endswith("_en") else (name,):
            try:
                field = model._meta.get_field(each)
            except FieldDoesNotExist:
                continue
            if (
                isinstance(field, (models.CharField, models.TextField))
                and each not in HIDDEN_FIELDS
            ):
                found.append(each)
    return found


def _rows(group, filters):
    """One values queryset per kind, ready for UNION: (kind, history_id, history_date)."""
    queries = []
    for key, kind in audited_kinds().items():
        if filters.kind and filters.kind != key:
            continue
        qs = kind.history.objects.filter(kind.group_q(group))
        if filters.object_id is not None:
            qs = qs.filter(id=filters.object_id)
        if filters.person:
            qs = qs.filter(history_user_id=filters.person)
        if filters.since:
            qs = qs.filter(history_date__date__gte=filters.since)
        if filters.until:
            qs = qs.filter(history_date__date__lte=filters.until)
        if filters.text:
            qs = qs.filter(_text_q(kind, filters.text))
        queries.append(
            qs.annotate(audit_kind=Value(key, output_field=models.CharField())).values_list(
                "audit_kind", "history_id", "history_date"
            )
        )
    return queries


class LogPage:
    """A page of the log for templates/govuk/_pagination.html: newer and older, and a total
    only when asked for."""

    def __init__(self, log, number, size, *, counted=False):
        self.number = number
        self.object_list, self.has_next = log.page(number, size)
        self.has_previous = number > 1
        # What a search or filter found is worth counting; the whole log is not (ten years).
        self.total = log.count() if counted else None

    def has_other_pages(self):
        return self.has_previous or self.has_next

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


class AuditLog:
    """The group's log under the filters: pages (LogPage), a count, or every entry in turn."""

    def __init__(self, group, filters):
        self.group = group
        self.filters = filters
        queries = self._queries = _rows(group, filters)
        self._union = (
            queries[0].union(*queries[1:], all=True).order_by("-history_date", "-history_id")
            if queries
            else None
        )

    def count(self):
        return self._union.count() if self._union is not None else 0

    def page(self, number, size):
        """(entries, has_next) for page `number` (from 1), newest first, without counting the
        whole log: each kind's rows are cut to what the page can need before the UNION, so a
        page costs the same after ten years as after one."""
        if self._union is None:
            return [], False
        need = number * size + 1
        parts, params = [], []
        for query in self._queries:
            # Django will not order a UNION of sliced querysets, so the SQL is joined here.
            sql, part_params = query.order_by("-history_date", "-history_id")[
                :need
            ].query.sql_with_params()
            parts.append(f"({sql})")
            params.extend(part_params)
        sql = (
            f"SELECT * FROM ({' UNION ALL '.join(parts)}) AS log"
            " ORDER BY 3 DESC, 2 DESC LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, size + 1, (number - 1) * size])
            rows = cursor.fetchall()
        return entries(rows[:size]), len(rows) > size

    def __iter__(self):
        """Every entry, a batch at a time (the CSV export)."""
        if self._union is None:
            return
        start, size = 0, 500
        while True:
            batch = list(self._union[start : start + size])
            if not batch:
                return
            yield from entries(batch)
            start += size


@dataclass
class Entry:
    kind: Kind
    record: object  # the history row
    action: str
    changes: list  # [(field label, before, after)]

    @property
    def when(self):
        return self.record.history_date

    @property
    def who(self):
        return self.record.history_user

    @property
    def reason(self):
        return self.record.history_change_reason or ""

    @property
    def object_id(self):
        return self.record.id

    @property
    def object_label(self):
        return _label(self.record)


def entries(rows):
    """Entries for (kind, history_id, history_date) rows, in the rows' order. A fixed number of
    queries whatever kinds the rows are of: one for the rows with their previous versions (all
    kinds at once), one for who made them, one for the links of many-to-many fields kept with
    history, and one per kind of object a changed foreign key or link points to."""
    kinds = audited_kinds()
    by_kind = {}
    for key, history_id, _when in rows:
        by_kind.setdefault(key, []).append(history_id)
    records, previous = {}, {}
    for key, history_id, record, before in _rows_with_previous(kinds, by_kind):
        records[(key, history_id)] = record
        previous[(key, history_id)] = before
    _attach_history_users(list(records.values()) + [r for r in previous.values() if r])
    linked = _linked(kinds, records, previous)
    result = []
    for key, history_id, _when in rows:
        record = records.get((key, history_id))
        if record is None:
            continue
        kind = kinds[key]
        result.append(
            Entry(
                kind=kind,
                record=record,
                action=record.history_type,
                changes=_changes(kind, record, previous[(key, history_id)], linked),
            )
        )
    _name_foreign_keys(result)
    return result


def _rows_with_previous(kinds, by_kind):
    """(kind, history_id, row, previous row or None) for the wanted rows of every kind, from one
    UNION query: each row and the one before it for the same object, as JSON."""
    if not by_kind:
        return []
    parts, params = [], []
    for key, ids in by_kind.items():
        table = connection.ops.quote_name(kinds[key].history._meta.db_table)
        parts.append(
            f"(SELECT %s, h.history_id, row_to_json(h)::text, (SELECT row_to_json(p)::text "
            f"FROM {table} p WHERE p.id = h.id AND (p.history_date, p.history_id) < "
            f"(h.history_date, h.history_id) ORDER BY p.history_date DESC, p.history_id DESC "
            f"LIMIT 1) FROM {table} h WHERE h.history_id = ANY(%s))"
        )
        params += [key, list(ids)]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        found = cursor.fetchall()
    return [
        (
            key,
            history_id,
            _from_json(kinds[key].history, row),
            _from_json(kinds[key].history, before) if before else None,
        )
        for key, history_id, row, before in found
    ]


def _from_json(history, text):
    """A history row rebuilt from Postgres's row_to_json, each value as its field reads it."""
    data = json.loads(text)
    values = []
    for field in history._meta.concrete_fields:
        value = data.get(field.column)
        if value is not None and not isinstance(field, models.JSONField):
            if isinstance(field, models.BinaryField):
                value = bytes.fromhex(value[2:])  # Postgres writes bytea as \x…
            else:
                value = field.to_python(value)
        values.append(value)
    return history.from_db(
        connection.alias, [f.attname for f in history._meta.concrete_fields], values
    )


def _attach_history_users(records):
    """Each row's history_user, read in one query for all of them."""
    from members.models import Person

    ids = {r.history_user_id for r in records if r.history_user_id}
    people = Person._base_manager.in_bulk(ids) if ids else {}
    for record in records:
        record.history_user = people.get(record.history_user_id)


def _linked(kinds, records, previous):
    """{(Link, history_id): {linked object ids}} for the rows and their previous versions."""
    wanted = {}
    for key, history_id in records:
        if kinds[key].links:
            ids = wanted.setdefault(key, set())
            ids.add(history_id)
            before = previous[(key, history_id)]
            if before is not None:
                ids.add(before.history_id)
    linked = {}
    for key, ids in wanted.items():
        for link in kinds[key].links:
            for history_id, target in link.history.objects.filter(history_id__in=ids).values_list(
                "history_id", link.target_attname
            ):
                linked.setdefault((link, history_id), set()).add(target)
    return linked


def _fields(kind):
    return [
        field
        for field in kind.model._meta.concrete_fields
        if field.name not in HIDDEN_FIELDS
        and not isinstance(field, (models.BinaryField, models.AutoField))
    ]


def _changes(kind, record, before, linked):
    """[(field, before, after)]: every set field for a creation, the changed ones otherwise; a
    many-to-many field's before and after are the sets of linked ids (None: not known)."""
    out = []
    for field in _fields(kind):
        attname = field.attname
        new = getattr(record, attname, None)
        old = getattr(before, attname, None) if before is not None else None
        if record.history_type == "+" and before is None:
            if new in (None, "", [], {}):
                continue
        elif new == old:
            continue
        out.append([field, old, new])
    if record.history_type == "-":
        return out  # the links go with the object, as its fields do
    for link in kind.links:
        new = linked.get((link, record.history_id), set())
        old = linked.get((link, before.history_id), set()) if before is not None else None
        if new != old and (old is not None or new):
            out.append([link.field, old, new])
    return out


def _name_foreign_keys(result):
    """Show a changed foreign key as the object's name rather than its number."""
    wanted = {}
    for entry in result:
        for change in entry.changes:
            field = change[0]
            if field.many_to_many:
                for value in change[1:]:
                    wanted.setdefault(field.related_model, set()).update(value or ())
            elif field.is_relation:
                for value in change[1:]:
                    if value is not None:
                        wanted.setdefault(field.related_model, set()).add(value)
    names = {}
    for model, ids in wanted.items():
        for obj in model._default_manager.filter(pk__in=ids):
            names[(model, obj.pk)] = _label(obj)
    for entry in result:
        for change in entry.changes:
            field = change[0]
            if field.many_to_many:
                for i in (1, 2):
                    if change[i] is not None:
                        change[i] = Linked(
                            (pk, names.get((field.related_model, pk), f"#{pk}")) for pk in change[i]
                        )
            elif field.is_relation:
                for i in (1, 2):
                    if change[i] is not None:
                        change[i] = names.get((field.related_model, change[i]), f"#{change[i]}")
            elif field.choices:
                labels = dict(field.flatchoices)
                for i in (1, 2):
                    change[i] = labels.get(change[i], change[i])


class Linked(list):
    """What a many-to-many field linked to at one history row: the objects' names, sorted, with
    their ids in `ids` (two papers of the same title are still two)."""

    def __init__(self, pairs=()):
        pairs = sorted(pairs, key=lambda pair: (pair[1].casefold(), pair[0]))
        super().__init__(name for _pk, name in pairs)
        self.ids = [pk for pk, _name in pairs]

    def pairs(self):
        return zip(self.ids, self, strict=True)

    def __str__(self):
        return "; ".join(self)


def added_and_removed(before, after):
    """([names added], [names removed]) from `before` to `after`, both Linked; `before` None (not
    known) counts everything as added."""
    old = set(before.ids) if before else set()
    new = set(after.ids)
    added = [name for pk, name in after.pairs() if pk not in old]
    removed = [name for pk, name in before.pairs() if pk not in new] if before else []
    return added, removed


def _label(obj):
    """A readable name for a record or a history row of one (whose `id` is the record's)."""
    for name in LABEL_FIELDS:
        value = getattr(obj, name, None)
        if value and not callable(value):
            text = str(value)
            return text if len(text) <= 80 else text[:79] + "…"
    display = getattr(obj, "display_name", None)
    return str(display) if display else f"#{obj.id}"


def show(value):
    """A before/after value as text for the page and the CSV."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        from django.utils import formats, timezone

        return formats.date_format(timezone.localtime(value), "j M Y, H:i:s")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "name") and hasattr(value, "storage"):  # a file
        return value.name
    return str(value)  # Linked: the names, separated by semicolons


CSV_COLUMNS = (
    "when_utc",
    "who",
    "who_email",
    "kind",
    "object_id",
    "object",
    "action",
    "field",
    "before",
    "after",
    "reason",
)


def write_csv(out, log):
    """The log as CSV, a row per changed field (one for a change with none): for spreadsheets."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in log:
        who = entry.who
        base = [
            entry.when.astimezone(datetime.UTC).isoformat(timespec="seconds"),
            who.display_name if who else "",
            who.email if who else "",
            entry.kind.key,
            entry.object_id,
            entry.object_label,
            {"+": "created", "~": "changed", "-": "deleted"}[entry.action],
        ]
        changes = entry.changes or [[None, "", ""]]
        for field, before, after in changes:
            writer.writerow(
                [
                    *base,
                    field.name if field is not None else "",
                    _csv_safe(_csv_value(before)),
                    _csv_safe(_csv_value(after)),
                    _csv_safe(entry.reason),
                ]
            )


def _csv_value(value):
    """As `show`, but times in ISO 8601 (UTC), for software as much as for people."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="seconds")
    return show(value)


def _csv_safe(text):
    """Spreadsheets run a cell that starts with = + - @ as a formula: quote it out."""
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
