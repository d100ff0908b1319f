"""Property (SPEC §3, late presses): at every evaluation, LOYALTY_MON (SQL, incremental day state
advanced by the ingestion mark) equals the plain-Python reference of SPEC §3 computed over every
press stored at that moment — with presses arriving in random batches between evaluations, at any
time of the day (late ones included), and whatever order the intervals are evaluated in (normal
runs, catch-up after a gap, re-evaluation, backfill of earlier intervals), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from tests.loyalty_mon.support import (
    P,
    by_key,
    clear,
    expected_measurements,
    insert_presses,
    run,
    setup_chain,
    window,
)

MSK = ZoneInfo("Europe/Moscow")
# Five one-minute intervals around local midnight: answers cross interval and day boundaries.
FIRST = dt.datetime(2026, 11, 20, 23, 57, tzinfo=MSK)
ENDS = [FIRST + dt.timedelta(minutes=k) for k in range(1, 6)]
BASE_UTC = FIRST.astimezone(dt.UTC).replace(tzinfo=None)

PAD_KINDS = {
    "K1": ["seller", "seller", "positive", "negative", "passive", "force_majeure"],
    "K2": ["seller", "seller", "positive", "negative", "passive"],
    "T1": ["positive", "negative", "passive", "force_majeure"],
    "A1": ["positive", "negative", "passive", "red", "force_majeure"],
}


# Gaps between consecutive presses of one pad, in ms: the exact window edges (10 s and 30 s), one
# millisecond either side, the same millisecond, and longer pauses.
GAPS_MS = [0, 1, 500, 9_999, 10_000, 10_001, 15_000, 29_999, 30_000, 30_001, 45_000, 70_000]


@st.composite
def pad_presses(draw: st.DrawFn, pad: str) -> list[P]:
    """A pad's presses as a walk through time from a random start in the first minute."""
    # Starts that put a window edge exactly on an interval end (30 s and 50 s before it) or near it.
    offset = draw(st.sampled_from([30_000, 50_000, 0, 1, 29_999, 30_001, 59_999, 17_321]))
    at = BASE_UTC + dt.timedelta(milliseconds=offset)
    out: list[P] = []
    for _ in range(draw(st.integers(0, 14))):
        kind = draw(st.sampled_from(PAD_KINDS[pad]))
        answer = pad == "A1" and kind in ("positive", "negative", "passive")
        question = draw(st.sampled_from(["q1", "q2"])) if answer else None
        button = draw(st.sampled_from([5, 6])) if pad == "K1" and kind == "seller" else None
        out.append(P(pad, kind, at, question, button))
        at += dt.timedelta(milliseconds=draw(st.sampled_from(GAPS_MS)))
    return out


@st.composite
def chain_presses(draw: st.DrawFn) -> list[P]:
    """Presses of all pads, stored interleaved in a random order (ties in one millisecond are
    broken by the stored order), without the duplicates the aggregator refuses."""
    items = [p for pad in sorted(PAD_KINDS) for p in draw(pad_presses(pad))]
    unique = list({(p.pad, p.button or p.kind, p.at): p for p in items}.values())
    return draw(st.permutations(unique))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    items=chain_presses(),
    order=st.lists(st.sampled_from(range(len(ENDS))), min_size=0, max_size=4),
    data=st.data(),
)
def test_incremental_equals_recount_with_presses_arriving_between_runs(
    engine: Engine, items: list[P], order: list[int], data: st.DataObject
) -> None:
    topology = setup_chain(engine)
    clear(engine)
    # Every interval in order (the scheduler's way: incremental day state), then a random order
    # (re-evaluations, gaps, backfills); before each evaluation a random batch of the presses is
    # stored — any of them, so a press may arrive long after its interval was evaluated.
    sequence = [*range(len(ENDS)), *order]
    cuts = sorted(
        data.draw(st.lists(st.integers(0, len(items)), min_size=len(sequence), max_size=len(sequence)))
    )
    cuts[-1] = len(items)  # by the last evaluation everything has arrived
    stored: list[P] = []
    for index, cut in zip(sequence, cuts, strict=True):
        batch = items[len(stored) : cut]
        insert_presses(engine, topology, batch)
        stored += batch
        win = window(ENDS[index], minutes=1)
        assert by_key(run(engine, topology, win)) == expected_measurements(topology, stored, win), (
            ENDS[index],
            len(stored),
        )
