"""`prolan-probe run` without the engine's help: components that fail, a log file that cannot be
opened (the full service with the engine is in tests/integration/test_service.py)."""

from __future__ import annotations

import time
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


async def test_a_component_that_fails_to_start_is_logged_and_the_others_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from probe.commands.run import start_components, stop_components
    from probe.service import Runtime

    package = tmp_path / "components"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "broken.py").write_text(
        "async def start(runtime):\n    raise OSError('port in use')\n", encoding="utf-8"
    )
    (package / "working.py").write_text(
        "STOPPED = []\n\nclass C:\n    async def stop(self):\n        STOPPED.append(self)\n\n"
        "async def start(runtime):\n    return C()\n",
        encoding="utf-8",
    )
    (package / "disabled.py").write_text("async def start(runtime):\n    return None\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    runtime: Any = Runtime(config=load_config(None), engine=None, hub=SnapshotHub())  # type: ignore[arg-type]
    started = await start_components(
        runtime, ["components.broken", "components.working", "components.disabled", "components.missing"]
    )
    assert [name for name, _ in started] == ["components.working"]
    assert "component components.broken failed to start" in caplog.text and "port in use" in caplog.text
    assert "component components.missing failed to start" in caplog.text
    await stop_components(started, time.monotonic() + 1)
    import components.working as working  # type: ignore[import-not-found]

    assert len(working.STOPPED) == 1
