"""Every text a user can see in a widget tree: labels, buttons, headers, tabs, tool bars, tree
and combo entries, tooltips, window titles, and pyqtgraph's axis labels, tick labels, titles and
text items. The translation test reads them all and checks the language."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import pyqtgraph as pg
from PyQt6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDateTimeEdit,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTabWidget,
    QToolBar,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)


def _tree_items(item: QTreeWidgetItem) -> Iterator[QTreeWidgetItem]:
    yield item
    for i in range(item.childCount()):
        child = item.child(i)
        if child is not None:
            yield from _tree_items(child)


def _plot_texts(plot: pg.PlotWidget | pg.GraphicsLayoutWidget) -> Iterator[str]:
    scene = plot.scene()
    if scene is None:
        return
    for item in scene.items():
        if isinstance(item, pg.AxisItem) and item.isVisible():
            yield str(item.labelText or "")
            view = item.linkedView()
            if view is None:
                continue
            (x0, x1), (y0, y1) = view.viewRange()
            low, high = (x0, x1) if item.orientation in ("bottom", "top") else (y0, y1)
            size = item.width() if item.orientation in ("left", "right") else item.boundingRect().width()
            for spacing, values in item.tickValues(low, high, max(1.0, size)):
                yield from item.tickStrings(values, item.scale, spacing)
            ticks = getattr(item, "_tickLevels", None)
            for level in ticks or []:
                for _, text in level:
                    yield str(text)
        elif isinstance(item, pg.TextItem) and item.isVisible():
            yield item.toPlainText()
        elif isinstance(item, pg.LabelItem) and item.isVisible():
            yield re.sub(r"<[^>]+>", "", str(item.text or ""))


def visible_texts(root: QWidget) -> list[str]:
    """The texts of `root` and every visible widget under it."""
    texts: list[str] = [root.windowTitle(), root.toolTip()]
    widgets: Iterable[QWidget] = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        if widget is not root and not widget.isVisibleTo(root):
            continue
        texts.append(widget.toolTip())
        if isinstance(widget, QLabel | QAbstractButton | QDateTimeEdit):
            texts.append(widget.text())
        elif isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
        elif isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count())]
        elif isinstance(widget, QToolBar):
            texts += [action.text() for action in widget.actions()]
            texts += [action.toolTip() for action in widget.actions()]
        elif isinstance(widget, QTableWidget):
            for column in range(widget.columnCount()):
                header = widget.horizontalHeaderItem(column)
                texts.append(header.text() if header is not None else "")
            for row in range(widget.rowCount()):
                header = widget.verticalHeaderItem(row)
                texts.append(header.text() if header is not None else "")
                for column in range(widget.columnCount()):
                    cell = widget.item(row, column)
                    if cell is not None:
                        texts += [cell.text(), cell.toolTip()]
        elif isinstance(widget, QTreeWidget):
            header = widget.headerItem()
            if header is not None:
                texts += [header.text(i) for i in range(widget.columnCount())]
            for i in range(widget.topLevelItemCount()):
                top = widget.topLevelItem(i)
                if top is not None:
                    for item in _tree_items(top):
                        texts += [item.text(0), item.toolTip(0)]
        elif isinstance(widget, pg.PlotWidget | pg.GraphicsLayoutWidget):
            texts += list(_plot_texts(widget))
    return [text for text in texts if text]


LATIN_WORD = re.compile(r"[A-Za-z][a-z]+")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def without(text: str, data: Iterable[str]) -> str:
    """The text with every occurrence of the given data strings (names from the database, the
    probe's address, …) taken out: what is left is the interface's own wording."""
    data = sorted((item for item in data if item), key=len, reverse=True)
    if "…" in text:  # an elided name: each piece around the ellipsis is a piece of some data
        pieces = [piece for piece in text.split("…") if not any(piece.strip() in item for item in data)]
        text = " ".join(pieces)
    for item in data:
        text = text.replace(item, " ")
    return text


def untranslated_russian(texts: Iterable[str], data: Iterable[str]) -> list[str]:
    """Texts that still hold an English word once the data is taken out (an all-capitals
    identifier such as SNMP or LOYALTY_MON is not a word)."""
    data = list(data)
    return [text for text in texts if LATIN_WORD.search(without(text, data))]


def untranslated_english(texts: Iterable[str], data: Iterable[str]) -> list[str]:
    """Texts that still hold Russian once the data (Cyrillic names from the database) is out."""
    data = list(data)
    return [text for text in texts if CYRILLIC.search(without(text, data))]
