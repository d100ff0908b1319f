"""`prolan-probe run` without the engine's help: components that fail, a log file that cannot be
opened (the full service with the engine is in tests/integration/test_service.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from probe.config import load_config
from probe.snapshot import SnapshotHub
from tests.helpers import run_cli


def test_a_log_file_that_cannot_be_opened_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    config = tmp_path / "probe.toml"
    config.write_text(f'[logging]\nfile = "{blocker}/probe.log"\n', encoding="utf-8")
    result = run_cli("run", config=config, timeout=60)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(
        f"prolan-probe: [logging] file = '{blocker}/probe.log': cannot open the log file: "
    )


async def test_a_component_that_fails_to_start_stops_the_started_ones_and_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service never runs half (issue 17): one component that cannot start stops the ones
    already started, and `run` refuses with that component's one line."""
    from probe.commands.run import RunRefused, start_components
    from probe.service import Runtime

    package = tmp_path / "components"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "broken.py").write_text(
        "from probe.service import ComponentStartError\n\n"
        "async def start(runtime):\n"
        "    raise ComponentStartError(\"[ingest.tcp] listen = '0.0.0.0:7070': cannot listen: in use\")\n",
        encoding="utf-8",
    )
    (package / "crashing.py").write_text(
        "async def start(runtime):\n    raise OSError('no')\n", encoding="utf-8"
    )
    (package / "working.py").write_text(
        "STOPPED = []\n\nclass C:\n    async def stop(self):\n        STOPPED.append(self)\n\n"
        "async def start(runtime):\n    return C()\n",
        encoding="utf-8",
    )
    (package / "disabled.py").write_text("async def start(runtime):\n    return None\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    runtime: Any = Runtime(config=load_config(None), engine=None, hub=SnapshotHub())  # type: ignore[arg-type]
    with pytest.raises(RunRefused) as info:
        await start_components(runtime, ["components.working", "components.disabled", "components.broken"])
    assert str(info.value) == "[ingest.tcp] listen = '0.0.0.0:7070': cannot listen: in use"
    import components.working as working  # type: ignore[import-not-found]

    assert len(working.STOPPED) == 1  # stopped again: nothing runs half
    with pytest.raises(RunRefused, match=r"component components.crashing cannot start: OSError: no"):
        await start_components(runtime, ["components.working", "components.crashing"])
    assert len(working.STOPPED) == 2
    started = await start_components(runtime, ["components.working", "components.disabled"])
    assert [name for name, _ in started] == ["components.working"]
