"""A real `prolan-probe run` for the NMS tests (Zabbix, Prometheus, check_snmp): a configuration in
the test's folder, the demo chain's data, and one extra evaluation test, NMS_CHECK, that runs every
minute and whose "switch" value the test sets through a file (so a level change, and its trap,
happens when the test wants it). NMS_CHECK also gives a metric without a value and one whose name
is longer than Zabbix's 255 characters."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.helpers import ROOT, run_cli
from tests.snmp_tools import free_udp_port

NMS_TEST = """
from pathlib import Path

from probe.api import COMPANY, EvaluationTest, Measurement, Param, TestContext, ThresholdTable

LONG_NAME = "Доля клиентов, которые ответили на все вопросы анкеты и оставили развёрнутый отзыв о качестве обслуживания в зале, на кассе и в зоне выдачи заказов за время наблюдения"


class NmsCheck(EvaluationTest):
    name = "NMS_CHECK"
    description = "Проверка NMS: значение переключателя из файла"
    interval_minutes = 1
    parameters = {"switch_file": Param("", "file holding the switch value")}

    def run(self, ctx: TestContext) -> list[Measurement]:
        switch = float(Path(self.params["switch_file"]).read_text(encoding="utf-8"))
        return [
            Measurement("Переключатель", switch, point=COMPANY, period="interval", unit="%",
                        thresholds=ThresholdTable.higher_worse(20, 40, 60, 80)),
            Measurement("Без значения", None, point=COMPANY, period="day",
                        thresholds=ThresholdTable.higher_worse(1, 2, 3, 4)),
            Measurement(LONG_NAME, 12.5, point=COMPANY, methodology="УСОКОК", question="Q2", period="day"),
        ]
"""

SWITCH = "NMS_CHECK. Итого по компании. Переключатель. Интервал 1 мин"
NO_VALUE = "NMS_CHECK. Итого по компании. Без значения. Текущие сутки"
LEVEL_NUMBERS = {"good": 1, "acceptable": 2, "attention": 3, "edge": 4, "bad": 5, "unknown": 6, None: 7}


class NmsProbe:
    """`start()` runs the service; `metrics()` is `prolan-probe metrics --format json`."""

    def __init__(self, folder: Path, name: str = "Зонд NMS", extra: str = "") -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "nms_tests").mkdir(exist_ok=True)
        self.switch_file = folder / "switch.txt"
        self.switch_file.write_text("10", encoding="utf-8")
        self.snmp_port = free_udp_port()
        self.log_path = folder / "probe.log"
        self.config = folder / "probe.toml"
        self._base = (
            f'name = "{name}"\n'
            'timezone = "Europe/Moscow"\n'
            f'[database]\nurl = "sqlite:///{folder / "aggregator.sqlite"}"\n'
            f'[snmp]\nlisten = "127.0.0.1:{self.snmp_port}"\n'
            '[snmp.v2c]\ncommunities = ["public"]\n'
            f'[logging]\nfile = "{self.log_path}"\nlevel = "INFO"\n' + extra
        )
        # The demo's days are evaluated without NMS_CHECK (a minute test would add a thousand runs).
        self.config.write_text(self._base + '[tests]\ndirs = ["nms_tests"]\n', encoding="utf-8")
        self.process: subprocess.Popen[bytes] | None = None

    def add_check_test(self) -> None:
        (self.folder / "nms_tests" / "nms_check.py").write_text(NMS_TEST, encoding="utf-8")
        self.config.write_text(
            self._base + '[tests]\ndirs = ["nms_tests"]\ngrace_seconds = 1.0\n'
            f'[tests.NMS_CHECK.parameters]\nswitch_file = "{self.switch_file}"\n',
            encoding="utf-8",
        )

    @property
    def snmp_address(self) -> str:
        return f"127.0.0.1:{self.snmp_port}"

    def demo(self, days: float = 0.5) -> None:
        run_cli("demo", "--days", str(days), config=self.config, check=True, timeout=600)

    def start(self) -> None:
        self.add_check_test()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("NOTIFY_SOCKET", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "probe", "--config", str(self.config), "run"],
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "stderr.txt").open("wb"),
            env=env,
            cwd=ROOT,
        )
        self.wait_for(lambda: "probe running" in self.log(), "the probe to run", 120)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def wait_for(self, condition: Any, what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"the probe exited before {what}:\n{self.log()[-3000:]}")
            time.sleep(0.5)
        raise AssertionError(f"timed out waiting for {what}:\n{self.log()[-3000:]}")

    def metrics(self) -> list[dict[str, Any]]:
        result = run_cli("metrics", "--format", "json", config=self.config, check=True)
        metrics: list[dict[str, Any]] = json.loads(result.stdout)
        return metrics

    def set_switch(self, value: float) -> None:
        self.switch_file.write_text(str(value), encoding="utf-8")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
