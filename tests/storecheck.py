"""The local store's invariants, checked on the raw SQLite file (after kills, races, crashes)."""

from __future__ import annotations

import sqlite3


def store_problems(conn: sqlite3.Connection) -> list[str]:
    """Every broken invariant of a tracker database, as one line each (empty when sound)."""
    problems: list[str] = []
    integrity = conn.execute("PRAGMA integrity_check").fetchall()
    if integrity != [("ok",)]:
        problems.append(f"integrity_check: {integrity}")
    fk = conn.execute("PRAGMA foreign_key_check").fetchall()
    if fk:
        problems.append(f"foreign_key_check: {fk[:5]}")
    if not conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'intervals'"
    ).fetchone():
        return problems  # no schema yet (killed before the first migration committed)
    running = conn.execute(
        "SELECT COUNT(*) FROM intervals WHERE deleted = 0 AND ended_at IS NULL"
    ).fetchone()[0]
    if running > 1:
        problems.append(f"{running} running intervals")
    # Sorted by start, live entries overlap somewhere iff two neighbours overlap.
    overlaps = conn.execute(
        """
        SELECT prev_id, id FROM (
            SELECT id, started_at,
                LAG(id) OVER w AS prev_id,
                LAG(COALESCE(ended_at, 1 << 62)) OVER w AS prev_end
            FROM intervals WHERE deleted = 0
            WINDOW w AS (ORDER BY started_at, id)
        ) WHERE prev_end > started_at LIMIT 5
        """
    ).fetchall()
    if overlaps:
        problems.append(f"overlapping live intervals: {overlaps}")
    orphans = conn.execute(
        "SELECT i.id FROM intervals i LEFT JOIN tasks t ON t.id = i.task_id "
        "WHERE t.id IS NULL LIMIT 5"
    ).fetchall()
    orphans += conn.execute(
        "SELECT t.id FROM tasks t LEFT JOIN projects p ON p.id = t.project_id "
        "WHERE p.id IS NULL LIMIT 5"
    ).fetchall()
    if orphans:
        problems.append(f"rows without their task or project: {orphans}")
    bad_revisions = conn.execute(
        "SELECT 'interval', id FROM intervals WHERE revision < 1 UNION ALL "
        "SELECT 'task', id FROM tasks WHERE revision < 1 UNION ALL "
        "SELECT 'project', id FROM projects WHERE revision < 1 LIMIT 5"
    ).fetchall()
    if bad_revisions:
        problems.append(f"revisions below 1: {bad_revisions}")
    bad_spans = conn.execute(
        "SELECT id FROM intervals WHERE ended_at IS NOT NULL AND ended_at <= started_at LIMIT 5"
    ).fetchall()
    if bad_spans:
        problems.append(f"entries ending at or before their start: {bad_spans}")
    longest = conn.execute(
        "SELECT COALESCE(MAX(ended_at - started_at), 0) FROM intervals "
        "WHERE deleted = 0 AND ended_at IS NOT NULL"
    ).fetchone()[0]
    bound = conn.execute("SELECT value FROM meta WHERE key = 'max_span_seconds'").fetchone()
    if bound is None or bound[0] < longest:
        problems.append(f"meta.max_span_seconds {bound} below the longest entry {longest}")
    return problems
