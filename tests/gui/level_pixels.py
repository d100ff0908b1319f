"""Reading assessment colours back from rendered pixels, for the colour tests of every view.

Pixels are classified by hue (icons have a gloss, cells a haloed text, dots antialiased edges), so
a test asks "does this area hold both yellow and green", which is what an analyst sees."""

from __future__ import annotations

from collections import Counter

from PyQt6.QtCore import QRect, QRectF
from PyQt6.QtGui import QColor, QImage

from probe.levels import Level

# What each level must show: the hue classes of its two colours (SPEC §4).
EXPECTED: dict[Level, set[str]] = {
    Level.GOOD: {"green"},
    Level.ACCEPTABLE: {"yellow", "green"},
    Level.ATTENTION: {"yellow"},
    Level.EDGE: {"red", "yellow"},
    Level.BAD: {"red"},
    Level.UNKNOWN: {"grey"},
}


def hue_class(colour: QColor) -> str:
    hue, saturation, value = colour.hsvHue(), colour.hsvSaturation(), colour.value()
    if saturation < 50 or hue < 0:
        return "grey" if 80 < value < 200 else "other"
    if hue <= 15 or hue >= 345:
        return "red"
    if 30 <= hue <= 60:
        return "yellow"
    if 95 <= hue <= 165:
        return "green"
    return "other"


def classes_in(image: QImage, area: QRect | QRectF, *, minimum: int = 6) -> set[str]:
    """The hue classes covering at least `minimum` pixels of `area` (logical coordinates)."""
    ratio = image.devicePixelRatio()
    rect = QRectF(area)
    counts: Counter[str] = Counter()
    x0, x1 = int(rect.left() * ratio), int(rect.right() * ratio)
    y0, y1 = int(rect.top() * ratio), int(rect.bottom() * ratio)
    for y in range(max(0, y0), min(image.height(), y1)):
        for x in range(max(0, x0), min(image.width(), x1)):
            counts[hue_class(image.pixelColor(x, y))] += 1
    return {name for name, n in counts.items() if n >= minimum and name != "other"}


def assert_level_drawn(image: QImage, area: QRect | QRectF, level: Level, where: str) -> None:
    """The area shows exactly the level's colours (both of a two-colour level)."""
    found = classes_in(image, area) - {"grey"} if level is not Level.UNKNOWN else classes_in(image, area)
    assert EXPECTED[level] <= found, f"{where}: {level.value} should show {EXPECTED[level]}, found {found}"
    others = found - EXPECTED[level]
    assert not others, f"{where}: {level.value} shows foreign colours {others}"


def halves(area: QRectF) -> tuple[QRectF, QRectF]:
    """The upper and lower halves of an area, a pixel in from the middle line."""
    top = QRectF(area.left(), area.top(), area.width(), area.height() / 2 - 1)
    bottom = QRectF(area.left(), area.center().y() + 1, area.width(), area.height() / 2 - 1)
    return top, bottom


def assert_two_colour_halves(image: QImage, area: QRectF, level: Level, where: str) -> None:
    """Upper half in the first colour, lower half in the second (the painter's rule)."""
    first, second = {
        Level.ACCEPTABLE: ("yellow", "green"),
        Level.EDGE: ("red", "yellow"),
    }[level]
    top, bottom = halves(area)
    assert first in classes_in(image, top), f"{where}: upper half of {level.value} lacks {first}"
    assert second in classes_in(image, bottom), f"{where}: lower half of {level.value} lacks {second}"
