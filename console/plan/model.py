"""Plan maps: the pure model (no Qt), the file format, and the roll-up of states.

A map file is UTF-8 JSON (`maps/**/*.json`); see docs/console.md for the reference:

    {
      "format": "prolan-map/1",
      "title": "Москва",
      "background": "backgrounds/moscow.png",      # bmp, jpg, gif or png; relative to this file
      "icon_size": 44,                             # optional, pixels
      "elements": [
        {"id": "e1", "kind": "map",    "target": "moscow_uzao.json", "label": "ЮЗАО", "x": 420, "y": 610},
        {"id": "e2", "kind": "point",  "target": "Калужская",        "x": 300, "y": 200},
        {"id": "e3", "kind": "metric", "target": "LOYALTY_MON. Тест работает", "label": "Тест", "x": 40, "y": 40}
      ]
    }

`x`, `y` are the icon's centre in background pixels. A `metric` element shows the assessment of
one metric (by key or full name); a `point` element the worst assessment of a service point; a
`map` element the worst state anywhere below its child map (any depth; a map that contains itself
somewhere below counts as unknown there instead of looping).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from console.live import LiveState
from probe.levels import Level

FORMAT = "prolan-map/1"
ElementKind = Literal["metric", "point", "map"]
KINDS: tuple[ElementKind, ...] = ("metric", "point", "map")
BACKGROUND_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
DEFAULT_ICON_SIZE = 44
_SEVERITY = {level: level.severity for level in Level}


class MapFormatError(Exception):
    """A map file that cannot be used; the message names the file and the place in it."""

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = Path(path)
        self.detail = message


@dataclass(frozen=True)
class Element:
    id: str
    kind: ElementKind
    target: str
    x: float
    y: float
    label: str = ""

    @property
    def caption(self) -> str:
        if self.label:
            return self.label
        if self.kind == "map":
            return Path(self.target).stem
        # A metric's caption comes with it from the palette as its label (built from the metric's
        # structured identity); without one, the target (key or full name) is shown as it is.
        return self.target

    def moved_to(self, x: float, y: float) -> Element:
        return replace(self, x=x, y=y)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "kind": self.kind, "target": self.target}
        if self.label:
            data["label"] = self.label
        data["x"] = round(self.x, 1)
        data["y"] = round(self.y, 1)
        return data


Listener = Callable[[str, Element | None], None]


@dataclass
class MapDocument:
    """One map being viewed or edited. Changes go through the methods below, which tell the
    listeners (the scene) what happened: ("added" | "removed" | "changed", element) or
    ("background", None)."""

    path: Path
    title: str = ""
    background: str = ""
    icon_size: int = DEFAULT_ICON_SIZE
    elements: list[Element] = field(default_factory=list)
    listeners: list[Listener] = field(default_factory=list, repr=False, compare=False)
    _resolved: dict[str, Path] = field(default_factory=dict, repr=False, compare=False)

    def _tell(self, event: str, element: Element | None) -> None:
        for listener in list(self.listeners):
            listener(event, element)

    def element(self, element_id: str) -> Element:
        for element in self.elements:
            if element.id == element_id:
                return element
        raise KeyError(element_id)

    def new_id(self) -> str:
        taken = {e.id for e in self.elements}
        n = len(self.elements) + 1
        while f"e{n}" in taken:
            n += 1
        return f"e{n}"

    def add(self, element: Element, index: int | None = None) -> None:
        if any(e.id == element.id for e in self.elements):
            raise ValueError(f"duplicate element id {element.id!r}")
        self.elements.insert(len(self.elements) if index is None else index, element)
        self._tell("added", element)

    def remove(self, element_id: str) -> tuple[int, Element]:
        for index, element in enumerate(self.elements):
            if element.id == element_id:
                del self.elements[index]
                self._tell("removed", element)
                return index, element
        raise KeyError(element_id)

    def update(self, element: Element) -> None:
        for index, current in enumerate(self.elements):
            if current.id == element.id:
                self.elements[index] = element
                self._tell("changed", element)
                return
        raise KeyError(element.id)

    def set_background(self, background: str) -> None:
        self.background = background
        self._tell("background", None)

    def background_path(self) -> Path | None:
        if not self.background:
            return None
        path = Path(self.background)
        return path if path.is_absolute() else self.path.parent / path

    def resolve(self, target: str) -> Path:
        """The file of a child map named in this map (absolute, normalised; no file-system calls,
        the roll-up resolves thousands of these per update)."""
        path = self._resolved.get(target)
        if path is None:
            path = Path(os.path.normpath(os.path.join(os.path.abspath(self.path.parent), target)))
            self._resolved[target] = path
        return path

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"format": FORMAT, "title": self.title, "background": self.background}
        if self.icon_size != DEFAULT_ICON_SIZE:
            data["icon_size"] = self.icon_size
        data["elements"] = [e.to_json() for e in self.elements]
        return data


def _number(value: object, where: str, path: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MapFormatError(path, f"{where}: expected a number, got {json.dumps(value, ensure_ascii=False)}")
    return float(value)


def _string(value: object, where: str, path: Path, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise MapFormatError(path, f"{where}: expected a non-empty text")
    return value


def parse_map(data: object, path: Path) -> MapDocument:
    if not isinstance(data, dict):
        raise MapFormatError(path, "the file must hold one JSON object")
    fmt = data.get("format")
    if fmt != FORMAT:
        raise MapFormatError(path, f"'format' must be {FORMAT!r}, got {json.dumps(fmt, ensure_ascii=False)}")
    unknown = set(data) - {"format", "title", "background", "icon_size", "elements"}
    if unknown:
        raise MapFormatError(path, f"unknown key(s) {', '.join(sorted(unknown))}")
    background = _string(data.get("background"), "background", path, required=False)
    if background and Path(background).suffix.lower() not in BACKGROUND_SUFFIXES:
        raise MapFormatError(path, f"background {background!r}: must be a bmp, jpg, gif or png picture")
    icon_size = data.get("icon_size", DEFAULT_ICON_SIZE)
    if isinstance(icon_size, bool) or not isinstance(icon_size, int) or not 8 <= icon_size <= 256:
        raise MapFormatError(path, "icon_size: expected a whole number of pixels 8..256")
    raw_elements = data.get("elements", [])
    if not isinstance(raw_elements, list):
        raise MapFormatError(path, "'elements' must be a list")
    elements: list[Element] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_elements):
        where = f"elements[{index}]"
        if not isinstance(raw, dict):
            raise MapFormatError(path, f"{where}: expected an object")
        extra = set(raw) - {"id", "kind", "target", "label", "x", "y"}
        if extra:
            raise MapFormatError(path, f"{where}: unknown key(s) {', '.join(sorted(extra))}")
        kind = raw.get("kind")
        if kind not in KINDS:
            raise MapFormatError(
                path,
                f"{where}.kind: expected one of metric, point, map, got {json.dumps(kind, ensure_ascii=False)}",
            )
        element_id = _string(raw.get("id", f"e{index + 1}"), f"{where}.id", path)
        if element_id in seen:
            raise MapFormatError(path, f"{where}.id: {element_id!r} is used twice")
        seen.add(element_id)
        elements.append(
            Element(
                element_id,
                kind,
                _string(raw.get("target"), f"{where}.target", path),
                _number(raw.get("x"), f"{where}.x", path),
                _number(raw.get("y"), f"{where}.y", path),
                _string(raw.get("label"), f"{where}.label", path, required=False),
            )
        )
    title = _string(data.get("title"), "title", path, required=False)
    return MapDocument(path, title or path.stem, background, icon_size, elements)


def load_map(path: Path | str) -> MapDocument:
    """Read and check a map file; any problem is one MapFormatError naming the file and place."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MapFormatError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MapFormatError(path, f"cannot be read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MapFormatError(
            path, f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    return parse_map(data, path)


def save_map(document: MapDocument, path: Path | None = None) -> Path:
    """Write atomically (a temporary file renamed over the old one): a crash never leaves half a map."""
    target = Path(path or document.path)
    text = json.dumps(document.to_json(), ensure_ascii=False, indent=2) + "\n"
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".map-", suffix=".json", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


class MapLibrary:
    """Loads child maps on demand (cached by path and modification time) and rolls states up."""

    # A child map file is looked at again (modification time) at most this often: the roll-up
    # runs every poll over every map below, and stat() on each would dominate it.
    RECHECK_SECONDS = 2.0

    def __init__(self) -> None:
        self._cache: dict[Path, tuple[float, MapDocument | MapFormatError]] = {}
        self._checked: dict[Path, float] = {}

    @staticmethod
    def _key(path: Path) -> Path:
        return Path(os.path.normpath(os.path.abspath(path)))

    def get(self, path: Path) -> MapDocument:
        """The map at `path`; raises MapFormatError for a broken or missing file."""
        return self._get(self._key(path))

    def _get(self, key: Path) -> MapDocument:
        path = key
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is None or (
            cached[0] != float("inf") and now - self._checked.get(key, 0.0) > self.RECHECK_SECONDS
        ):
            try:
                mtime = key.stat().st_mtime
            except OSError:
                self._cache.pop(key, None)
                raise MapFormatError(path, "file not found") from None
            self._checked[key] = now
            if cached is None or cached[0] != mtime:
                try:
                    cached = (mtime, load_map(key))
                except MapFormatError as exc:
                    cached = (mtime, exc)
                self._cache[key] = cached
        if isinstance(cached[1], MapFormatError):
            raise cached[1]
        return cached[1]

    def put(self, document: MapDocument) -> None:
        """Use an open (possibly edited) document instead of its file."""
        self._cache[self._key(document.path)] = (float("inf"), document)

    def forget(self, path: Path) -> None:
        self._cache.pop(self._key(path), None)
        self._checked.pop(self._key(path), None)

    def levels(self, document: MapDocument, live: LiveState) -> dict[str, Level]:
        """The level of every element of `document` (by element id)."""
        memo: dict[Path, Level] = {}
        top = self._key(document.path)
        return {e.id: self._element_level(document, e, live, memo, top) for e in document.elements}

    def element_level(self, document: MapDocument, element: Element, live: LiveState) -> Level:
        return self._element_level(document, element, live, {}, self._key(document.path))

    def _element_level(
        self, document: MapDocument, element: Element, live: LiveState, memo: dict[Path, Level], top: Path
    ) -> Level:
        if element.kind == "metric":
            metric = live.metric(element.target)
            return Level.UNKNOWN if metric is None or metric.level is None else metric.level
        if element.kind == "point":
            return live.point_worst(element.target)
        return self._map_level(document.resolve(element.target), live, memo, top)

    def _map_level(self, start: Path, live: LiveState, memo: dict[Path, Level], top: Path) -> Level:
        """The worst level anywhere below the map at `start`: a depth-first walk with its own
        stack (a chain of thousands of nested maps must not hit Python's recursion limit). A map
        that is already on the path being walked (a cycle) counts as unknown there."""
        if start == top:
            return Level.UNKNOWN
        if start in memo:
            return memo[start]
        try:
            first = self._get(start)  # resolve() already gives the normalised key
        except MapFormatError:
            return Level.UNKNOWN
        on_path = {top, start}
        # Frames: [path, document, next element index, worst level, its severity].
        stack: list[list[Any]] = [[start, first, 0, Level.UNKNOWN, -1]]
        metric_of = live.metric
        point_worst = live.point_worst
        while stack:
            frame = stack[-1]
            path, document, index = frame[0], frame[1], frame[2]
            elements = document.elements
            descended = False
            # Metric and point elements inline: this loop runs for thousands of elements per poll.
            while index < len(elements):
                e = elements[index]
                index += 1
                kind = e.kind
                if kind == "metric":
                    metric = metric_of(e.target)
                    level = Level.UNKNOWN if metric is None or metric.level is None else metric.level
                elif kind == "point":
                    level = point_worst(e.target)
                else:
                    child_path = document.resolve(e.target)
                    if child_path in on_path:
                        level = Level.UNKNOWN
                    elif child_path in memo:
                        level = memo[child_path]
                    else:
                        try:
                            child = self._get(child_path)
                        except MapFormatError:
                            level = Level.UNKNOWN
                        else:
                            frame[2] = index
                            on_path.add(child_path)
                            stack.append([child_path, child, 0, Level.UNKNOWN, -1])
                            descended = True
                            break
                severity = _SEVERITY[level]
                if severity > frame[4]:
                    frame[3], frame[4] = level, severity
            if descended:
                continue
            # This map is done: its worst level goes to the map element that led here.
            stack.pop()
            on_path.discard(path)
            memo[path] = frame[3]
            if stack:
                parent = stack[-1]
                if frame[4] > parent[4]:
                    parent[3], parent[4] = frame[3], frame[4]
        return memo[start]

    def points_below(self, document: MapDocument) -> list[str]:
        """Every service point reachable from `document`, in the order a depth-first walk meets
        them (for the palette and the tests); with its own stack, as `_map_level`."""
        found: list[str] = []
        seen_points: set[str] = set()
        visited = {self._key(document.path)}
        stack: list[tuple[MapDocument, int]] = [(document, 0)]
        while stack:
            current, index = stack.pop()
            elements = current.elements
            while index < len(elements):
                element = elements[index]
                index += 1
                if element.kind == "point" and element.target not in seen_points:
                    seen_points.add(element.target)
                    found.append(element.target)
                elif element.kind == "map":
                    child_path = current.resolve(element.target)
                    if child_path in visited:
                        continue
                    try:
                        child = self.get(child_path)
                    except MapFormatError:
                        continue
                    visited.add(child_path)
                    stack.append((current, index))  # come back to the rest of this map
                    stack.append((child, 0))
                    break
        return found


def map_files(root: Path) -> Iterable[Path]:
    """Map files in the folder of `root` and below (for the palette)."""
    folder = root.parent if root.suffix else root
    return sorted(p for p in folder.rglob("*.json") if not p.name.startswith("."))
