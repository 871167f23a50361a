"""Indexes for the case lists and search at national size (bench/README.md, "Plans after the fixes").

- case_recent: every case newest first, which a list of cases from the permission rows walks, checking each
  row's permission by index, when the user may see many cases (cases.permissions.visible_list).
- PostgreSQL only: the pg_trgm extension and trigram indexes on the upper-cased case references and people's
  names, which serve Django's `icontains` (UPPER(column) LIKE UPPER('%term%')), and expression indexes for the
  `iexact` lookups on the police reference and the offender identifiers; statistics on (holder, permission)
  of the permission tables, for the estimates cases.permissions.visible_list relies on. They are not part of
  the models' state (SQLite, used by `make run` and the tests, has neither GIN indexes nor pg_trgm; the
  search gives the same results there without them).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

# (model, index, column, index method and operator class)
TRIGRAM = "USING gin ({} gin_trgm_ops)"
BTREE = "({})"
SEARCH_INDEXES = [
    ("Case", "case_reference_trgm", "reference", TRIGRAM),
    ("Case", "case_police_reference_upper", "police_reference", BTREE),
    ("Victim", "victim_first_name_trgm", "first_name", TRIGRAM),
    ("Victim", "victim_last_name_trgm", "last_name", TRIGRAM),
    ("Offender", "offender_first_name_trgm", "first_name", TRIGRAM),
    ("Offender", "offender_last_name_trgm", "last_name", TRIGRAM),
    ("Offender", "offender_pnc_id_upper", "pnc_id", BTREE),
    ("Offender", "offender_prison_number_upper", "prison_number", BTREE),
    ("Offender", "offender_crn_upper", "crn", BTREE),
]


# Statistics on the holder and the permission together: an administrators' group holds view_case only, which
# the planner, taking the two columns as independent, would otherwise count a third too low.
PERMISSION_STATISTICS = [
    (model, f"{prefix}_{holder}_permission_stats", holder)
    for model, prefix in (("Case", "case"), ("Victim", "victim"), ("Offender", "offender"))
    for holder in ("user", "group")
]


def _permission_table(apps, model: str, holder: str) -> str:
    name = f"{model}{'User' if holder == 'user' else 'Group'}ObjectPermission"
    return apps.get_model("cases", name)._meta.db_table


def add_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for model, name, column, method in SEARCH_INDEXES:
        table = apps.get_model("cases", model)._meta.db_table
        # UPPER(column) as Django's icontains and iexact write it, so that the planner matches the expression
        expression = f"(UPPER({quote(column)}::text))"
        schema_editor.execute(f"CREATE INDEX {quote(name)} ON {quote(table)} {method.format(expression)}")
    for model, name, holder in PERMISSION_STATISTICS:
        table = quote(_permission_table(apps, model, holder))
        schema_editor.execute(
            f"CREATE STATISTICS {quote(name)} (dependencies, mcv) ON {quote(holder + '_id')}, permission_id FROM {table}"
        )
        schema_editor.execute(f"ANALYZE {table}")


def remove_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _, name, _ in PERMISSION_STATISTICS:
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {schema_editor.quote_name(name)}")
    for _, name, _, _ in SEARCH_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_first_contact_and_quarter_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["-created_at", "-id"], name="case_recent"),
        ),
        TrigramExtension(),
        migrations.RunPython(add_search_indexes, remove_search_indexes, elidable=False),
    ]
