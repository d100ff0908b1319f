"""Plan map files and the roll-up of states: format, errors, round trip, three-level roll-up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.plan.model import Element, MapDocument, MapFormatError, MapLibrary, load_map, save_map
from console.settings import DEMO_ROOT_MAP
from probe.demo import _POINTS
from probe.levels import Level
from tests.console_fixtures import demo_served, live_state

DEMO = DEMO_ROOT_MAP.parent


def test_demo_map_set_covers_every_demo_point_once() -> None:
    library = MapLibrary()
    points = library.points_below(load_map(DEMO_ROOT_MAP))
    assert sorted(points) == sorted(name for name, *_ in _POINTS)
    for path in DEMO.glob("*.json"):
        document = load_map(path)
        background = document.background_path()
        assert background is not None and background.is_file(), path
        assert background.stat().st_size < 80_000, f"{background} should stay small"


def test_roll_up_through_three_levels() -> None:
    library = MapLibrary()
    root = load_map(DEMO_ROOT_MAP)
    by_label = {e.caption: e for e in root.elements}
    # Тёплый Стан (Moscow → ЮЗАО → point) is bad: Moscow is bad, St Petersburg shows its edge.
    levels = library.levels(root, live_state(demo_served()))
    assert levels[by_label["Москва"].id] is Level.BAD
    assert levels[by_label["Санкт-Петербург"].id] is Level.EDGE
    assert levels[by_label["Казань"].id] is Level.ATTENTION
    assert levels[by_label["Тест работает"].id] is Level.GOOD
    # It recovers: Moscow becomes the worst of what is left below it, Речной вокзал's attention (САО).
    levels = library.levels(root, live_state(demo_served({"АЗС Тёплый Стан": Level.GOOD})))
    assert levels[by_label["Москва"].id] is Level.ATTENTION
    recovered = {"АЗС Тёплый Стан": Level.GOOD, "Речной вокзал": Level.GOOD}
    levels = library.levels(root, live_state(demo_served(recovered)))
    assert levels[by_label["Москва"].id] is Level.ACCEPTABLE  # Калужская, two levels down


def test_unknown_targets_and_cycles_are_unknown(tmp_path: Path) -> None:
    a = MapDocument(tmp_path / "a.json", "A", elements=[Element("e1", "map", "b.json", 10, 10)])
    b = MapDocument(
        tmp_path / "b.json",
        "B",
        elements=[Element("e1", "map", "a.json", 10, 10), Element("e2", "point", "Нигде", 5, 5)],
    )
    save_map(a)
    save_map(b)
    state = live_state(demo_served())
    assert MapLibrary().levels(load_map(a.path), state) == {"e1": Level.UNKNOWN}
    c = MapDocument(tmp_path / "c.json", "C", elements=[Element("e1", "map", "missing.json", 1, 1)])
    assert MapLibrary().levels(c, state) == {"e1": Level.UNKNOWN}


def test_save_load_round_trip(tmp_path: Path) -> None:
    document = load_map(DEMO / "moscow_uzao.json")
    document.add(Element(document.new_id(), "metric", "LOYALTY_MON. Тест работает", 12.5, 40, "Тест"))
    saved = save_map(document, tmp_path / "copy.json")
    again = load_map(saved)
    assert again.elements == document.elements
    assert again.title == document.title and again.background == document.background
    assert not list(tmp_path.glob(".map-*")), "no temporary file is left behind"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{ not json", "not valid JSON at line 1"),
        ('{"format": "something/2"}', "'format' must be 'prolan-map/1'"),
        (
            '{"format": "prolan-map/1", "elements": [{"kind": "lamp", "target": "x", "x": 1, "y": 2}]}',
            "elements[0].kind",
        ),
        (
            '{"format": "prolan-map/1", "elements": [{"kind": "point", "target": "x", "x": "left", "y": 2}]}',
            "elements[0].x: expected a number",
        ),
        ('{"format": "prolan-map/1", "elements": [{"kind": "point", "x": 1, "y": 2}]}', "elements[0].target"),
        ('{"format": "prolan-map/1", "background": "map.tiff"}', "bmp, jpg, gif or png"),
        ('{"format": "prolan-map/1", "colour": "red"}', "unknown key(s) colour"),
    ],
)
def test_broken_map_files_say_where_and_what(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(MapFormatError) as caught:
        load_map(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_demo_maps_are_the_documented_format() -> None:
    data = json.loads((DEMO / "russia.json").read_text(encoding="utf-8"))
    assert data["format"] == "prolan-map/1"
    assert {e["kind"] for e in data["elements"]} == {"map", "metric"}
