"""The demo's Plan map set, drawn by the project: `python -m tools.demo_maps [--out maps/demo]`.

Country → cities → districts → service points of `probe.demo` (same names and regions). The
backgrounds are stylised maps painted with QPainter (land, water, rivers, districts, streets,
parks, a title cartouche, a compass and a scale bar), saved as palette PNGs to stay small. The
map files (JSON, see `console.plan.model`) are written next to them with icons placed where the
pictures show the cities, districts and points.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPainterPath, QPen

from console.plan.model import Element, MapDocument, save_map

W, H = 1200, 800
LAND = QColor("#f2efe6")
LAND_EDGE = QColor("#d8cfbd")
WATER = QColor("#b7d2e8")
WATER_EDGE = QColor("#8fb5d6")
PARK = QColor("#cfe3c2")
STREET = QColor("#ffffff")
STREET_EDGE = QColor("#d9d2c4")
MAJOR = QColor("#fbe3a6")
MAJOR_EDGE = QColor("#e2c47a")
INK = QColor("#4a5562")
FAINT = QColor("#9aa3ad")
HIGHLIGHT = QColor(43, 108, 176, 38)
HIGHLIGHT_EDGE = QColor("#5b8fc9")
FONT = "DejaVu Sans"


def blob(
    cx: float, cy: float, rx: float, ry: float, seed: int, rough: float = 0.18, n: int = 14
) -> QPainterPath:
    """A smooth irregular closed shape: jittered polar points joined by quadratic curves."""
    rng = random.Random(seed)
    pts = []
    for i in range(n):
        a = 2 * math.pi * i / n
        k = 1 + rng.uniform(-rough, rough)
        pts.append(QPointF(cx + rx * k * math.cos(a), cy + ry * k * math.sin(a)))
    return smooth_closed(pts)


def smooth_closed(pts: Sequence[QPointF]) -> QPainterPath:
    path = QPainterPath()
    mids = [(pts[i] + pts[(i + 1) % len(pts)]) / 2 for i in range(len(pts))]
    path.moveTo(mids[-1])
    for i, p in enumerate(pts):
        path.quadTo(p, mids[i])
    path.closeSubpath()
    return path


def smooth_open(pts: Sequence[tuple[float, float]]) -> QPainterPath:
    q = [QPointF(x, y) for x, y in pts]
    path = QPainterPath(q[0])
    for i in range(1, len(q) - 1):
        path.quadTo(q[i], (q[i] + q[i + 1]) / 2)
    path.lineTo(q[-1])
    return path


def text(p: QPainter, x: float, y: float, s: str, size: float = 11, colour: QColor = INK, bold: bool = False,
         italic: bool = False, spacing: float = 0) -> None:  # fmt: skip
    font = QFont(FONT)
    font.setPointSizeF(size)
    font.setBold(bold)
    font.setItalic(italic)
    if spacing:
        font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, spacing)
    path = QPainterPath()
    path.addText(0, 0, font, s)
    r = path.boundingRect()
    path.translate(x - r.center().x(), y - r.center().y())
    p.strokePath(path, QPen(QColor(255, 255, 255, 200), 3.5))
    p.fillPath(path, colour)


def river(p: QPainter, pts: Sequence[tuple[float, float]], width: float) -> None:
    path = smooth_open(pts)
    p.strokePath(
        path, QPen(WATER_EDGE, width + 2, cap=Qt.PenCapStyle.RoundCap, join=Qt.PenJoinStyle.RoundJoin)
    )
    p.strokePath(path, QPen(WATER, width, cap=Qt.PenCapStyle.RoundCap, join=Qt.PenJoinStyle.RoundJoin))


def road(p: QPainter, pts: Sequence[tuple[float, float]], width: float, major: bool = False) -> None:
    path = smooth_open(pts)
    edge, fill = (MAJOR_EDGE, MAJOR) if major else (STREET_EDGE, STREET)
    p.strokePath(path, QPen(edge, width + 2, cap=Qt.PenCapStyle.RoundCap))
    p.strokePath(path, QPen(fill, width, cap=Qt.PenCapStyle.RoundCap))


def frame(p: QPainter, title: str, subtitle: str, scale_km: str) -> None:
    """Cartouche, compass and scale bar: what makes a picture read as a map."""
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(255, 255, 255, 225))
    p.drawRoundedRect(QRectF(20, 18, 330, 70), 8, 8)
    p.setBrush(QColor("#2b6cb0"))
    p.drawRoundedRect(QRectF(20, 18, 8, 70), 3, 3)
    font = QFont(FONT, 17)
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor("#1d2733"))
    p.drawText(QRectF(40, 22, 300, 34), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
    p.setFont(QFont(FONT, 10))
    p.setPen(QColor("#5b6673"))
    p.drawText(QRectF(40, 54, 300, 26), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, subtitle)
    # compass
    cx, cy = W - 60, H - 80
    p.setPen(QPen(INK, 1.2))
    p.setBrush(QColor(255, 255, 255, 200))
    p.drawEllipse(QPointF(cx, cy), 24, 24)
    p.setBrush(QColor("#c0392b"))
    north = QPainterPath(QPointF(cx, cy - 20))
    north.lineTo(cx - 6, cy)
    north.lineTo(cx + 6, cy)
    north.closeSubpath()
    p.drawPath(north)
    p.setBrush(INK)
    south = QPainterPath(QPointF(cx, cy + 20))
    south.lineTo(cx - 6, cy)
    south.lineTo(cx + 6, cy)
    south.closeSubpath()
    p.drawPath(south)
    text(p, cx, cy - 34, "С", 9, INK, bold=True)
    # scale bar
    x0, y0 = W - 250, H - 32
    p.setPen(Qt.PenStyle.NoPen)
    for i in range(4):
        p.setBrush(INK if i % 2 == 0 else QColor("#ffffff"))
        p.drawRect(QRectF(x0 + i * 30, y0, 30, 6))
    p.setPen(QPen(INK, 1))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(QRectF(x0, y0, 120, 6))
    p.setFont(QFont(FONT, 8))
    p.drawText(
        QRectF(x0 + 125, y0 - 6, 80, 18), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, scale_km
    )


def new_canvas(colour: QColor = LAND) -> tuple[QImage, QPainter]:
    image = QImage(W, H, QImage.Format.Format_RGB32)
    image.fill(colour)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    return image, painter


def palette_of(image: QImage, size: int = 256) -> list[int]:
    """The most frequent colours (rounded to 5 bits a channel): flat map colours and the
    commonest anti-aliasing blends, which is all these pictures have."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB32)
    data = rgb.constBits()
    assert data is not None
    data.setsize(rgb.sizeInBytes())
    pixels = numpy.frombuffer(data, dtype=numpy.uint32)  # type: ignore[call-overload]
    rounded = pixels & numpy.uint32(0x00F8F8F8)
    values, counts = numpy.unique(rounded, return_counts=True)
    top = values[numpy.argsort(counts)[::-1][:size]]
    return [int(v) | 0xFF000000 | ((int(v) >> 5) & 0x070707) for v in top]


def save_png(image: QImage, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A palette image: flat map colours survive, the file stays a few tens of kilobytes.
    small = image.convertToFormat(
        QImage.Format.Format_Indexed8, palette_of(image), Qt.ImageConversionFlag.ThresholdDither
    )
    if not small.save(str(path), "PNG", 9):
        raise OSError(f"{path}: cannot write")


# -- the pictures ---------------------------------------------------------------------------------
def draw_country() -> QImage:
    image, p = new_canvas(WATER)
    land = smooth_closed([QPointF(x, y) for x, y in [
        (150, 250), (215, 190), (300, 215), (280, 150), (360, 110), (470, 95), (560, 60), (700, 40),
        (860, 70), (1010, 50), (1180, 80), (1230, 300), (1220, 820), (120, 820), (60, 600), (95, 380),
    ]])  # fmt: skip
    p.setPen(QPen(LAND_EDGE, 2))
    p.setBrush(LAND)
    p.drawPath(land)
    # Gulf of Finland and Lake Ladoga, the White Sea, Onega
    for shape in (blob(205, 232, 95, 22, 3, 0.12), blob(360, 180, 38, 48, 4), blob(470, 150, 28, 40, 5),
                  blob(640, 40, 110, 45, 6)):  # fmt: skip
        p.setPen(QPen(WATER_EDGE, 1.5))
        p.setBrush(WATER)
        p.drawPath(shape)
    # neighbours, faded, to the west and south-west
    p.setPen(QPen(QColor("#c9bfae"), 1.5, Qt.PenStyle.DashLine))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(
        smooth_open([(60, 420), (170, 470), (220, 560), (300, 640), (420, 700), (520, 760), (560, 820)])
    )
    text(p, 140, 560, "БЕЛАРУСЬ", 10, FAINT, spacing=3)
    text(p, 300, 760, "УКРАИНА", 10, FAINT, spacing=3)
    # regions (oblast-like areas) in soft tints
    for cx, cy, rx, ry, seed, colour in ((440, 470, 120, 95, 11, "#ebe3d3"), (330, 245, 95, 75, 12, "#e9e4d6"),
                                          (800, 455, 120, 90, 13, "#ebe3d3")):  # fmt: skip
        p.setPen(QPen(QColor("#d2c6ae"), 1.2, Qt.PenStyle.DashLine))
        p.setBrush(QColor(colour))
        p.drawPath(blob(cx, cy, rx, ry, seed, 0.15))
    # Volga and Oka, Kama
    river(p, [(300, 330), (360, 360), (420, 372), (500, 360), (580, 390), (650, 420), (720, 440), (790, 470),
              (830, 520), (860, 600), (900, 680), (960, 760), (1000, 820)], 5)  # fmt: skip
    river(p, [(420, 600), (470, 560), (540, 520), (600, 470), (650, 420)], 3.5)
    river(p, [(1150, 330), (1050, 380), (960, 430), (880, 470), (830, 520)], 4)
    # railways between the cities
    rail = QPen(QColor("#8d8478"), 1.6, Qt.PenStyle.DashLine)
    p.strokePath(smooth_open([(330, 245), (380, 360), (440, 470)]), rail)
    p.strokePath(smooth_open([(440, 470), (600, 440), (800, 455)]), rail)
    for x, y, name in ((600, 400, "Нижний Новгород"), (560, 250, "Вологда"), (470, 640, "Рязань"),
                       (980, 560, "Самара"), (1040, 360, "Пермь")):  # fmt: skip
        p.setPen(QPen(INK, 1))
        p.setBrush(QColor("#ffffff"))
        p.drawEllipse(QPointF(x, y), 3.5, 3.5)
        text(p, x, y - 14, name, 9, FAINT)
    text(p, 780, 180, "Р О С С И Я", 24, QColor("#b9ad97"), bold=True, spacing=6)
    text(p, 150, 300, "Финский залив", 9, QColor("#5d88ad"), italic=True)
    text(p, 640, 40, "Белое море", 10, QColor("#5d88ad"), italic=True)
    text(p, 700, 470, "р. Волга", 9, QColor("#5d88ad"), italic=True)
    frame(p, "Россия", "Сеть обслуживания: города", "300 км")
    p.end()
    return image


@dataclass
class District:
    name: str
    cx: float
    cy: float
    rx: float
    ry: float
    seed: int
    highlight: bool = False


@dataclass
class CitySpec:
    title: str
    subtitle: str
    districts: list[District]
    rivers: list[tuple[list[tuple[float, float]], float]]
    water: list[QPainterPath] = field(default_factory=list)
    ring: tuple[float, float, float, float] | None = None  # ring road: cx, cy, rx, ry


def draw_city(spec: CitySpec) -> QImage:
    image, p = new_canvas(QColor("#ece8dd"))
    for shape in spec.water:
        p.setPen(QPen(WATER_EDGE, 1.5))
        p.setBrush(WATER)
        p.drawPath(shape)
    for d in spec.districts:
        p.setPen(QPen(HIGHLIGHT_EDGE if d.highlight else QColor("#cdbfa6"), 2 if d.highlight else 1.2,
                      Qt.PenStyle.SolidLine if d.highlight else Qt.PenStyle.DashLine))  # fmt: skip
        p.setBrush(QColor("#e3ecf6") if d.highlight else LAND)
        p.drawPath(blob(d.cx, d.cy, d.rx, d.ry, d.seed, 0.12, 10))
    rng = random.Random(len(spec.title))
    for _ in range(6):  # parks
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(PARK)
        p.drawPath(
            blob(
                rng.uniform(150, 1050),
                rng.uniform(150, 700),
                rng.uniform(25, 55),
                rng.uniform(20, 40),
                rng.randrange(999),
            )
        )
    for pts, width in spec.rivers:
        river(p, pts, width)
    if spec.ring:
        cx, cy, rx, ry = spec.ring
        ring = blob(cx, cy, rx, ry, 77, 0.04, 18)
        p.strokePath(ring, QPen(MAJOR_EDGE, 7))
        p.strokePath(ring, QPen(MAJOR, 5))
        for a in range(0, 360, 45):  # radial highways
            r = math.radians(a + 10)
            road(
                p,
                [
                    (cx + 40 * math.cos(r), cy + 40 * math.sin(r)),
                    (cx + 1.5 * rx * math.cos(r), cy + 1.5 * ry * math.sin(r)),
                ],
                3.5,
                True,
            )
    for d in spec.districts:
        text(p, d.cx, d.cy + d.ry * 0.55, d.name, 12 if d.highlight else 10, INK if d.highlight else FAINT,
             bold=d.highlight, spacing=1.5)  # fmt: skip
    frame(p, spec.title, spec.subtitle, "5 км")
    p.end()
    return image


@dataclass
class StreetSpec:
    title: str
    subtitle: str
    seed: int
    avenues: list[tuple[list[tuple[float, float]], str]]
    water: list[tuple[list[tuple[float, float]], float]] = field(default_factory=list)
    metro: tuple[str, list[tuple[float, float]]] | None = None
    stations: list[tuple[float, float, str]] = field(default_factory=list)


def draw_streets(spec: StreetSpec) -> QImage:
    image, p = new_canvas(QColor("#efebe2"))
    rng = random.Random(spec.seed)
    # city blocks: a slightly rotated grid of minor streets
    angle = rng.uniform(-12, 12)
    p.save()
    p.translate(W / 2, H / 2)
    p.rotate(angle)
    for x in range(-900, 900, 70):
        p.setPen(QPen(STREET_EDGE, 6))
        p.drawLine(QPointF(x, -900), QPointF(x, 900))
        p.setPen(QPen(STREET, 4))
        p.drawLine(QPointF(x, -900), QPointF(x, 900))
    for y in range(-900, 900, 60):
        p.setPen(QPen(STREET_EDGE, 6))
        p.drawLine(QPointF(-900, y), QPointF(900, y))
        p.setPen(QPen(STREET, 4))
        p.drawLine(QPointF(-900, y), QPointF(900, y))
    p.restore()
    for _ in range(5):
        p.setPen(QPen(QColor("#b9d3a8"), 1))
        p.setBrush(PARK)
        p.drawPath(
            blob(
                rng.uniform(120, 1080),
                rng.uniform(140, 700),
                rng.uniform(50, 110),
                rng.uniform(35, 80),
                rng.randrange(999),
                0.2,
            )
        )
    for pts, width in spec.water:
        river(p, pts, width)
    for pts, _name in spec.avenues:
        road(p, pts, 11, True)
    if spec.metro:
        colour, pts = spec.metro
        p.strokePath(smooth_open(pts), QPen(QColor(colour), 5, cap=Qt.PenCapStyle.RoundCap))
        for sx, sy, name in spec.stations:
            p.setPen(QPen(QColor(colour), 3))
            p.setBrush(QColor("#ffffff"))
            p.drawEllipse(QPointF(sx, sy), 7, 7)
            text(p, sx, sy + 20, f"м. {name}", 9, QColor(colour).darker(130))
    for index, (pts, name) in enumerate(spec.avenues):
        # Labels at different fractions of their roads, so that crossing roads do not share one spot.
        a, b = pts[0], pts[1]
        t = 0.35 + 0.25 * (index % 2)
        text(
            p,
            a[0] + (b[0] - a[0]) * t,
            a[1] + (b[1] - a[1]) * t - 16,
            name,
            9,
            QColor("#8a6d2f"),
            italic=True,
        )
    frame(p, spec.title, spec.subtitle, "500 м")
    p.end()
    return image


# -- the map set ------------------------------------------------------------------------------------
@dataclass
class MapSpec:
    file: str
    title: str
    picture: QImage
    elements: list[tuple[str, str, float, float, str]]  # kind, target, x, y, label


def _interval_metric(point: str, methodology: str) -> str:
    return f"LOYALTY_MON. {methodology}. {point}. % негативных ответов. Интервал 10 мин"


def demo_map_set() -> list[MapSpec]:
    moscow = CitySpec(
        "Москва", "Округа с точками обслуживания",
        [District("ЦАО", 600, 400, 85, 70, 1), District("САО", 560, 210, 120, 95, 2, True),
         District("СВАО", 760, 220, 110, 90, 3), District("ВАО", 850, 400, 105, 100, 4),
         District("ЮВАО", 790, 590, 110, 95, 5), District("ЮАО", 610, 640, 110, 90, 6),
         District("ЮЗАО", 400, 590, 125, 105, 7, True), District("ЗАО", 330, 400, 110, 100, 8),
         District("СЗАО", 380, 220, 100, 85, 9)],
        [([(120, 300), (260, 330), (360, 420), (470, 380), (560, 440), (640, 420), (700, 500), (800, 520), (900, 620), (1080, 700)], 9)],
        ring=(600, 415, 330, 300),
    )  # fmt: skip
    spb = CitySpec(
        "Санкт-Петербург", "Районы с точками обслуживания",
        [District("Центральный", 640, 420, 130, 105, 21, True), District("Адмиралтейский", 470, 500, 100, 80, 22),
         District("Василеостровский", 380, 330, 90, 70, 23), District("Петроградский", 540, 260, 90, 70, 24),
         District("Выборгский", 720, 190, 110, 80, 25), District("Невский", 880, 520, 110, 110, 26),
         District("Московский", 560, 660, 110, 80, 27), District("Красногвардейский", 900, 300, 100, 90, 28)],
        [([(1150, 320), (1000, 420), (880, 420), (800, 330), (720, 320), (640, 300), (560, 360), (450, 400), (300, 420), (160, 420)], 16),
         ([(640, 300), (600, 220), (520, 180), (420, 200)], 7)],
        water=[blob(40, 400, 220, 380, 29, 0.1)],
    )  # fmt: skip
    kazan = CitySpec(
        "Казань", "Районы с точками обслуживания",
        [District("Вахитовский", 600, 390, 120, 100, 31, True), District("Приволжский", 640, 610, 130, 100, 32, True),
         District("Ново-Савиновский", 640, 190, 120, 85, 33), District("Советский", 870, 400, 120, 120, 34),
         District("Московский", 400, 280, 100, 90, 35), District("Кировский", 340, 460, 90, 90, 36)],
        [([(1150, 170), (950, 230), (800, 270), (690, 300), (560, 290), (430, 330)], 9)],
        water=[smooth_closed([QPointF(x, y) for x, y in [(0, 430), (160, 480), (260, 560), (330, 700), (420, 830), (0, 830)]])],
    )  # fmt: skip
    uzao = StreetSpec(
        "ЮЗАО", "Москва · Юго-Западный округ", 41,
        [([(140, 120), (380, 330), (620, 520), (900, 760)], "Профсоюзная ул."),
         ([(980, 90), (820, 300), (660, 520), (520, 780)], "Ленинский пр-т"),
         ([(60, 690), (400, 640), (760, 660), (1180, 600)], "МКАД")],
        metro=("#f28c28", [(180, 160), (380, 330), (560, 470), (800, 660), (1000, 790)]),
        stations=[(380, 330, "Профсоюзная"), (560, 470, "Калужская"), (800, 660, "Тёплый Стан")],
    )  # fmt: skip
    sao = StreetSpec(
        "САО", "Москва · Северный округ", 42,
        [([(100, 640), (400, 500), (700, 380), (1100, 200)], "Ленинградское ш."),
         ([(520, 790), (560, 520), (600, 260), (640, 60)], "Дмитровское ш.")],
        water=[([(80, 120), (260, 220), (330, 380), (300, 560), (380, 780)], 22)],
        metro=("#2e8b57", [(140, 620), (420, 490), (700, 380), (980, 250)]),
        stations=[(420, 490, "Войковская"), (980, 250, "Речной вокзал")],
    )  # fmt: skip
    spb_c = StreetSpec(
        "Центральный район", "Санкт-Петербург", 43,
        [([(80, 420), (400, 400), (760, 380), (1150, 360)], "Невский пр-т"),
         ([(700, 90), (690, 400), (680, 780)], "Литейный пр-т"),
         ([(200, 760), (330, 560), (420, 400), (480, 120)], "Садовая ул.")],
        water=[([(60, 140), (400, 120), (760, 170), (1160, 120)], 26), ([(100, 560), (500, 600), (1100, 640)], 6)],
        metro=("#0072ba", [(120, 520), (420, 400), (760, 380), (1100, 300)]),
        stations=[(420, 400, "Гостиный двор"), (760, 380, "Маяковская")],
    )  # fmt: skip
    vakh = StreetSpec(
        "Вахитовский район", "Казань", 44,
        [([(120, 640), (420, 470), (700, 340), (1100, 220)], "ул. Баумана"),
         ([(860, 780), (760, 480), (700, 200), (680, 60)], "ул. Пушкина")],
        water=[([(60, 120), (300, 160), (520, 110), (800, 150), (1160, 90)], 20)],
        metro=("#d9302b", [(160, 740), (420, 470), (660, 260), (900, 130)]),
        stations=[(420, 470, "Площадь Тукая"), (660, 260, "Кремлёвская")],
    )  # fmt: skip
    privolzh = StreetSpec(
        "Приволжский район", "Казань", 45,
        [([(80, 300), (500, 360), (900, 330), (1180, 380)], "пр-т Победы"),
         ([(400, 60), (460, 400), (520, 780)], "ул. Авангардная")],
        water=[([(60, 700), (400, 720), (800, 690), (1160, 740)], 30)],
    )  # fmt: skip
    company = "LOYALTY_MON"
    return [
        MapSpec("russia.json", "Россия", draw_country(), [
            ("map", "moscow.json", 440, 470, "Москва"),
            ("map", "spb.json", 330, 245, "Санкт-Петербург"),
            ("map", "kazan.json", 800, 455, "Казань"),
            ("metric", f"{company}. Тест работает", 960, 650, "Тест работает"),
            ("metric", f"{company}. Доступность базы данных (%)", 1090, 650, "База данных"),
        ]),
        MapSpec("moscow.json", "Москва", draw_city(moscow), [
            ("map", "moscow_uzao.json", 400, 575, "ЮЗАО"),
            ("map", "moscow_sao.json", 560, 195, "САО"),
        ]),
        MapSpec("spb.json", "Санкт-Петербург", draw_city(spb), [("map", "spb_central.json", 640, 405, "Центральный")]),
        MapSpec("kazan.json", "Казань", draw_city(kazan), [
            ("map", "kazan_vakhitovsky.json", 600, 375, "Вахитовский"),
            ("map", "kazan_privolzhsky.json", 640, 595, "Приволжский"),
        ]),
        MapSpec("moscow_uzao.json", "ЮЗАО", draw_streets(uzao), [
            ("point", "Профсоюзная", 330, 250, ""),
            ("point", "Калужская", 610, 420, ""),
            ("point", "АЗС Тёплый Стан", 870, 600, ""),
            ("metric", _interval_metric("АЗС Тёплый Стан", "УСОКОК"), 1000, 520, "АЗС Тёплый Стан: % негат."),
        ]),
        MapSpec("moscow_sao.json", "САО", draw_streets(sao), [
            ("point", "Войковская", 470, 420, ""),
            ("point", "Речной вокзал", 1010, 330, ""),
            ("point", "АЗС Ленинградское шоссе", 240, 560, ""),
        ]),
        MapSpec("spb_central.json", "Центральный", draw_streets(spb_c), [
            ("point", "Невский", 560, 320, ""),
            ("point", "Литейный", 760, 250, ""),
            ("point", "Садовая", 360, 520, ""),
        ]),
        MapSpec("kazan_vakhitovsky.json", "Вахитовский", draw_streets(vakh), [
            ("point", "Баумана", 520, 400, ""),
            ("point", "Кремлёвская", 740, 200, ""),
        ]),
        MapSpec("kazan_privolzhsky.json", "Приволжский", draw_streets(privolzh), [
            ("point", "АЗС Горки", 620, 470, ""),
        ]),
    ]  # fmt: skip


def write_demo_maps(out: Path) -> list[Path]:
    written = []
    for spec in demo_map_set():
        picture = Path("backgrounds") / (Path(spec.file).stem + ".png")
        save_png(spec.picture, out / picture)
        elements = [
            Element(f"e{i}", kind, target, x, y, label)  # type: ignore[arg-type]
            for i, (kind, target, x, y, label) in enumerate(spec.elements, start=1)
        ]
        document = MapDocument(out / spec.file, spec.title, picture.as_posix(), elements=elements)
        written.append(save_map(document))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draw the demo Plan map set (backgrounds and map files).")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "maps" / "demo"))
    args = parser.parse_args(argv)
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    for path in write_demo_maps(Path(args.out)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
