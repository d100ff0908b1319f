"""`prolan-console`: the desktop console (PyQt6).

    prolan-console [--config FILE] [--view plan|dashboard|cockpit] [--map PATH] [--point NAME]
                   [--lang ru|en] [--screenshot FILE.png [--size WxH]]

The main window shows one tab per available view (`console.views`), and a status bar with what
it is connected to and when data last arrived. Live data comes from an SNMP poller thread; the
aggregator database is opened when a view first needs history. `--screenshot` polls the probe
once, renders the chosen view offscreen, writes the PNG and exits (wall panels, e-mails, checks).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtGui import QCloseEvent
from PyQt6.QtWidgets import QApplication, QLabel, QMainWindow, QTabWidget, QWidget

from console.i18n import install, local_text, set_language, translate
from console.live import LiveState
from console.settings import console_settings
from console.snmp_poller import PollerThread, poll_once
from console.views import ConsoleContext, LiveHub, ViewSpec, available_views
from console.worker import settle
from probe.config import ConfigError, ProbeConfig, load_config
from probe.filters import SERVICE_POINTS, NoSuchName, resolve
from probe.i18n import set_language as set_text_language
from probe.store.db import open_engine
from probe.topology import load_topology

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    def __init__(
        self, context: ConsoleContext, specs: Sequence[ViewSpec], initial: str | None = None
    ) -> None:
        super().__init__()
        self.context = context
        self.setWindowTitle(translate("App", "PROLAN Console"))
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.views: dict[str, QWidget] = {}
        for spec in specs:
            try:
                widget = spec.create(context)
            except Exception:  # one broken view must not keep the others (and the Plan) away
                log.exception("view %s could not be created", spec.name)
                continue
            self.views[spec.name] = widget
            self.tabs.addTab(widget, translate("Views", spec.title_key))
            message = getattr(widget, "status_message", None)
            if message is not None:
                message.connect(self._show_message)
        if initial in self.views:
            self.tabs.setCurrentWidget(self.views[initial])
        self.setCentralWidget(self.tabs)
        self.connection_label = QLabel()
        self.data_label = QLabel()
        self.connection_label.setTextFormat(Qt.TextFormat.PlainText)
        status = self.statusBar()
        assert status is not None
        status.addPermanentWidget(self.connection_label)
        status.addPermanentWidget(self.data_label)
        context.live.state_changed.connect(self.show_state)
        self.show_state(context.live.state)
        # "data: 18:42:05 (3 min ago)" must age even when nothing arrives.
        self.clock = QTimer(self)
        self.clock.timeout.connect(self._tick)
        self.clock.start(15_000)

    # Bound methods, not lambdas: PyQt disconnects them when the window is destroyed.
    def _show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)  # type: ignore[union-attr]

    def _tick(self) -> None:
        self.show_state(self.context.live.state)

    def show_state(self, state: object) -> None:
        assert isinstance(state, LiveState)
        target = self.context.settings.target.describe()
        if state.connected:
            text = translate("App", "Connected: {target}").format(target=target)
            if state.probe_name:
                text += f" — {state.probe_name}"
            if state.database_ok is False:
                text += " — " + translate("App", "probe: database unavailable")
            style = "color: #1f6f33; font-weight: bold; padding: 0 8px;"
        elif state.error:
            text = translate("App", "NO CONNECTION: {target}").format(target=target)
            style = "color: #ffffff; background: #c0392b; font-weight: bold; padding: 0 8px;"
            self.statusBar().showMessage(state.error)  # type: ignore[union-attr]
        else:
            text = translate("App", "Connecting: {target}…").format(target=target)
            style = "color: #5b6673; padding: 0 8px;"
        self.connection_label.setText(text)
        self.connection_label.setStyleSheet(style)
        if state.connected:
            self.statusBar().clearMessage()  # type: ignore[union-attr]
        if state.received_at is None:
            self.data_label.setText(translate("App", "no data yet"))
        else:
            age = dt.datetime.now(dt.UTC) - state.received_at
            stamp = local_text(state.received_at, self.context.tz, "dd.MM.yyyy HH:mm:ss")
            if age > dt.timedelta(minutes=1):
                stamp += " (" + translate("App", "{n} min ago").format(n=int(age.total_seconds() // 60)) + ")"
            self.data_label.setText(translate("App", "data: {time}").format(time=stamp))

    def closeEvent(self, event: QCloseEvent | None) -> None:
        for widget in self.views.values():
            leave = getattr(widget, "_leave_document", None)
            if leave is not None:
                leave()
        super().closeEvent(event)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prolan-console", description="PROLAN Console: Plan, Dashboard and Cockpit maps of MKO/OKO."
    )
    parser.add_argument("--config", metavar="FILE", help="the probe's TOML configuration ([console] section)")
    parser.add_argument("--view", default=None, help="map kind to open: plan, dashboard, cockpit")
    parser.add_argument("--map", metavar="PATH", help="Plan: open this map file instead of the root map")
    parser.add_argument("--point", metavar="NAME", help="Plan: open this service point's page")
    parser.add_argument("--lang", choices=("ru", "en"), help="interface language (default: config or ru)")
    parser.add_argument("--screenshot", metavar="FILE.png", help="render once offscreen, write the PNG, exit")
    parser.add_argument("--size", default="1600x1000", help="window size for --screenshot (WxH)")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser


def known_point(config: ProbeConfig, given: str) -> str:
    """The service point `--point` names (exact, or a part matching one name), from the
    aggregator's topology; NoSuchName with the closest names otherwise. Without a readable
    aggregator the name is taken as given (the page then says what it finds)."""
    try:
        engine = open_engine(config.database.url, create_dirs=False)
        try:
            names = list(load_topology(engine).points)
        finally:
            engine.dispose()
    except Exception as exc:  # no database: nothing to check against
        log.warning("--point %r not checked: the aggregator cannot be read (%s)", given, exc)
        return given
    return resolve(given, names, option="--point", what=SERVICE_POINTS)


def make_context(config: ProbeConfig, initial: LiveState | None = None) -> ConsoleContext:
    settings = console_settings(config)
    return ConsoleContext(
        config,
        settings,
        LiveHub(initial or LiveState(address=settings.target.address), settings.level_tests),
        lambda: open_engine(config.database.url, create_dirs=False),
    )


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit()):
        raise ConfigError(f"--size: expected WIDTHxHEIGHT, got {text!r}")
    return int(width), int(height)


def render_screenshot(window: MainWindow, spec: ViewSpec, args: argparse.Namespace, out: Path) -> None:
    width, height = _size(args.size)
    window.resize(width, height)
    window.show()
    app = QApplication.instance()
    assert app is not None
    app.processEvents()
    spec.prepare_screenshot(window.views[spec.name], args)
    settle()  # the views read the aggregator off the GUI thread: wait for what they asked for
    for _ in range(3):
        app.processEvents()
    if not window.grab().save(str(out)):
        raise OSError(f"{out}: cannot write the PNG")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    if args.screenshot and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    try:
        config = load_config(args.config)
        settings = console_settings(config)
        set_language(args.lang or settings.language)
        set_text_language(args.lang or settings.language)  # the probe's texts (e.g. --point errors)
    except ConfigError as exc:
        print(f"prolan-console: {exc}", file=sys.stderr)
        return 2
    if args.point is not None:
        try:
            args.point = known_point(config, args.point)
        except NoSuchName as exc:
            print(f"prolan-console: {exc}", file=sys.stderr)
            return NoSuchName.exit_status
    app = QApplication.instance() or QApplication(sys.argv[:1])
    install()  # the chosen language's translations, now that the application exists
    specs = available_views()
    names = [spec.name for spec in specs]
    if args.view is not None and args.view not in names:
        print(
            f"prolan-console: --view {args.view}: not available (available: {', '.join(names)})",
            file=sys.stderr,
        )
        return 2
    initial = poll_once(settings.target) if args.screenshot else None
    context = make_context(config, initial)
    try:
        if args.screenshot:
            wanted = [s for s in specs if s.name == (args.view or "plan")]
            window = MainWindow(context, wanted, wanted[0].name)
            try:
                render_screenshot(window, wanted[0], args, Path(args.screenshot))
            except (OSError, ConfigError) as exc:
                print(f"prolan-console: {exc}", file=sys.stderr)
                return 2
            if initial is not None and not initial.connected:
                print(f"prolan-console: {initial.error}", file=sys.stderr)
            return 0
        window = MainWindow(context, specs, args.view)
        poller = PollerThread(settings.target, settings.poll_seconds)
        poller.state_received.connect(context.live.set_state)
        poller.start()
        window.resize(1400, 900)
        window.show()
        spec = next((s for s in specs if s.name == (args.view or "plan")), None)
        if spec is not None and (args.map or args.point):
            spec.prepare_screenshot(window.views[spec.name], args)
        status = app.exec()
        poller.stop()
        return int(status)
    finally:
        context.close()


if __name__ == "__main__":
    sys.exit(main())
