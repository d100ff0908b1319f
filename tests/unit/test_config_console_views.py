"""`[console.dashboard]` and `[console.cockpit]`: defaults and errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.config import ConsoleConfig
from probe.config import ConfigError, load_config


def test_dashboard_and_cockpit_defaults_show_the_degrading_demo_point(tmp_path: Path) -> None:
    path = tmp_path / "probe.toml"
    path.write_text("", encoding="utf-8")
    config = load_config(path)
    assert config.explicit_section(ConsoleConfig) is None  # no [console]: the console uses these defaults
    defaults = ConsoleConfig()
    assert "point:АЗС Тёплый Стан" in defaults.dashboard.tiles
    assert "АЗС Тёплый Стан" in defaults.cockpit.points


def test_dashboard_tiles_and_cockpit_keys_are_read(tmp_path: Path) -> None:
    path = tmp_path / "probe.toml"
    path.write_text(
        '[console.dashboard]\ntiles = ["company", "region:Москва"]\nhours = 8\ncolumns = 1\n'
        '[console.cockpit]\nlayout = "cockpit.json"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.explicit_section(ConsoleConfig) is not None
    assert config.section(ConsoleConfig).dashboard.tiles == ["company", "region:Москва"]
    assert config.section(ConsoleConfig).dashboard.hours == 8
    assert (
        config.resolve_path(config.section(ConsoleConfig).cockpit.layout or Path())
        == tmp_path / "cockpit.json"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[console.dashboard]\ntiles = ["shop:1"]\n', "key 'console.dashboard.tiles'"),
        ("[console.dashboard]\nhours = 0\n", "key 'console.dashboard.hours'"),
        ("[console.cockpit]\nrows = 3\n", "key 'console.cockpit.rows': unknown key"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "probe.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=expected):
        load_config(path)
