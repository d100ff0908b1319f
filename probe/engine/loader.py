"""Finding and loading evaluation tests: every `*.py` in the built-in `tests_scripts/` folder and in
the folders of `[tests] dirs`. A file that cannot be imported, or defines no valid test, is reported
with its traceback and the others load regardless."""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import logging
import re
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from probe.api import EvaluationTest
from probe.config import ProbeConfig
from probe.resources import builtin_tests_dir
from probe.store.limits import over_limit
from probe.store.schema import test_runs

log = logging.getLogger(__name__)

# The folder of the tests shipped with the probe (LOYALTY_MON, APP_RESPONSE, QUEUE_LEN).
BUILTIN_DIR = builtin_tests_dir()
_TEST_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


@dataclass(frozen=True)
class LoadFailure:
    path: Path
    error: str
    traceback: str = ""


@dataclass
class LoadReport:
    loaded: dict[str, type[EvaluationTest]] = field(default_factory=dict)
    failed: list[LoadFailure] = field(default_factory=list)
    sources: dict[str, Path] = field(default_factory=dict)  # test name -> file it came from


def test_dirs(config: ProbeConfig) -> list[Path]:
    dirs = [BUILTIN_DIR] if config.tests.builtin else []
    dirs += [config.resolve_path(path) for path in config.tests.dirs]
    return dirs


def _problem(cls: type[EvaluationTest]) -> str | None:
    """Why a class cannot be used as a test, or None."""
    if not isinstance(cls.name, str) or not _TEST_NAME.match(cls.name):
        return f"class {cls.__name__}: name {cls.name!r} must be a word of letters, digits and '_' (e.g. 'QUEUE_LEN')"
    too_long = over_limit(cls.name, test_runs.c.test)
    if too_long:
        return f"class {cls.__name__}: name {too_long}"
    if cls.run is EvaluationTest.run:
        return f"class {cls.__name__} ({cls.name}): does not define run(self, ctx)"
    minutes = cls.interval_minutes
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 1440:
        return (
            f"class {cls.__name__} ({cls.name}): interval_minutes must be an integer 1..1440, got {minutes!r}"
        )
    return None


def _import(path: Path) -> object:
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    module_name = f"prolan_tests.{re.sub(r'[^A-Za-z0-9_]', '_', path.stem)}_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look modules up by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def load_tests(config: ProbeConfig) -> LoadReport:
    report = LoadReport()
    for folder in test_dirs(config):
        if not folder.is_dir():
            what = (
                "built-in test folder not found (incomplete installation)"
                if folder == BUILTIN_DIR
                else "test folder not found"
            )
            report.failed.append(LoadFailure(folder, f"{folder}: {what}"))
            continue
        for path in sorted(folder.glob("*.py")):
            if path.name.startswith("_"):
                continue
            _load_file(path, report)
    for failure in report.failed:
        log.error("evaluation test %s not loaded: %s\n%s", failure.path, failure.error, failure.traceback)
    return report


def _load_file(path: Path, report: LoadReport) -> None:
    try:
        module = _import(path)
    except Exception as exc:  # any error in a power user's file: report it, load the others
        report.failed.append(
            LoadFailure(
                path, f"{path}: cannot import: {exc.__class__.__name__}: {exc}", traceback.format_exc()
            )
        )
        return
    found = [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and issubclass(obj, EvaluationTest)
        and obj is not EvaluationTest
        and obj.__module__ == getattr(module, "__name__", None)
        and not inspect.isabstract(obj)
        and obj.__dict__.get("name", obj.name)  # a base class without a name is a helper, skip it
    ]
    if not found:
        report.failed.append(LoadFailure(path, f"{path}: defines no EvaluationTest subclass with a name"))
        return
    for cls in found:
        problem = _problem(cls)
        if problem is None and cls.name in report.loaded:
            problem = f"test {cls.name} is already defined in {report.sources[cls.name]}"
        if problem is not None:
            report.failed.append(LoadFailure(path, f"{path}: {problem}"))
            continue
        report.loaded[cls.name] = cls
        report.sources[cls.name] = path
