"""Map backgrounds, read only where they may be and only as big as the console can show.

A map names its background picture by a path relative to the map file. The console reads it
only from the maps folder (the folder of the root map and below) or from the folders listed in
`[console] background_folders`, after resolving `..` and symbolic links: a map file from elsewhere
cannot make the console read arbitrary files. The picture's size is read from its header before
it is decoded (Qt refuses images over 256 MB silently, which left an empty grid with no reason);
a picture over MAX_SIDE pixels a side or MAX_PIXELS in all, missing, or unreadable is named in
the map's banner and the map is shown on the empty grid.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PyQt6.QtGui import QImageReader, QPixmap

from console.i18n import translate
from console.plan.model import MapDocument

MAX_SIDE = 16_384
MAX_PIXELS = 64_000_000  # 256 MB decoded at 32 bits a pixel: Qt's own allocation limit


@dataclass(frozen=True)
class Background:
    pixmap: QPixmap  # null when there is none to show
    problem: str | None = None  # worded for the map's banner


def allowed(path: Path, folders: Sequence[Path]) -> bool:
    real = Path(os.path.realpath(path))
    return any(real.is_relative_to(os.path.realpath(folder)) for folder in folders)


def load_background(document: MapDocument, folders: Sequence[Path]) -> Background:
    """The document's background picture, or a null pixmap and the reason (None: no background)."""
    path = document.background_path()
    if path is None:
        return Background(QPixmap())

    def refused(reason: str) -> Background:
        return Background(
            QPixmap(),
            translate(
                "Plan",
                "Map {map}: the background {path} is not shown: {reason}. The map is drawn on an empty grid.",
            ).format(map=document.path, path=path, reason=reason),
        )

    if not allowed(path, folders):
        where = ", ".join(str(folder) for folder in folders)
        return refused(
            translate(
                "Plan", "it is outside the maps folder ({folders}; see [console] background_folders)"
            ).format(folders=where)
        )
    if not path.is_file():
        return refused(translate("Plan", "no such file"))
    reader = QImageReader(str(path))
    size = reader.size()  # from the header: nothing decoded yet
    if not size.isValid():
        return refused(
            translate("Plan", "not a picture Qt can read ({error})").format(error=reader.errorString())
        )
    width, height = size.width(), size.height()
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        return refused(
            translate(
                "Plan", "{width}×{height} pixels is too big (at most {side} a side, {pixels} million in all)"
            ).format(width=width, height=height, side=MAX_SIDE, pixels=MAX_PIXELS // 1_000_000)
        )
    image = reader.read()
    if image.isNull():
        return refused(translate("Plan", "cannot be read ({error})").format(error=reader.errorString()))
    return Background(QPixmap.fromImage(image))
