"""Hostile map files in the Plan view (issue 17, point 9): an oversized or unreadable background
is named in the map's banner, backgrounds are read only from the maps folder (or an allow-list),
and a chain of 1,500 nested maps rolls up without hitting the recursion limit."""

from __future__ import annotations

import json
import os
import struct
import zlib
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pytestqt.qtbot import QtBot

from console.plan.model import MapLibrary, load_map
from console.plan.scene import EMPTY_MAP_SIZE
from console.plan.view import PlanView
from probe.config import parse_config
from probe.levels import Level
from tests.console_fixtures import demo_served, live_state

BAD_POINT = "АЗС Тёплый Стан"


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header says width × height (the pixel data is cut short)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))


def write_map(path: Path, background: str = "", elements: list[dict[str, object]] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "format": "prolan-map/1",
        "title": path.stem,
        "background": background,
        "elements": elements or [],
    }
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def open_view(qtbot: QtBot, root: Path, config: object = None) -> PlanView:
    context = None
    if config is not None:
        from types import SimpleNamespace

        context = SimpleNamespace(config=config)
    widget = PlanView(root, live_state=live_state(demo_served({BAD_POINT: Level.BAD})))
    if context is not None:  # only the config is read from the context for backgrounds
        from console.plan.view import background_folders

        widget.scene.background_folders = background_folders(root, context)  # type: ignore[arg-type]
        widget.open_map(root, push=False)
    qtbot.addWidget(widget)
    return widget


def test_an_oversized_background_is_named_in_the_banner(qtbot: QtBot, tmp_path: Path) -> None:
    (tmp_path / "maps" / "backgrounds").mkdir(parents=True)
    (tmp_path / "maps" / "backgrounds" / "huge.png").write_bytes(png_header(20_000, 20_000))
    root = write_map(tmp_path / "maps" / "root.json", "backgrounds/huge.png")
    view = open_view(qtbot, root)
    assert not view.banner.isHidden()
    text = view.banner.text()
    assert str(root) in text and "huge.png" in text and "20000×20000" in text, text
    assert view.scene.background.width() == EMPTY_MAP_SIZE[0]  # the empty grid, not a blank


def test_an_unreadable_background_is_named_in_the_banner(qtbot: QtBot, tmp_path: Path) -> None:
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "broken.png").write_bytes(b"this is not a picture")
    root = write_map(tmp_path / "maps" / "root.json", "broken.png")
    view = open_view(qtbot, root)
    assert "broken.png" in view.banner.text() and not view.banner.isHidden()
    missing = write_map(tmp_path / "maps" / "missing.json", "gone.png")
    view.open_map(missing)
    assert "gone.png" in view.banner.text() and not view.banner.isHidden()


def test_backgrounds_are_read_only_from_the_maps_folder_or_the_allow_list(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from PyQt6.QtGui import QColor, QImage

    outside = tmp_path / "elsewhere" / "secret.png"
    outside.parent.mkdir()
    image = QImage(300, 200, QImage.Format.Format_RGB32)
    image.fill(QColor("#336699"))
    assert image.save(str(outside))
    root = write_map(tmp_path / "maps" / "root.json", "../elsewhere/secret.png")
    view = open_view(qtbot, root)
    assert "background_folders" in view.banner.text()
    assert view.scene.background.width() == EMPTY_MAP_SIZE[0]
    # a symbolic link inside the maps folder to the outside is outside too
    (tmp_path / "maps" / "link.png").symlink_to(outside)
    linked = write_map(tmp_path / "maps" / "linked.json", "link.png")
    view.open_map(linked)
    assert "background_folders" in view.banner.text()
    config = parse_config({"console": {"background_folders": [str(tmp_path / "elsewhere")]}})
    allowed = open_view(qtbot, root, config)
    assert allowed.banner.isHidden(), allowed.banner.text()
    assert (allowed.scene.background.width(), allowed.scene.background.height()) == (300, 200)


def test_a_chain_of_1500_nested_maps_rolls_up_without_recursion(qtbot: QtBot, tmp_path: Path) -> None:
    depth = 1500
    folder = tmp_path / "maps"
    for level in range(depth):
        elements: list[dict[str, object]] = [
            {"id": "down", "kind": "map", "target": f"level{level + 1}.json", "x": 100, "y": 100}
        ]
        if level == depth - 1:
            elements = [{"id": "point", "kind": "point", "target": BAD_POINT, "x": 100, "y": 100}]
        write_map(folder / f"level{level}.json", elements=elements)
    root = folder / "level0.json"
    library = MapLibrary()
    document = load_map(root)
    state = live_state(demo_served({BAD_POINT: Level.BAD}))
    assert library.levels(document, state) == {"down": Level.BAD}
    assert library.points_below(document) == [BAD_POINT]
    view = open_view(qtbot, root)
    assert view.banner.isHidden(), view.banner.text()
    assert view.scene.items_by_id["down"].level is Level.BAD
    # a cycle at the bottom instead of the point: unknown, not a hang or a crash
    write_map(
        folder / f"level{depth - 1}.json",
        elements=[{"id": "up", "kind": "map", "target": "level0.json", "x": 1, "y": 1}],
    )
    assert MapLibrary().levels(load_map(root), state) == {"down": Level.UNKNOWN}
