"""Dashboard and Cockpit as console views: built from `[console.dashboard]` / `[console.cockpit]`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from console import cockpit, dashboard
from probe.config import ProbeConfig, load_config
from tests.gui.test_cockpit import seed


@dataclass
class Context:
    config: ProbeConfig
    engine: Engine


def test_views_follow_the_config(qtbot, engine: Engine, tmp_path: Path, english: None) -> None:  # type: ignore[no-untyped-def]
    seed(engine)
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    path = tmp_path / "probe.toml"
    path.write_text(
        '[console]\nlanguage = "en"\n[console.dashboard]\ntiles = ["company", "point:Калужская"]\ncolumns = 1\n'
        '[console.cockpit]\ntests = ["QUEUE_LEN"]\npoints = []\nname_contains = ""\nhours = 24\n',
        encoding="utf-8",
    )
    context = Context(load_config(path), engine)
    board = dashboard.create_view(context)  # in English: what the app sets from [console] language
    qtbot.addWidget(board)
    assert isinstance(board, dashboard.DashboardView)
    assert [tile.state.scope.label for tile in board.tiles] == ["Итого по компании", "Калужская"]
    assert board.tiles[0].index_caption() == "Loyalty index"
    view = cockpit.create_view(context)
    qtbot.addWidget(view)
    assert isinstance(view, cockpit.Cockpit)
    assert view.layout_spec.tests == ["QUEUE_LEN"]

    # A broken layout file: the view opens with the filters and says what is wrong.
    path.write_text('[console.cockpit]\nlayout = "broken.json"\n', encoding="utf-8")
    view = cockpit.create_view(Context(load_config(path), engine))
    qtbot.addWidget(view)
    assert "broken.json: not JSON" in view.detail_label.text()
    assert (tmp_path / "broken.json").read_text(encoding="utf-8") == "{"
