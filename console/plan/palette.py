"""The editor's palette: metrics, service points and maps, dragged onto the map to place them."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from PyQt6.QtCore import QMimeData, Qt
from PyQt6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

from console.i18n import translate
from console.live import LiveState, caption
from console.plan.model import map_files
from console.plan.scene import element_mime

ROLE = Qt.ItemDataRole.UserRole


class Palette(QTreeWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderLabel(translate("Plan", "Palette"))
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setMinimumWidth(220)
        self._signature: tuple[object, ...] = ()

    def set_sources(self, state: LiveState, current_map: Path, root_map: Path) -> None:
        maps = [p for p in map_files(root_map) if p.resolve() != current_map.resolve()]
        metrics = sorted((m.test, m.point, m.name, m.key, caption(m)) for m in state.metrics.values())
        points = state.point_names()
        signature = (tuple(metrics), tuple(points), tuple(maps))
        if signature == self._signature:
            return  # rebuilding would collapse what the user opened
        self._signature = signature
        self.clear()
        self._fill(metrics, points, maps, root_map)

    def _fill(
        self,
        metrics: Sequence[tuple[str, str, str, str, str]],
        points: Sequence[str],
        maps: Sequence[Path],
        root_map: Path,
    ) -> None:
        metric_group = QTreeWidgetItem(self, [translate("Plan", "Metrics (MKO/OKO)")])
        by_group: dict[tuple[str, str], QTreeWidgetItem] = {}
        for test, point, name, key, text in metrics:
            group = by_group.get((test, point))
            if group is None:
                group = QTreeWidgetItem(metric_group, [f"{test} · {point}" if point else test])
                by_group[(test, point)] = group
            item = QTreeWidgetItem(group, [text])
            # The caption travels as the element's label: the map never has to read the name.
            item.setData(0, ROLE, ("metric", key or name, text))
            item.setToolTip(0, name)
        point_group = QTreeWidgetItem(self, [translate("Plan", "Service points")])
        for point in points:
            item = QTreeWidgetItem(point_group, [point])
            item.setData(0, ROLE, ("point", point, ""))
        map_group = QTreeWidgetItem(self, [translate("Plan", "Maps")])
        base = root_map.parent
        for path in maps:
            item = QTreeWidgetItem(map_group, [os.path.relpath(path, base)])
            item.setData(0, ROLE, ("map", str(path), ""))
        point_group.setExpanded(True)
        map_group.setExpanded(True)
        metric_group.setExpanded(True)

    def mimeData(self, items: Iterable[QTreeWidgetItem]) -> QMimeData | None:
        for item in items:
            data = item.data(0, ROLE)
            if data:
                kind, target, label = data
                return element_mime(kind, target, label)
        return None

    def find_entry(self, kind: str, target: str) -> QTreeWidgetItem | None:
        """The palette entry for an element (tests and keyboard users)."""
        for item in self.findItems("*", Qt.MatchFlag.MatchWildcard | Qt.MatchFlag.MatchRecursive):
            data = item.data(0, ROLE)
            if data and data[0] == kind and (data[1] == target or Path(data[1]).name == target):
                return item
        return None
