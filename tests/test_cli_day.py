"""`tracker day`: a day's records (entries, the app's runs, an answered away period, a suspend)
written by the service with a fixed clock on a real data dir, read back by the real command."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from dayseed import EXPECTED, SPAN, seed_day

from tracker.store import open_store

DAY = "2026-11-20"


@pytest.fixture
def day_dir(cli):
    store = open_store(cli.data_dir)
    try:
        seed_day(store)
    finally:
        store.close()
    return cli


def test_day_json_is_the_contract_and_sums_to_the_span(day_dir):
    doc = day_dir.ok("day", "--date", DAY, "--json").json()
    assert list(doc) == ["date", "span_seconds", "tracked_seconds", "away_kept_seconds",
                         "away_discarded_seconds", "asleep_seconds", "untracked_seconds",
                         "gaps"]  # fmt: skip
    assert doc["date"] == DAY
    assert doc["span_seconds"] == SPAN  # 08:30–18:00
    assert {k: doc[f"{k}_seconds"] for k in EXPECTED} == EXPECTED
    parts = sum(v for k, v in doc.items() if k.endswith("_seconds") and k != "span_seconds")
    assert parts == doc["span_seconds"]
    kinds = [(g["from"][11:16], g["to"][11:16], g["kind"]) for g in doc["gaps"]]
    assert kinds == [
        ("08:30", "09:00", "untracked"),
        ("11:30", "12:00", "away_kept"),
        ("12:00", "13:00", "away_discarded"),
        ("15:00", "15:30", "asleep"),
        ("15:30", "16:30", "untracked"),
        ("16:30", "17:30", "untracked"),
    ]
    assert all(set(g) == {"from", "to", "kind"} for g in doc["gaps"])
    assert doc["gaps"][0]["from"] == "2026-11-20T08:30:00+01:00"


def test_day_text_lists_each_kind_and_the_holes(day_dir):
    out = day_dir.ok("day", "--date", DAY).out
    assert out.splitlines()[0] == "2026-11-20  08:30–18:00  span 9:30"
    assert "  away, discarded    1:00" in out
    assert "12:00–13:00   1:00  away, discarded" in out
    assert "16:30–17:30   1:00  untracked (the app was not running)" in out


def test_an_empty_day_and_bad_dates(cli):
    assert "nothing recorded" in cli.ok("day", "--date", "2026-01-05").out
    doc = cli.ok("--json", "day", "--date", "2026-01-05").json()
    assert doc["span_seconds"] == 0 and doc["gaps"] == []
    cli.fails("day", "--date", "the day before", code=2)


def test_today_counts_the_running_timer_up_to_now(cli):
    cli.ok("project", "add", "P")
    cli.ok("task", "add", "P", "T")
    now = datetime.now().astimezone()
    cli.ok("start", "P/T", "--at", (now - timedelta(minutes=2)).isoformat(timespec="seconds"))
    doc = cli.ok("day", "--json").json()
    assert 120 <= doc["tracked_seconds"] == doc["span_seconds"] <= 180
