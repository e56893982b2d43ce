"""The day accounted for: exact examples, and properties that hold for any records."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.daybook import KINDS, AwayRecord, DayRecords, Period, account

H = 3600
LO = 1_795_996_800  # 2026-11-30T00:00:00Z: the day [LO, HI)
HI = LO + 24 * H


def p(a: float, b: float) -> Period:
    return Period(LO + int(a * H), LO + int(b * H))


def test_a_day_with_every_kind():
    rec = DayRecords(
        entries=[p(9, 10), p(10, 12), p(14, 15)],  # 10-12 includes a kept away hour
        sessions=[p(8.5, 17)],
        away=[
            AwayRecord(LO + 11 * H, LO + 12 * H, "keep"),
            AwayRecord(LO + 12 * H, LO + 13 * H, "discard"),
        ],
        asleep=[p(13, 13.5)],
    )
    a = account(rec, LO, HI)
    assert (a.start, a.end) == (LO + 8.5 * H, LO + 17 * H)
    assert a["tracked"] == 3 * H  # 4 h of entries less the kept away hour
    assert a["away_kept"] == H
    assert a["away_discarded"] == H
    assert a["asleep"] == H // 2
    assert a["untracked"] == H // 2 + H // 2 + 2 * H  # 8:30-9, 13:30-14, 15-17
    assert sum(a.seconds.values()) == a.span_seconds
    kinds = [(g.kind, (g.start - LO) / H, (g.end - LO) / H) for g in a.gaps]
    assert kinds == [
        ("untracked", 8.5, 9),
        ("away_kept", 11, 12),
        ("away_discarded", 12, 13),
        ("asleep", 13, 13.5),
        ("untracked", 13.5, 14),
        ("untracked", 15, 17),
    ]


def test_a_hole_while_the_app_was_closed_is_untracked_and_said_so():
    rec = DayRecords(entries=[p(9, 10), p(12, 13)], sessions=[p(9, 11)])
    a = account(rec, LO, HI)
    assert a["untracked"] == 2 * H
    assert [(g.app_running, (g.start - LO) / H) for g in a.gaps] == [(True, 10), (False, 11)]


def test_an_away_period_moved_to_an_entry_is_tracked():
    rec = DayRecords(entries=[p(9, 11)], away=[AwayRecord(LO + 9 * H, LO + 10 * H, "assign")])
    a = account(rec, LO, HI)
    assert a["tracked"] == 2 * H and not a.gaps


def test_records_are_clipped_to_the_day_and_an_empty_day_is_zero():
    rec = DayRecords(entries=[p(-2, 1)], sessions=[p(23, 26)])
    a = account(rec, LO, HI)
    assert (a.start, a.end) == (LO, HI)
    assert a["tracked"] == H and a["untracked"] == 23 * H
    empty = account(DayRecords(), LO, HI)
    assert empty.span_seconds == 0 and set(empty.seconds.values()) == {0} and not empty.gaps


times = st.integers(min_value=LO - 2 * H, max_value=HI + 2 * H)


@st.composite
def periods(draw, n=6):
    out = []
    for _ in range(draw(st.integers(0, n))):
        a, b = draw(times), draw(st.integers(1, 6 * H))
        out.append(Period(a, a + b))
    return out


answers = st.sampled_from(["keep", "discard", "stop", "assign", "separate"])


@st.composite
def records(draw):
    away = [AwayRecord(x.start, x.end, draw(answers)) for x in draw(periods())]
    return DayRecords(draw(periods()), draw(periods()), away, draw(periods()))


@settings(max_examples=100)
@given(records())
def test_the_kinds_sum_exactly_to_the_span(rec):
    a = account(rec, LO, HI)
    assert set(a.seconds) == set(KINDS)
    assert all(v >= 0 for v in a.seconds.values())
    assert sum(a.seconds.values()) == a.span_seconds
    assert LO <= a.start <= a.end <= HI
    # the gaps are the untracked kinds, in order, disjoint, inside the span
    for kind in KINDS[1:]:
        assert sum(g.seconds for g in a.gaps if g.kind == kind) == a[kind]
    ends = [(g.start, g.end) for g in a.gaps]
    assert all(s < e for s, e in ends)
    assert all(e1 <= s2 for (_, e1), (s2, _) in itertools.pairwise(ends))
    assert all(a.start <= s and e <= a.end for s, e in ends)


@settings(max_examples=100)
@given(records())
def test_tracked_time_is_exactly_the_entries_less_kept_away_time(rec):
    a = account(rec, LO, HI)

    def union(ps):
        secs = set()
        for x in ps:
            secs.update(range(max(x.start, LO) // 60, min(x.end, HI) // 60))
        return secs

    # on a minute grid (the strategies are not aligned: compare with a coarse model)
    coarse = DayRecords(
        [Period(x.start // 60 * 60, x.end // 60 * 60) for x in rec.entries],
        [], [AwayRecord(x.start // 60 * 60, x.end // 60 * 60, x.answer) for x in rec.away], [],
    )  # fmt: skip
    b = account(coarse, LO // 60 * 60, HI // 60 * 60)
    in_entries = union(coarse.entries)
    kept = union(Period(x.start, x.end) for x in coarse.away if x.answer == "keep")
    assert b["tracked"] == 60 * len(in_entries - kept)
    assert b["away_kept"] == 60 * len(in_entries & kept)
    assert a["tracked"] + a["away_kept"] == _covered_seconds(rec.entries)


def _covered_seconds(ps) -> int:
    ivs = sorted(
        (max(x.start, LO), min(x.end, HI)) for x in ps if min(x.end, HI) > max(x.start, LO)
    )
    total, reach = 0, None
    for s, e in ivs:
        if reach is None or s > reach:
            total += e - s
            reach = e
        elif e > reach:
            total += e - reach
            reach = e
    return total
