"""User-facing texts of the console: Russian first, English available (`--lang en` or
`[console] language`). One table, so that a missing translation is a test failure, not a
surprise on screen."""

from __future__ import annotations

from probe.levels import Level

TEXTS: dict[str, tuple[str, str]] = {
    "app_title": ("PROLAN Консоль", "PROLAN Console"),
    "view_plan": ("План", "Plan"),
    "view_dashboard": ("Табло", "Dashboard"),
    "view_cockpit": ("Кокпит", "Cockpit"),
    "connected": ("Подключено: {target}", "Connected: {target}"),
    "connecting": ("Подключение: {target}…", "Connecting: {target}…"),
    "disconnected": ("НЕТ СВЯЗИ: {target}", "NO CONNECTION: {target}"),
    "last_data": ("данные: {time}", "data: {time}"),
    "minutes_ago": ("{n} мин назад", "{n} min ago"),
    "no_data_yet": ("данных ещё нет", "no data yet"),
    "probe_lost": (
        "Нет связи с зондом {address}: {error}. Повтор подключения…",
        "No connection to the probe {address}: {error}. Retrying…",
    ),
    "no_response": ("нет ответа за {seconds} с", "no answer within {seconds} s"),
    "database_down": ("зонд: база данных недоступна", "probe: database unavailable"),
    "mode_view": ("Просмотр", "View"),
    "mode_edit": ("Редактирование", "Edit"),
    "back": ("Назад", "Back"),
    "save": ("Сохранить", "Save"),
    "undo": ("Отменить", "Undo"),
    "redo": ("Повторить", "Redo"),
    "delete": ("Удалить", "Delete"),
    "align_left": ("Выровнять по левому краю", "Align left"),
    "align_top": ("Выровнять по верху", "Align top"),
    "align_hcenter": ("В ряд", "In a row"),
    "align_vcenter": ("В столбец", "In a column"),
    "background": ("Подложка…", "Background…"),
    "background_filter": (
        "Изображения (*.png *.jpg *.jpeg *.bmp *.gif)",
        "Images (*.png *.jpg *.jpeg *.bmp *.gif)",
    ),
    "new_map": ("Новая карта…", "New map…"),
    "palette": ("Палитра", "Palette"),
    "palette_metrics": ("Метрики (МКО/ОКО)", "Metrics (MKO/OKO)"),
    "palette_points": ("Точки обслуживания", "Service points"),
    "palette_maps": ("Карты", "Maps"),
    "map_error_title": ("Ошибка файла карты", "Map file error"),
    "map_error": (
        "Карту {path} нельзя открыть:\n{error}\n\nФайл не изменён.",
        "The map {path} cannot be opened:\n{error}\n\nThe file was not changed.",
    ),
    "map_exists": (
        "Файл {path} уже есть — выберите другое имя",
        "{path} exists already: choose another name",
    ),
    "map_saved": ("Карта сохранена: {path}", "Map saved: {path}"),
    "unsaved": (
        "Есть несохранённые изменения карты {path}. Сохранить?",
        "Save the changes to the map {path}?",
    ),
    "edit_add": ("Добавить «{label}»", "Add “{label}”"),
    "edit_move": ("Переместить", "Move"),
    "edit_delete": ("Удалить", "Delete"),
    "edit_align": ("Выровнять", "Align"),
    "edit_background": ("Сменить подложку", "Change background"),
    "tooltip_metric": (
        "{name}\nЗначение: {value}\nОценка: {level}\nВремя: {time}",
        "{name}\nValue: {value}\nAssessment: {level}\nTime: {time}",
    ),
    "tooltip_point": (
        "Точка: {name}\nХудшая оценка: {level}\nМетрик: {count}",
        "Point: {name}\nWorst assessment: {level}\nMetrics: {count}",
    ),
    "tooltip_map": (
        "Карта: {name}\nХудшая оценка ниже: {level}",
        "Map: {name}\nWorst assessment below: {level}",
    ),
    "tooltip_stale": (
        "\n(нет связи с зондом — данные устарели)",
        "\n(no connection to the probe — data is stale)",
    ),
    "no_value": ("нет значения", "no value"),
    "not_assessed": ("не оценивается", "not assessed"),
    "point_title": ("Точка обслуживания: {name}", "Service point: {name}"),
    "current_values": ("Текущие значения МКО и ОКО", "Current MKO and OKO values"),
    "col_metric": ("Метрика", "Metric"),
    "col_value": ("Значение", "Value"),
    "col_level": ("Оценка", "Assessment"),
    "col_time": ("Время", "Time"),
    "history": ("История за последние {hours} ч", "History over the last {hours} h"),
    "thresholds": ("Таблица пороговых значений теста", "Threshold table of the test"),
    "thresholds_none": ("У метрики нет таблицы порогов", "The metric has no threshold table"),
    "threshold_equal": ("= {value}", "= {value}"),
    "threshold_otherwise": ("иначе", "otherwise"),
    "direction_higher_worse": ("больше — хуже", "higher is worse"),
    "direction_higher_better": ("больше — лучше", "higher is better"),
    "direction_equal": ("хорошо только при равенстве", "good only when equal"),
    "clips": ("Аудиофрагменты", "Audio fragments"),
    "clips_missing": (
        "Аудиофрагменты: модуль console.clips_panel ещё не установлен",
        "Audio fragments: module console.clips_panel is not installed yet",
    ),
    "history_unavailable": ("История недоступна: {error}", "History unavailable: {error}"),
    "map_not_found": ("файл карты не найден", "map file not found"),
    "cycle": ("карта ссылается сама на себя", "the map refers to itself"),
}


_language = "ru"


def set_language(language: str) -> None:
    global _language
    if language not in ("ru", "en"):
        raise ValueError(f"language {language!r}: expected 'ru' or 'en'")
    _language = language


def language() -> str:
    return _language


def tr(key: str, **values: object) -> str:
    ru, en = TEXTS[key]
    text = ru if _language == "ru" else en
    return text.format(**values) if values else text


_LEVEL_EN = {
    Level.GOOD: "good",
    Level.ACCEPTABLE: "acceptable",
    Level.ATTENTION: "attention",
    Level.EDGE: "edge",
    Level.BAD: "bad",
    Level.UNKNOWN: "no data",
}


def level_text(level: Level | None) -> str:
    if level is None:
        return tr("not_assessed")
    return level.russian if _language == "ru" else _LEVEL_EN[level]
