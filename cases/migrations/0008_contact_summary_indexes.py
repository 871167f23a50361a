"""Covering indexes for the dashboard's summary refresh at national size (bench/README.md, "Summary refresh").

The contacts of a quarter are counted per service and side (reporting.metrics.dashboard.contacts_logged): the
quarter's contacts by their date, then the person, then the case for its service. With the person and the
24-hour flag kept in the index on the date, and the case's service in an index on the case id, each step is an
index-only scan of the quarter's rows instead of a visit to every contact row of the quarter (they lie all over
the table) and a scan of every person and case. PostgreSQL only (INCLUDE); not part of the models' state, as
in 0007: SQLite, used by `make run` and the tests, gets the same figures without them.
"""

from django.db import migrations

# (model, index, key columns, included columns)
COVERING_INDEXES = [
    ("VictimContact", "victim_contact_when_cover", "occurred_at", "participant_id, is_late"),
    ("OffenderContact", "offender_contact_when_cover", "occurred_at", "participant_id, is_late"),
    ("Victim", "victim_case_cover", "id", "case_id"),
    ("Offender", "offender_case_cover", "id", "case_id"),
    ("Case", "case_service_cover", "id", "service_id"),
]


def add_covering_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for model, name, key, included in COVERING_INDEXES:
        table = quote(apps.get_model("cases", model)._meta.db_table)
        schema_editor.execute(f"CREATE INDEX {quote(name)} ON {table} ({key}) INCLUDE ({included})")


def remove_covering_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _, name, _, _ in COVERING_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_list_and_search_indexes"),
    ]

    operations = [
        migrations.RunPython(add_covering_indexes, remove_covering_indexes, elidable=False),
    ]
