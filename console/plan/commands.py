"""Editor commands: one QUndoCommand per edit of a map (Orange-canvas style). Each command
changes only the pure `MapDocument`; the scene follows the document's notifications."""

from __future__ import annotations

from collections.abc import Sequence

from PyQt6.QtGui import QUndoCommand

from console.i18n import translate
from console.plan.model import Element, MapDocument


class AddElement(QUndoCommand):
    def __init__(self, document: MapDocument, element: Element) -> None:
        super().__init__(translate("Plan", "Add “{label}”").format(label=element.caption))
        self.document = document
        self.element = element

    def redo(self) -> None:
        self.document.add(self.element)

    def undo(self) -> None:
        self.document.remove(self.element.id)


class MoveElements(QUndoCommand):
    """Moves (and aligns): new positions for several elements at once, undone together."""

    def __init__(
        self,
        document: MapDocument,
        moves: Sequence[tuple[str, tuple[float, float], tuple[float, float]]],
        text: str | None = None,
    ) -> None:
        super().__init__(text or translate("Plan", "Move"))
        self.document = document
        self.moves = list(moves)  # (element id, old position, new position)

    def _apply(self, new: bool) -> None:
        for element_id, old_pos, new_pos in self.moves:
            x, y = new_pos if new else old_pos
            self.document.update(self.document.element(element_id).moved_to(x, y))

    def redo(self) -> None:
        self._apply(True)

    def undo(self) -> None:
        self._apply(False)


class DeleteElements(QUndoCommand):
    def __init__(self, document: MapDocument, element_ids: Sequence[str]) -> None:
        super().__init__(translate("Plan", "Delete"))
        self.document = document
        self.element_ids = list(element_ids)
        self.removed: list[tuple[int, Element]] = []

    def redo(self) -> None:
        self.removed = [self.document.remove(element_id) for element_id in self.element_ids]

    def undo(self) -> None:
        for index, element in reversed(self.removed):
            self.document.add(element, index)


class SetBackground(QUndoCommand):
    def __init__(self, document: MapDocument, background: str) -> None:
        super().__init__(translate("Plan", "Change background"))
        self.document = document
        self.old = document.background
        self.new = background

    def redo(self) -> None:
        self.document.set_background(self.new)

    def undo(self) -> None:
        self.document.set_background(self.old)


def align_moves(
    elements: Sequence[Element], how: str
) -> list[tuple[str, tuple[float, float], tuple[float, float]]]:
    """Moves that align icon centres: `left`/`top` to the smallest x/y, `hcenter`/`vcenter`
    to the mean (a row or a column of icons)."""
    if len(elements) < 2:
        return []
    xs = [e.x for e in elements]
    ys = [e.y for e in elements]
    moves = []
    for element in elements:
        x, y = element.x, element.y
        if how == "left":
            x = min(xs)
        elif how == "top":
            y = min(ys)
        elif how == "vcenter":
            x = sum(xs) / len(xs)
        elif how == "hcenter":
            y = sum(ys) / len(ys)
        else:
            raise ValueError(f"unknown alignment {how!r}")
        if (x, y) != (element.x, element.y):
            moves.append((element.id, (element.x, element.y), (x, y)))
    return moves
