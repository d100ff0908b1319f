"""Subsystems plug in through entry points (probe.plugins): what is discovered, the typed config
sections, and a subsystem that fails to load (named everywhere, `run` refuses to start)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any, ClassVar

import pytest

from console.config import ConsoleConfig
from notifier.config import NotifierConfig
from probe import plugins
from probe.clips.config import ClipsConfig
from probe.config import ConfigError, ProbeConfig, Section, load_config, parse_config
from probe.history.config import HistoryConfig
from probe.ingest.config import IngestConfig
from probe.prometheus.config import PrometheusConfig
from probe.snmp.config import SnmpConfig
from tests.helpers import ROOT, run_cli


def test_every_subsystem_is_discovered_from_its_own_package() -> None:
    assert plugins.failures() == []
    sections = plugins.section_models()
    assert sections == {
        "snmp": SnmpConfig,
        "ingest": IngestConfig,
        "clips": ClipsConfig,
        "notifier": NotifierConfig,
        "console": ConsoleConfig,
        "prometheus": PrometheusConfig,
        "history": HistoryConfig,
    }
    for name, model in sections.items():
        assert name == model.SECTION
    assert NotifierConfig.__module__ == "notifier.config" and ConsoleConfig.__module__ == "console.config"
    assert [(c.name, c.module) for c in plugins.components()] == [
        ("snmp", "probe.snmp.agent"),
        ("prometheus", "probe.prometheus.service"),
        ("notifier", "notifier.service"),
        ("clips", "probe.clips.service"),
        ("ingest", "probe.ingest.service"),
        ("follow", "probe.follow"),
        ("status", "probe.status"),
        ("scheduler", "probe.scheduler"),
        ("history", "probe.history.service"),
    ]
    assert {name: m.__name__ for name, m in plugins.command_modules().items()} == {
        "clips": "probe.clips.commands",
        "notifier": "notifier.commands",
        "history": "probe.history.commands",
    }
    assert not hasattr(plugins, "evaluation_listeners")  # evaluate leaves notifying to the service
    assert {name: f.__module__ for name, f in plugins.press_hook_factories().items()} == {
        "notifier": "notifier.press_hook"
    }


def test_the_core_config_keeps_only_the_core_sections() -> None:
    # `ha`: the lease of the active probe is the service's own business (probe.lease, issue 16).
    core = {"name", "timezone", "database", "tests", "logging", "ha", "source"}
    assert set(ProbeConfig.model_fields) == core


def test_a_section_is_typed_validated_and_one_object(tmp_path: Path) -> None:
    config = parse_config({"notifier": {"language": "en"}, "snmp": {"listen": "127.0.0.1:2161"}})
    notifier = config.section(NotifierConfig)
    assert isinstance(notifier, NotifierConfig) and notifier.language == "en"
    assert config.section(NotifierConfig) is notifier  # a change made by one reader is seen by all
    assert config.section(SnmpConfig).listen == "127.0.0.1:2161"
    assert config.section(IngestConfig).tcp is None  # not in the file: defaults
    assert config.explicit_section(NotifierConfig) is notifier
    assert config.explicit_section(ConsoleConfig) is None  # not in the file: absent
    assert config.explicit_section(IngestConfig) is None

    class NotASection(Section):
        SECTION: ClassVar[str] = ""

    with pytest.raises(TypeError, match="not a subsystem section"):
        config.section(NotASection)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[notifer]\nlanguage = 'en'\n", "key 'notifer': unknown key"),
        ("[notifier]\nlangauge = 'en'\n", "key 'notifier.langauge': unknown key"),
        ("[ingest.tcp]\nlisten = 'x'\nmax_line_bytes = 1\n", "key 'ingest.tcp.max_line_bytes'"),
        ("[clips]\nkinds = ['nope']\n", "key 'clips.kinds': Value error, unknown button kind(s) nope"),
        ("snmp = 5\n", "key 'snmp': Input should be a valid dictionary"),
    ],
)
def test_subsystem_sections_fail_with_the_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "probe.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path.resolve()}: ")
    assert expected in str(info.value)


def test_core_and_section_errors_are_reported_together(tmp_path: Path) -> None:
    path = tmp_path / "probe.toml"
    path.write_text('timezone = "Mars/Olympus"\n[snmp]\nlisten = 5\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    lines = str(info.value).splitlines()
    assert any("key 'timezone'" in line for line in lines) and any(
        "key 'snmp.listen'" in line for line in lines
    )


def add_entry_points(monkeypatch: pytest.MonkeyPatch, wanted: str, entries: dict[str, str]) -> None:
    """The installed entry points plus `entries` in group `wanted` (discovery starts afresh)."""
    installed = plugins.entry_points

    def entry_points(*, group: str) -> list[EntryPoint]:
        found = list(installed(group=group))
        if group == wanted:
            found += [EntryPoint(name, value, group) for name, value in entries.items()]
        return found

    monkeypatch.setattr(plugins, "entry_points", entry_points)
    plugins.forget()


@pytest.fixture
def fresh_plugins() -> Iterator[None]:
    """Discovery is cached per process: start and leave it clean."""
    plugins.forget()
    yield
    plugins.forget()


@pytest.mark.parametrize(
    ("group", "value", "error"),
    [
        (plugins.COMPONENTS, "probe.levels", "is not a module with async start(runtime)"),
        (plugins.COMPONENTS, "tests.unit.test_plugins", "has no integer ORDER"),
        (plugins.SECTIONS, "probe.snmp.config:SnmpConfig", "SnmpConfig.SECTION is 'snmp', not 'wrong'"),
        (plugins.SECTIONS, "probe.levels:Level", "is not a probe.config.Section model"),
        (plugins.COMMANDS, "probe.levels", "is not a module with register(subparsers)"),
        (plugins.PRESS_HOOKS, "probe.levels:LEVEL_COLOURS", "is not callable"),
        (plugins.COMPONENTS, "no_such_subsystem.service", "ModuleNotFoundError: No module named"),
    ],
)
def test_an_entry_point_of_the_wrong_kind_is_a_named_failure(
    monkeypatch: pytest.MonkeyPatch, fresh_plugins: None, group: str, value: str, error: str
) -> None:
    name = "wrong"
    add_entry_points(monkeypatch, group, {name: value})
    (failure,) = plugins.failures()
    assert (failure.group, failure.name, failure.target) == (group, name, value)
    assert error in failure.error
    assert str(failure).startswith(f"subsystem 'wrong' ({group} = {value}) failed to load: ")


async def start(runtime: Any) -> None:  # makes this module look like a component without ORDER
    return None


def broken_subsystem(tmp_path: Path) -> Path:
    """A folder holding an installed distribution whose subsystem cannot be imported (as when a
    package it needs is missing), to put on PYTHONPATH."""
    site = tmp_path / "site"
    dist = site / "broken_subsystem-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-subsystem\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        textwrap.dedent(
            """\
            [prolan.sections]
            paging = broken_subsystem.config:PagingConfig
            [prolan.components]
            paging = broken_subsystem.service
            """
        )
    )
    package = site / "broken_subsystem"
    package.mkdir()
    (package / "__init__.py").write_text("raise ImportError('the pager library is not installed')\n")
    return site


def cli_with(site: Path, *args: str, config: Path) -> Any:
    return run_cli(*args, config=config, env={"PYTHONPATH": f"{ROOT}:{site}"}, timeout=120)


def test_a_subsystem_that_fails_to_load_is_named_and_run_refuses_to_start(tmp_path: Path) -> None:
    site = broken_subsystem(tmp_path)
    config = tmp_path / "probe.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "db.sqlite"}"\n[snmp]\nlisten = "127.0.0.1:0"\n',
        encoding="utf-8",
    )
    named = (
        "subsystem 'paging' (prolan.components = broken_subsystem.service) failed to load: "
        "ImportError: the pager library is not installed"
    )

    run = cli_with(site, "run", config=config)
    assert run.returncode == 2
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith("prolan-probe: not starting: ") and named in line
    assert "subsystem 'paging' (prolan.sections = broken_subsystem.config:PagingConfig)" in line

    help_text = cli_with(site, "--help", config=config)
    assert help_text.returncode == 0
    assert named in " ".join(help_text.stdout.split())  # argparse wraps the epilog

    tests = cli_with(site, "tests", config=config)
    assert tests.returncode == 0, tests.stderr
    assert "LOYALTY_MON" in tests.stdout
    assert f"prolan-probe: warning: {named}" in tests.stderr

    # A config section of the broken subsystem: the error says why it is not understood.
    config.write_text(config.read_text(encoding="utf-8") + "[paging]\nnumber = 1\n", encoding="utf-8")
    tests = cli_with(site, "tests", config=config)
    assert tests.returncode == 2
    assert (
        f"{config}: key 'paging': subsystem 'paging' (prolan.sections = broken_subsystem.config:PagingConfig) "
        "failed to load: ImportError: the pager library is not installed"
    ) in tests.stderr


def test_without_the_broken_subsystem_the_same_config_starts_cleanly(tmp_path: Path) -> None:
    """The control for the test above: the refusal comes from the broken subsystem alone."""
    config = tmp_path / "probe.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "db.sqlite"}"\n', encoding="utf-8")
    result = run_cli("--help", config=config)
    assert result.returncode == 0 and "NOT LOADED" not in result.stdout and not result.stderr


def test_run_refuses_an_install_without_components(
    monkeypatch: pytest.MonkeyPatch, fresh_plugins: None
) -> None:
    from probe.commands.base import CommandError
    from probe.commands.run import refuse_half_a_probe

    refuse_half_a_probe()  # the real install: nothing to refuse
    monkeypatch.setattr(plugins, "entry_points", lambda *, group: [])
    plugins.forget()
    with pytest.raises(CommandError, match="no service component is installed"):
        refuse_half_a_probe()
    # and a config naming a subsystem's section says what is wrong with the install
    with pytest.raises(ConfigError, match=r"key 'snmp': unknown key .*no subsystem is installed"):
        parse_config({"snmp": {}})
