from __future__ import annotations

from pathlib import Path

import pytest

from probe.config import ConfigError, load_config
from probe.snmp.config import SnmpConfig


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "probe.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PROLAN_CONFIG", raising=False)
    monkeypatch.setenv("PROLAN_DATA_DIR", str(tmp_path))
    config = load_config()
    assert config.timezone == "Europe/Moscow"
    assert config.database.url == f"sqlite:///{tmp_path / 'aggregator.sqlite'}"
    assert config.section(SnmpConfig).listen == "127.0.0.1:1161"


def test_values_are_read(tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path, 'timezone = "Asia/Yekaterinburg"\n[database]\nurl = "sqlite:///x.db"\n')
    )
    assert config.tz.key == "Asia/Yekaterinburg"
    assert config.database.url == "sqlite:///x.db"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('timezone = "Mars/Olympus"\n', "key 'timezone': Value error, unknown IANA time zone 'Mars/Olympus'"),
        ('[database]\nurl = "mysql://x"\n', "key 'database.url'"),
        ('[databse]\nurl = "sqlite:///x"\n', "key 'databse': unknown key"),
        ("[snmp]\nlisten = 5\n", "key 'snmp.listen'"),
        ("[tests.LOYALTY_MON]\ninterval_minutes = 0\n", "key 'tests.LOYALTY_MON.interval_minutes'"),
        ("[tests.LOYALTY_MON]\nintervl = 10\n", "key 'tests.LOYALTY_MON.intervl': unknown key"),
        ("timezone = \n", "not valid TOML"),
    ],
)
def test_errors_name_the_file_and_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(str(path.resolve()) if "TOML" not in expected else str(path))
    assert expected in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_example_config_is_valid() -> None:
    root = Path(__file__).resolve().parents[2]
    config = load_config(root / "probe.example.toml")
    assert config.timezone == "Europe/Moscow"
