<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru_RU" sourcelanguage="en_GB">
    <context>
    <name>App</name>
    <message>
        <location filename="../app.py" line="43" />
        <source>PROLAN Console</source>
        <translation>PROLAN Консоль</translation>
    </message>
    <message>
        <location filename="../app.py" line="86" />
        <source>Connected: {target}</source>
        <translation>Подключено: {target}</translation>
    </message>
    <message>
        <location filename="../app.py" line="90" />
        <source>probe: database unavailable</source>
        <translation>зонд: база данных недоступна</translation>
    </message>
    <message>
        <location filename="../app.py" line="93" />
        <source>NO CONNECTION: {target}</source>
        <translation>НЕТ СВЯЗИ: {target}</translation>
    </message>
    <message>
        <location filename="../app.py" line="97" />
        <source>Connecting: {target}…</source>
        <translation>Подключение: {target}…</translation>
    </message>
    <message>
        <location filename="../app.py" line="104" />
        <source>no data yet</source>
        <translation>данных ещё нет</translation>
    </message>
    <message>
        <location filename="../app.py" line="109" />
        <source>{n} min ago</source>
        <translation>{n} мин назад</translation>
    </message>
    <message>
        <location filename="../app.py" line="110" />
        <source>data: {time}</source>
        <translation>данные: {time}</translation>
    </message>
</context><context>
    <name>BaselineDialog</name>
    <message>
        <location filename="../baseline_dialog.py" line="59" />
        <source>Typical values and thresholds</source>
        <translation>Типичные значения и пороги</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="75" />
        <source>Metric</source>
        <translation>Метрика</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="76" />
        <source>Typical value percentile</source>
        <translation>Перцентиль типичного значения</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="81" />
        <source>value</source>
        <translation>значение</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="82" />
        <source>intervals</source>
        <translation>интервалов</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="91" />
        <source>Current</source>
        <translation>Текущие</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="91" />
        <source>Proposed</source>
        <translation>Предлагаемые</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="97" />
        <source>Apply the proposed thresholds</source>
        <translation>Применить предложенные пороги</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="126" />
        <source>No assessed history for this test.</source>
        <translation>Нет истории с оценками для этого теста.</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="148" />
        <source>Typical value: {typical} (from {samples} intervals). Solid lines: proposed thresholds; dashed: current.</source>
        <translation>Типичное значение: {typical} (по {samples} интервалам). Сплошные линии — предлагаемые пороги, пунктир — текущие.</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="154" />
        <source>Too few values for a proposal.</source>
        <translation>Слишком мало значений для предложения.</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="180" />
        <source>Thresholds applied: the engine uses them from the next evaluation.</source>
        <translation>Пороги применены: движок использует их со следующего расчёта.</translation>
    </message>
</context><context>
    <name>ButtonKinds</name>
    <message>
        <location filename="../clips_panel.py" line="91" />
        <source>Negative</source>
        <translation>Негативная</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="92" />
        <source>Force majeure</source>
        <translation>Форс-мажор</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="93" />
        <source>Positive</source>
        <translation>Позитивная</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="94" />
        <source>Passive</source>
        <translation>Пассивная</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="95" />
        <source>Seller</source>
        <translation>Продавец</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="96" />
        <source>Red</source>
        <translation>Красная</translation>
    </message>
</context><context>
    <name>ClipsPanel</name>
    <message>
        <location filename="../clips_panel.py" line="103" />
        <source>cut</source>
        <translation>вырезан</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="104" />
        <source>waiting for the recording</source>
        <translation>ждёт запись</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="105" />
        <source>no recording</source>
        <translation>записи нет</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="142" />
        <source>Audio fragments: {point}</source>
        <translation>Аудиофрагменты: {point}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="144" />
        <source>Refresh</source>
        <translation>Обновить</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="150" />
        <source>Pressed at</source>
        <translation>Время нажатия</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="151" />
        <source>Button</source>
        <translation>Кнопка</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="152" />
        <source>Length</source>
        <translation>Длительность</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="153" />
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="182" />
        <source>file not found: {path}</source>
        <translation>файл не найден: {path}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="185" />
        <source>cut, {gap} s not recorded</source>
        <translation>вырезан, {gap} с без записи</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="197" />
        <source>Database unavailable: {error}</source>
        <translation>База данных недоступна: {error}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="281" />
        <location filename="../clips_panel.py" line="265" />
        <location filename="../clips_panel.py" line="213" />
        <source>▶ Play</source>
        <translation>▶ Слушать</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="218" />
        <source>Fragments: {n}</source>
        <translation>Фрагментов: {n}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="220" />
        <source>No fragments</source>
        <translation>Фрагментов нет</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="285" />
        <location filename="../clips_panel.py" line="252" />
        <source>Cannot play: {error}</source>
        <translation>Не удалось воспроизвести: {error}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="255" />
        <source>■ Stop</source>
        <translation>■ Стоп</translation>
    </message>
</context><context>
    <name>Cockpit</name>
    <message>
        <location filename="../cockpit.py" line="72" />
        <source>{n} d</source>
        <translation>{n} д</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="73" />
        <source>{n} h</source>
        <translation>{n} ч</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="140" />
        <source>Company total</source>
        <translation>Итого по компании</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="141" />
        <source>The tests themselves</source>
        <translation>Сами тесты</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="142" />
        <source>{n} min</source>
        <translation>{n} мин</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="143" />
        <source>day</source>
        <translation>сутки</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="299" />
        <source>Unassessed counters</source>
        <translation>Неоцениваемые счётчики</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="302" />
        <source>Also show metrics without a threshold table (counts, sums)</source>
        <translation>Показывать и метрики без таблицы порогов (количества, суммы)</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="304" />
        <source>Show</source>
        <translation>Показать</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="308" />
        <source>Tests</source>
        <translation>Тесты</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="309" />
        <source>Points</source>
        <translation>Точки</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="310" />
        <source>Name contains</source>
        <translation>Имя содержит</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="317" />
        <source>Range</source>
        <translation>Диапазон</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="329" />
        <source>Period</source>
        <translation>Период</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="719" />
        <location filename="../cockpit.py" line="336" />
        <source>Save layout…</source>
        <translation>Сохранить вид…</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="725" />
        <location filename="../cockpit.py" line="338" />
        <source>Open layout…</source>
        <translation>Открыть вид…</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="380" />
        <source>Click a rectangle to see the threshold table that assessed it.</source>
        <translation>Щёлкните прямоугольник, чтобы увидеть таблицу порогов, по которой он оценён.</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="385" />
        <source>Assessment</source>
        <translation>Оценка</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="385" />
        <source>Value</source>
        <translation>Значение</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="398" />
        <source>Suggest thresholds…</source>
        <translation>Подобрать пороги…</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="613" />
        <source>no evaluation here</source>
        <translation>здесь нет расчёта</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="617" />
        <source>Interval: {start} – {end}</source>
        <translation>Интервал: {start} – {end}</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="622" />
        <source>Value: {value}</source>
        <translation>Значение: {value}</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="624" />
        <source>Assessment: {level}</source>
        <translation>Оценка: {level}</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="628" />
        <source>Thresholds: {table}</source>
        <translation>Пороги: {table}</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="672" />
        <source>The metric is not assessed (no threshold table).</source>
        <translation>Метрика не оценивается (нет таблицы порогов).</translation>
    </message>
</context><context>
    <name>Connection</name>
    <message>
        <location filename="../snmp_poller.py" line="257" />
        <source>no answer within {seconds} s</source>
        <translation>нет ответа за {seconds} с</translation>
    </message>
    <message>
        <location filename="../snmp_poller.py" line="260" />
        <source>No connection to the probe {address}: {error}. Retrying…</source>
        <translation>Нет связи с зондом {address}: {error}. Повтор подключения…</translation>
    </message>
</context><context>
    <name>Dashboard</name>
    <message>
        <location filename="../dashboard.py" line="172" />
        <source>last {hours} h</source>
        <translation>последние {hours} ч</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="178" />
        <source>Company total</source>
        <translation>Итого по компании</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="182" />
        <source>Loyalty index</source>
        <translation>Индекс лояльности</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="205" />
        <source>no data</source>
        <translation>нет данных</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="223" />
        <source>no data yesterday</source>
        <translation>вчера нет данных</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="228" />
        <source>{arrow} {change} vs yesterday</source>
        <translation>{arrow} {change} за сутки</translation>
    </message>
</context><context>
    <name>Levels</name>
    <message>
        <location filename="../i18n.py" line="146" />
        <source>good</source>
        <translation>хорошо</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="147" />
        <source>acceptable</source>
        <translation>допустимо</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="148" />
        <source>attention</source>
        <translation>внимание</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="149" />
        <source>on the edge</source>
        <translation>на грани</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="150" />
        <source>bad</source>
        <translation>плохо</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="151" />
        <source>no data</source>
        <translation>нет данных</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="153" />
        <source>not assessed</source>
        <translation>не оценивается</translation>
    </message>
</context><context>
    <name>Plan</name>
    <message>
        <location filename="../plan/commands.py" line="16" />
        <source>Add “{label}”</source>
        <translation>Добавить «{label}»</translation>
    </message>
    <message>
        <location filename="../plan/commands.py" line="36" />
        <source>Move</source>
        <translation>Переместить</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="125" />
        <location filename="../plan/commands.py" line="54" />
        <source>Delete</source>
        <translation>Удалить</translation>
    </message>
    <message>
        <location filename="../plan/commands.py" line="69" />
        <source>Change background</source>
        <translation>Сменить подложку</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="97" />
        <source>Back</source>
        <translation>Назад</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="365" />
        <location filename="../plan/view.py" line="105" />
        <source>Edit</source>
        <translation>Редактирование</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="112" />
        <source>Undo</source>
        <translation>Отменить</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="115" />
        <source>Redo</source>
        <translation>Повторить</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="123" />
        <source>Save</source>
        <translation>Сохранить</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="133" />
        <source>Align left</source>
        <translation>Выровнять по левому краю</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="134" />
        <source>Align top</source>
        <translation>Выровнять по верху</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="135" />
        <source>In a row</source>
        <translation>В ряд</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="136" />
        <source>In a column</source>
        <translation>В столбец</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="417" />
        <location filename="../plan/view.py" line="140" />
        <source>Background…</source>
        <translation>Подложка…</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="444" />
        <location filename="../plan/view.py" line="141" />
        <source>New map…</source>
        <translation>Новая карта…</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="183" />
        <source>The map {path} cannot be opened:
{error}

The file was not changed.</source>
        <translation>Карту {path} нельзя открыть:
{error}

Файл не изменён.</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="333" />
        <location filename="../plan/view.py" line="323" />
        <source>{name}
Value: {value}
Assessment: {level}
Time: {time}</source>
        <translation>{name}
Значение: {value}
Оценка: {level}
Время: {time}</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="331" />
        <source>no value</source>
        <translation>нет значения</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="337" />
        <source>Point: {name}
Worst assessment: {level}
Metrics: {count}</source>
        <translation>Точка: {name}
Худшая оценка: {level}
Метрик: {count}</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="344" />
        <source>Map: {name}
Worst assessment below: {level}</source>
        <translation>Карта: {name}
Худшая оценка ниже: {level}</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="348" />
        <source>
(no connection to the probe — data is stale)</source>
        <translation>
(нет связи с зондом — данные устарели)</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="365" />
        <source>View</source>
        <translation>Просмотр</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="400" />
        <source>Align</source>
        <translation>Выровнять</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="419" />
        <source>Images (*.png *.jpg *.jpeg *.bmp *.gif)</source>
        <translation>Изображения (*.png *.jpg *.jpeg *.bmp *.gif)</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="430" />
        <source>{path} exists already: choose another name</source>
        <translation>Файл {path} уже есть — выберите другое имя</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="458" />
        <location filename="../plan/view.py" line="439" />
        <source>Map saved: {path}</source>
        <translation>Карта сохранена: {path}</translation>
    </message>
    <message>
        <location filename="../plan/backgrounds.py" line="48" />
        <source>Map {map}: the background {path} is not shown: {reason}. The map is drawn on an empty grid.</source>
        <translation>Карта {map}: фон {path} не показан: {reason}. Карта нарисована на пустой сетке.</translation>
    </message>
    <message>
        <location filename="../plan/backgrounds.py" line="57" />
        <source>it is outside the maps folder ({folders}; see [console] background_folders)</source>
        <translation>он вне папки карт ({folders}; см. [console] background_folders)</translation>
    </message>
    <message>
        <location filename="../plan/backgrounds.py" line="62" />
        <source>no such file</source>
        <translation>нет такого файла</translation>
    </message>
    <message>
        <location filename="../plan/backgrounds.py" line="67" />
        <source>not a picture Qt can read ({error})</source>
        <translation>это не изображение, которое Qt может прочитать ({error})</translation>
    </message>
    <message>
        <location filename="../plan/backgrounds.py" line="72" />
        <source>{width}×{height} pixels is too big (at most {side} a side, {pixels} million in all)</source>
        <translation>{width}×{height} пикселей — слишком много (не более {side} по стороне, {pixels} млн всего)</translation>
    </message>
    <message>
        <location filename="../plan/backgrounds.py" line="78" />
        <source>cannot be read ({error})</source>
        <translation>не читается ({error})</translation>
    </message>
    <message>
        <location filename="../plan/palette.py" line="23" />
        <source>Palette</source>
        <translation>Палитра</translation>
    </message>
    <message>
        <location filename="../plan/palette.py" line="48" />
        <source>Metrics (MKO/OKO)</source>
        <translation>Метрики (МКО/ОКО)</translation>
    </message>
    <message>
        <location filename="../plan/palette.py" line="59" />
        <source>Service points</source>
        <translation>Точки обслуживания</translation>
    </message>
    <message>
        <location filename="../plan/palette.py" line="63" />
        <source>Maps</source>
        <translation>Карты</translation>
    </message>
</context><context>
    <name>PointPage</name>
    <message>
        <location filename="../plan/point_page.py" line="49" />
        <source>= {value}</source>
        <translation>= {value}</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="50" />
        <source>otherwise</source>
        <translation>иначе</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="276" />
        <location filename="../plan/point_page.py" line="158" />
        <location filename="../plan/point_page.py" line="86" />
        <source>Assessment</source>
        <translation>Оценка</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="157" />
        <location filename="../plan/point_page.py" line="86" />
        <source>Value</source>
        <translation>Значение</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="98" />
        <source>The metric has no threshold table</source>
        <translation>У метрики нет таблицы порогов</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="103" />
        <source>higher is worse</source>
        <translation>больше — хуже</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="104" />
        <source>higher is better</source>
        <translation>больше — лучше</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="105" />
        <source>good only when equal</source>
        <translation>хорошо только при равенстве</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="145" />
        <source>Service point: {name}</source>
        <translation>Точка обслуживания: {name}</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="156" />
        <source>Metric</source>
        <translation>Метрика</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="159" />
        <source>Time</source>
        <translation>Время</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="193" />
        <source>History over the last {hours} h</source>
        <translation>История за последние {hours} ч</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="206" />
        <source>Current MKO and OKO values</source>
        <translation>Текущие значения МКО и ОКО</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="208" />
        <source>Threshold table of the test</source>
        <translation>Таблица пороговых значений теста</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="253" />
        <source>Audio fragments</source>
        <translation>Аудиофрагменты</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="255" />
        <source>Audio fragments: module console.clips_panel is not installed yet</source>
        <translation>Аудиофрагменты: модуль console.clips_panel ещё не установлен</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="336" />
        <source>History unavailable: {error}</source>
        <translation>История недоступна: {error}</translation>
    </message>
</context><context>
    <name>Views</name>
    <message>
        <location filename="../cockpit.py" line="733" />
        <source>Cockpit</source>
        <translation>Кокпит</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="306" />
        <source>Dashboard</source>
        <translation>Табло</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="37" />
        <source>Plan</source>
        <translation>План</translation>
    </message>
</context></TS>
