"""A Plan map with N icons receiving new states for all of them each second: the time of one full
update (roll-up of every element + new icon states + a synchronous repaint of the view),
side by side with a repaint of the same view when nothing changed (the floor), in the same run.

    QT_QPA_PLATFORM=offscreen python -m benchmarks.console_plan [--icons 200] [--full] [--updates 30]

`--full` is the issue's size: 1,000 icons (a third metrics, a third points, a third child maps of
ten elements each, so the roll-up walks 4,300 elements per update) on a 1600 × 1000 view.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PyQt6.QtWidgets import QApplication

from benchmarks.common import header
from console.live import LiveMetric, LiveState
from console.plan.icons import IconCache
from console.plan.model import Element, MapDocument, MapLibrary, save_map
from console.plan.scene import PlanGraphicsView, PlanScene
from probe.levels import Level

LEVELS = [Level.GOOD, Level.ACCEPTABLE, Level.ATTENTION, Level.EDGE, Level.BAD, Level.UNKNOWN]


def build_maps(folder: Path, icons: int) -> MapDocument:
    """A root map of `icons` elements on a 1600 × 1000 grid, and the child maps it links to."""
    elements: list[Element] = []
    columns = 40
    for index in range(icons):
        x = 20 + (index % columns) * 39.5
        y = 30 + (index // columns) * (960 / max(1, (icons + columns - 1) // columns))
        kind = ("metric", "point", "map")[index % 3]
        if kind == "map":
            child = MapDocument(
                folder / f"child{index}.json",
                f"child {index}",
                elements=[
                    Element(f"c{j}", "metric", f"metric.{(index * 10 + j) % icons}", 10 * j, 10)
                    for j in range(10)
                ],
            )
            save_map(child)
            target = child.path.name
        elif kind == "point":
            target = f"Точка {index % 200}"
        else:
            target = f"metric.{index}"
        elements.append(Element(f"e{index}", kind, target, x, y, f"И{index}"))  # type: ignore[arg-type]
    root = MapDocument(folder / "root.json", "bench", elements=elements, icon_size=28)
    save_map(root)
    return root


def state_for(icons: int, step: int) -> LiveState:
    """Every metric gets a new level each step (and so does every point and child map)."""
    metrics = {
        i: LiveMetric(
            i,
            f"metric {i}",
            f"metric.{i}",
            "BENCH",
            f"Точка {i % 200}",
            "",
            float(i),
            "",
            "",
            LEVELS[(i + step) % 6],
        )
        for i in range(icons)
    }
    return LiveState(True, "bench", metrics=metrics)


def run(icons: int, updates: int) -> dict[str, float]:
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        root = build_maps(Path(tmp), icons)
        library = MapLibrary()
        cache = IconCache()
        scene = PlanScene(cache)
        scene.set_document(root)
        view = PlanGraphicsView(scene)
        view.resize(1600, 1000)
        view.show()
        app.processEvents()
        viewport = view.viewport()
        assert viewport is not None
        states = [state_for(icons, step) for step in range(6)]
        # Warm-up: every (kind, level) pixmap is drawn once here, as in a console that has been running.
        for state in states:
            scene.apply_levels(library.levels(root, state), False, first=True)
            viewport.repaint()
        renders_before = cache.renders
        update_ms: list[float] = []
        empty_ms: list[float] = []
        update_cpu: list[float] = []
        empty_cpu: list[float] = []
        for step in range(updates):
            state = states[(step + 1) % 6]
            started, cpu = time.perf_counter(), time.process_time()
            scene.apply_levels(library.levels(root, state), False, first=True)
            viewport.repaint()
            update_ms.append((time.perf_counter() - started) * 1000)
            update_cpu.append((time.process_time() - cpu) * 1000)
            started, cpu = time.perf_counter(), time.process_time()
            viewport.repaint()
            empty_ms.append((time.perf_counter() - started) * 1000)
            empty_cpu.append((time.process_time() - cpu) * 1000)
        changed = sum(1 for item in scene.items_by_id.values() if item.level is not Level.UNKNOWN)
        return {
            "update_median": statistics.median(update_ms),
            "update_p95": sorted(update_ms)[int(0.95 * (len(update_ms) - 1))],
            "empty_median": statistics.median(empty_ms),
            # CPU time of this process: what the work costs when the machine is shared.
            "update_cpu": statistics.median(update_cpu),
            "empty_cpu": statistics.median(empty_cpu),
            "renders_during_run": cache.renders - renders_before,
            "items": len(scene.items_by_id),
            "coloured": changed,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--icons", type=int, default=200)
    parser.add_argument("--full", action="store_true", help="the issue's size: 1,000 icons")
    parser.add_argument("--updates", type=int, default=30)
    args = parser.parse_args()
    icons = 1000 if args.full else args.icons
    result = run(icons, args.updates)
    print(header(f"Plan map, {icons} icons, {args.updates} full updates"))
    print(
        f"full update + repaint: median {result['update_median']:.1f} ms, p95 {result['update_p95']:.1f} ms"
        f" (CPU {result['update_cpu']:.1f} ms)"
    )
    print(f"empty repaint (ref.):  median {result['empty_median']:.1f} ms (CPU {result['empty_cpu']:.1f} ms)")
    print(f"icon pictures drawn during the run: {result['renders_during_run']:.0f} (cache hits for the rest)")
    goal = "✔" if result["update_median"] < 50 else "✘"
    print(f"goal < 50 ms per full update: {goal}")


if __name__ == "__main__":
    main()
