"""Rows that follow from rows already loaded, written by the database (INSERT ... SELECT) after the load.

They are exactly what the services would have written, worked out from the cases and people just loaded:
- the permission rows of cases.permissions: the service's RJ managers' group may view and change every case
  and person, its administrators' group may view every case; the lead and second facilitator may view the case
  and its people, and change them while the case is open (closure takes change away); an offender manager may
  follow the case and see their offender's summary, a VLO may follow the case and see what their victim shares;
- the "person added" timeline entry and processing-log row of each person (at referral, by whoever registered
  it), and the timeline entry and processing-log row of every contact (by whoever logged it).

The statements are plain SQL that PostgreSQL and SQLite both run. Each covers one range of ids of the table
it reads (`ranges`), so the rows of one chunk of cases can be derived while the next chunk is being built.
"""

from __future__ import annotations

TERMINAL = "('closed', 'withdrawn', 'not_proceeding')"


def statements(perms: dict[str, int], ranges: dict[str, tuple[int, int]]) -> list[tuple[str, str, dict[str, int]]]:
    """(table written, SQL, parameters) for the rows derived from the given id ranges of the tables read."""
    p = perms
    out: list[tuple[str, str, dict[str, int]]] = []

    def add(table: str, sql: str, **params: int) -> None:
        out.append((table, sql, params))

    def within(alias: str, table: str) -> str:
        low, high = ranges.get(table, (1, 0))
        return f"{alias}.id BETWEEN {int(low)} AND {int(high)}"

    # --- Case permissions
    case_group = "INSERT INTO cases_casegroupobjectpermission (permission_id, group_id, content_object_id) "
    for perm, role in (("view_case", "manager"), ("change_case", "manager"), ("view_case", "administrator")):
        add(
            "cases_casegroupobjectpermission",
            case_group + f"SELECT %(perm)s, g.id, c.id FROM cases_case c "
            f"JOIN auth_group g ON g.name = 'service:' || c.service_id || ':{role}' "
            f"WHERE {within('c', 'cases_case')} ORDER BY c.id",
            perm=p[perm],
        )
    case_user = "INSERT INTO cases_caseuserobjectpermission (permission_id, user_id, content_object_id) "
    for column in ("lead_facilitator_id", "second_facilitator_id"):
        add(
            "cases_caseuserobjectpermission",
            case_user + f"SELECT %(perm)s, c.{column}, c.id FROM cases_case c WHERE c.{column} IS NOT NULL "
            f"AND {within('c', 'cases_case')} ORDER BY c.id",
            perm=p["view_case"],
        )
        add(
            "cases_caseuserobjectpermission",
            case_user + f"SELECT %(perm)s, c.{column}, c.id FROM cases_case c WHERE c.{column} IS NOT NULL "
            f"AND c.stage NOT IN {TERMINAL} AND {within('c', 'cases_case')} ORDER BY c.id",
            perm=p["change_case"],
        )
    add(
        "cases_caseuserobjectpermission",
        case_user + "SELECT DISTINCT %(perm)s, x.user_id, x.case_id FROM ("
        "SELECT o.offender_manager_id AS user_id, o.case_id FROM cases_offender o "
        f"WHERE o.offender_manager_id IS NOT NULL AND {within('o', 'cases_offender')} "
        "UNION SELECT v.vlo_id AS user_id, v.case_id FROM cases_victim v "
        f"WHERE v.vlo_id IS NOT NULL AND {within('v', 'cases_victim')}) x",
        perm=p["view_case_progress"],
    )

    # --- People's permissions, and their "person added" entries
    for side, link, shared, kind in (
        ("victim", "vlo_id", "view_victim_shared", "Victim"),
        ("offender", "offender_manager_id", "view_offender_summary", "Offender"),
    ):
        people = f"cases_{side}"
        group = f"INSERT INTO cases_{side}groupobjectpermission (permission_id, group_id, content_object_id) "
        user = f"INSERT INTO cases_{side}userobjectpermission (permission_id, user_id, content_object_id) "
        for perm in (f"view_{side}", f"change_{side}"):
            add(
                f"cases_{side}groupobjectpermission",
                group + f"SELECT %(perm)s, g.id, v.id FROM {people} v JOIN cases_case c ON c.id = v.case_id "
                "JOIN auth_group g ON g.name = 'service:' || c.service_id || ':manager' "
                f"WHERE {within('v', people)} ORDER BY v.id",
                perm=p[perm],
            )
        for column in ("lead_facilitator_id", "second_facilitator_id"):
            add(
                f"cases_{side}userobjectpermission",
                user + f"SELECT %(perm)s, c.{column}, v.id FROM {people} v JOIN cases_case c ON c.id = v.case_id "
                f"WHERE c.{column} IS NOT NULL AND {within('v', people)} ORDER BY v.id",
                perm=p[f"view_{side}"],
            )
            add(
                f"cases_{side}userobjectpermission",
                user + f"SELECT %(perm)s, c.{column}, v.id FROM {people} v JOIN cases_case c ON c.id = v.case_id "
                f"WHERE c.{column} IS NOT NULL AND c.stage NOT IN {TERMINAL} AND {within('v', people)} ORDER BY v.id",
                perm=p[f"change_{side}"],
            )
        add(
            f"cases_{side}userobjectpermission",
            user + f"SELECT %(perm)s, v.{link}, v.id FROM {people} v WHERE v.{link} IS NOT NULL "
            f"AND {within('v', people)} ORDER BY v.id",
            perm=p[shared],
        )
        label = "person harmed" if side == "victim" else "person responsible"
        add(
            "cases_caseevent",
            "INSERT INTO cases_caseevent (case_id, occurred_at, actor_id, kind, side, victim_id, offender_id, "
            "summary, needs_informing) "
            f"SELECT v.case_id, v.created_at, v.created_by_id, 'participant_added', '{side}', "
            f"{'v.id' if side == 'victim' else 'NULL'}, {'v.id' if side == 'offender' else 'NULL'}, "
            f"'A {label} was added', FALSE FROM {people} v WHERE {within('v', people)} ORDER BY v.id",
        )
        add(
            "audit_processinglogentry",
            "INSERT INTO audit_processinglogentry (at, user_id, operation, person_kind, person_id, case_id, "
            "object_type, object_id, reason, break_glass, recipient, path) "
            f"SELECT v.created_at, v.created_by_id, 'collection', '{side}', v.id, v.case_id, '{kind}', v.id, "
            f"'Referral registered', FALSE, '', '' FROM {people} v WHERE {within('v', people)} ORDER BY v.id",
        )

        # --- Contacts: a timeline entry and a processing-log row each
        contacts = f"cases_{side}contact"
        add(
            "cases_caseevent",
            "INSERT INTO cases_caseevent (case_id, occurred_at, actor_id, kind, side, victim_id, offender_id, "
            "summary, needs_informing) "
            f"SELECT v.case_id, k.logged_at, k.logged_by_id, 'contact', '{side}', "
            f"{'v.id' if side == 'victim' else 'NULL'}, {'v.id' if side == 'offender' else 'NULL'}, "
            "CASE WHEN k.is_attempt THEN 'Attempted contact: ' ELSE 'Contact: ' END || t.label "
            "|| CASE WHEN k.is_late THEN ' (logged late)' ELSE '' END, FALSE "
            f"FROM {contacts} k JOIN {people} v ON v.id = k.participant_id "
            f"JOIN cases_code t ON t.id = k.contact_type_id WHERE {within('k', contacts)} ORDER BY k.id",
        )
        add(
            "audit_processinglogentry",
            "INSERT INTO audit_processinglogentry (at, user_id, operation, person_kind, person_id, case_id, "
            "object_type, object_id, reason, break_glass, recipient, path) "
            f"SELECT k.logged_at, k.logged_by_id, 'collection', '{side}', k.participant_id, v.case_id, "
            f"'{kind}Contact', k.id, 'Contact logged', FALSE, '', '' "
            f"FROM {contacts} k JOIN {people} v ON v.id = k.participant_id WHERE {within('k', contacts)} ORDER BY k.id",
        )
    return out
