<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru_RU" sourcelanguage="en_GB">
    <context>
    <name>AlertsPanel</name>
    <message>
        <location filename="../alerts_panel.py" line="73" />
        <source>open</source>
        <translation>открыто</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="74" />
        <source>acknowledged</source>
        <translation>подтверждено</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="75" />
        <source>closed</source>
        <translation>закрыто</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="118" />
        <source>Press alerts: {point}</source>
        <translation>Уведомления о нажатиях: {point}</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="121" />
        <source>Refresh</source>
        <translation>Обновить</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="125" />
        <source>Pressed at</source>
        <translation>Время нажатия</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="126" />
        <source>Button</source>
        <translation>Кнопка</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="127" />
        <source>Rule</source>
        <translation>Правило</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="128" />
        <source>Presses</source>
        <translation>Нажатий</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="129" />
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="130" />
        <source>Acknowledged</source>
        <translation>Подтверждено</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="131" />
        <source>Comment</source>
        <translation>Комментарий</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="132" />
        <source>Audio fragment</source>
        <translation>Аудиофрагмент</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="183" />
        <source>Database unavailable: {error}</source>
        <translation>База данных недоступна: {error}</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="189" />
        <source>{n} since {time}</source>
        <translation>{n} с {time}</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="228" />
        <source>▶ Play</source>
        <translation>▶ Слушать</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="236" />
        <source>Acknowledge…</source>
        <translation>Подтвердить…</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="238" />
        <source>Close…</source>
        <translation>Закрыть…</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="247" />
        <source>Alerts: {n}, not acknowledged: {open}</source>
        <translation>Уведомлений: {n}, не подтверждено: {open}</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="251" />
        <source>No press alerts</source>
        <translation>Уведомлений о нажатиях нет</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="268" />
        <source>The fragment of this press is not in the list</source>
        <translation>Фрагмента этого нажатия нет в списке</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="275" />
        <source>Acknowledge alert {id}</source>
        <translation>Подтвердить уведомление № {id}</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="277" />
        <source>Close alert {id}</source>
        <translation>Закрыть уведомление № {id}</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="279" />
        <source>{kind} at {time}. Comment (what was done):</source>
        <translation>{kind} в {time}. Комментарий (что сделано):</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="290" />
        <source>Alert {id}: {state}</source>
        <translation>Уведомление № {id}: {state}</translation>
    </message>
</context><context>
    <name>App</name>
    <message>
        <location filename="../app.py" line="47" />
        <source>PROLAN Console</source>
        <translation>PROLAN Консоль</translation>
    </message>
    <message>
        <location filename="../app.py" line="90" />
        <source>Connected: {target}</source>
        <translation>Подключено: {target}</translation>
    </message>
    <message>
        <location filename="../app.py" line="94" />
        <source>probe: database unavailable</source>
        <translation>зонд: база данных недоступна</translation>
    </message>
    <message>
        <location filename="../app.py" line="97" />
        <source>NO CONNECTION: {target}</source>
        <translation>НЕТ СВЯЗИ: {target}</translation>
    </message>
    <message>
        <location filename="../app.py" line="101" />
        <source>Connecting: {target}…</source>
        <translation>Подключение: {target}…</translation>
    </message>
    <message>
        <location filename="../app.py" line="108" />
        <source>no data yet</source>
        <translation>данных ещё нет</translation>
    </message>
    <message>
        <location filename="../app.py" line="113" />
        <source>{n} min ago</source>
        <translation>{n} мин назад</translation>
    </message>
    <message>
        <location filename="../app.py" line="114" />
        <source>data: {time}</source>
        <translation>данные: {time}</translation>
    </message>
</context><context>
    <name>BaselineDialog</name>
    <message>
        <location filename="../baseline_dialog.py" line="102" />
        <source>Typical values and thresholds</source>
        <translation>Типичные значения и пороги</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="114" />
        <source>Metric</source>
        <translation>Метрика</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="115" />
        <source>Typical value percentile</source>
        <translation>Перцентиль типичного значения</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="120" />
        <source>value</source>
        <translation>значение</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="121" />
        <source>intervals</source>
        <translation>интервалов</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="130" />
        <source>Current</source>
        <translation>Текущие</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="130" />
        <source>Proposed</source>
        <translation>Предлагаемые</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="138" />
        <source>Apply the proposed thresholds</source>
        <translation>Применить предложенные пороги</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="157" />
        <source>Reading the history…</source>
        <translation>Чтение истории…</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="184" />
        <source>Database unavailable: {error}</source>
        <translation>База данных недоступна: {error}</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="196" />
        <source>No assessed history for this test.</source>
        <translation>Нет истории с оценками для этого теста.</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="218" />
        <source>Typical value: {typical} (from {samples} intervals). Solid lines: proposed thresholds; dashed: current.</source>
        <translation>Типичное значение: {typical} (по {samples} интервалам). Сплошные линии — предлагаемые пороги, пунктир — текущие.</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="224" />
        <source>Too few values for a proposal.</source>
        <translation>Слишком мало значений для предложения.</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="236" />
        <source>Trying the proposal on the notification rules…</source>
        <translation>Проверяем предложение на правилах уведомлений…</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="245" />
        <source>No notification rule watches this metric.</source>
        <translation>Ни одно правило уведомлений не следит за этим показателем.</translation>
    </message>
    <message numerus="yes">
        <location filename="../baseline_dialog.py" line="251" />
        <source>With the proposed thresholds the notification rules would have notified %n time(s) in the last {days} days (with the current ones: {current}; rules: {rules}).</source>
        <translation>
            <numerusform>С предложенными порогами правила уведомили бы %n раз за последние {days} дней (с текущими: {current}; правила: {rules}).</numerusform>
            <numerusform>С предложенными порогами правила уведомили бы %n раза за последние {days} дней (с текущими: {current}; правила: {rules}).</numerusform>
            <numerusform>С предложенными порогами правила уведомили бы %n раз за последние {days} дней (с текущими: {current}; правила: {rules}).</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="260" />
        <source>The rules could not be tried: {error}</source>
        <translation>Не удалось проверить правила: {error}</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="288" />
        <source>Thresholds applied: the engine uses them from the next evaluation.</source>
        <translation>Пороги применены: движок использует их со следующего расчёта.</translation>
    </message>
</context><context>
    <name>ButtonKinds</name>
    <message>
        <location filename="../clips_panel.py" line="78" />
        <source>Negative</source>
        <translation>Негативная</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="79" />
        <source>Force majeure</source>
        <translation>Форс-мажор</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="80" />
        <source>Positive</source>
        <translation>Позитивная</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="81" />
        <source>Passive</source>
        <translation>Пассивная</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="82" />
        <source>Seller</source>
        <translation>Продавец</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="83" />
        <source>Red</source>
        <translation>Красная</translation>
    </message>
</context><context>
    <name>ClipsPanel</name>
    <message>
        <location filename="../clips_panel.py" line="90" />
        <source>cut</source>
        <translation>вырезан</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="91" />
        <source>waiting for the recording</source>
        <translation>ждёт запись</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="92" />
        <source>no recording</source>
        <translation>записи нет</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="148" />
        <source>Audio fragments: {point}</source>
        <translation>Аудиофрагменты: {point}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="150" />
        <source>Refresh</source>
        <translation>Обновить</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="155" />
        <source>Pressed at</source>
        <translation>Время нажатия</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="156" />
        <source>Button</source>
        <translation>Кнопка</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="157" />
        <source>Length</source>
        <translation>Длительность</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="158" />
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="189" />
        <source>file not found: {path}</source>
        <translation>файл не найден: {path}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="192" />
        <source>cut, {gap} s not recorded</source>
        <translation>вырезан, {gap} с без записи</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="208" />
        <source>Database unavailable: {error}</source>
        <translation>База данных недоступна: {error}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="303" />
        <location filename="../clips_panel.py" line="287" />
        <location filename="../clips_panel.py" line="226" />
        <source>▶ Play</source>
        <translation>▶ Слушать</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="231" />
        <source>Fragments: {n}</source>
        <translation>Фрагментов: {n}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="233" />
        <source>No fragments</source>
        <translation>Фрагментов нет</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="307" />
        <location filename="../clips_panel.py" line="274" />
        <source>Cannot play: {error}</source>
        <translation>Не удалось воспроизвести: {error}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="277" />
        <source>■ Stop</source>
        <translation>■ Стоп</translation>
    </message>
</context><context>
    <name>Cockpit</name>
    <message>
        <location filename="../cockpit.py" line="83" />
        <source>{n} d</source>
        <translation>{n} д</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="84" />
        <source>{n} h</source>
        <translation>{n} ч</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="151" />
        <source>Company total</source>
        <translation>Итого по компании</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="152" />
        <source>The tests themselves</source>
        <translation>Сами тесты</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="153" />
        <source>{n} min</source>
        <translation>{n} мин</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="154" />
        <source>day</source>
        <translation>сутки</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="284" />
        <source>Before {time}: hourly trends (mean value, worst level); raw values after it.</source>
        <translation>До {time}: часовые тренды (среднее значение, худший уровень); после — все оценки.</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="323" />
        <source>Unassessed counters</source>
        <translation>Неоцениваемые счётчики</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="326" />
        <source>Also show metrics without a threshold table (counts, sums)</source>
        <translation>Показывать и метрики без таблицы порогов (количества, суммы)</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="328" />
        <source>Show</source>
        <translation>Показать</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="332" />
        <source>Tests</source>
        <translation>Тесты</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="333" />
        <source>Points</source>
        <translation>Точки</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="334" />
        <source>Name contains</source>
        <translation>Имя содержит</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="341" />
        <source>Range</source>
        <translation>Диапазон</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="353" />
        <source>Period</source>
        <translation>Период</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="711" />
        <location filename="../cockpit.py" line="360" />
        <source>Save layout…</source>
        <translation>Сохранить вид…</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="717" />
        <location filename="../cockpit.py" line="362" />
        <source>Open layout…</source>
        <translation>Открыть вид…</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="406" />
        <source>Suggest thresholds…</source>
        <translation>Подобрать пороги…</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="412" />
        <source>Click a rectangle to see its whole interval below.</source>
        <translation>Щёлкните прямоугольник, чтобы увидеть ниже весь его интервал.</translation>
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
</context><context>
    <name>Connection</name>
    <message>
        <location filename="../snmp_poller.py" line="266" />
        <source>no answer within {seconds} s</source>
        <translation>нет ответа за {seconds} с</translation>
    </message>
    <message>
        <location filename="../snmp_poller.py" line="269" />
        <source>No connection to the probe {address}: {error}. Retrying…</source>
        <translation>Нет связи с зондом {address}: {error}. Повтор подключения…</translation>
    </message>
</context><context>
    <name>Dashboard</name>
    <message>
        <location filename="../dashboard.py" line="169" />
        <source>Hourly trends (worst level of each hour) before {time}</source>
        <translation>Часовые тренды (худший уровень каждого часа) до {time}</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="293" />
        <source>last {hours} h</source>
        <translation>последние {hours} ч</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="295" />
        <source>hourly trends</source>
        <translation>часовые тренды</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="300" />
        <source>Company total</source>
        <translation>Итого по компании</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="355" />
        <location filename="../dashboard.py" line="306" />
        <source>no data yesterday</source>
        <translation>вчера нет данных</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="308" />
        <source>{arrow} {change} vs yesterday</source>
        <translation>{arrow} {change} за сутки</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="314" />
        <source>Loyalty index</source>
        <translation>Индекс лояльности</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="337" />
        <source>no data</source>
        <translation>нет данных</translation>
    </message>
</context><context>
    <name>Evidence</name>
    <message>
        <location filename="../evidence.py" line="30" />
        <source>95 %: {bounds}</source>
        <translation>95 %: {bounds}</translation>
    </message>
    <message numerus="yes">
        <location filename="../evidence.py" line="31" />
        <source>95 %: {bounds}, %n vote(s)</source>
        <translation>
            <numerusform>95 %: {bounds}, %n голос</numerusform>
            <numerusform>95 %: {bounds}, %n голоса</numerusform>
            <numerusform>95 %: {bounds}, %n голосов</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../evidence.py" line="39" />
        <source>{caption}: with 95 % confidence the true share is in this range</source>
        <translation>{caption}: с вероятностью 95 % истинная доля в этих пределах</translation>
    </message>
    <message>
        <location filename="../evidence.py" line="63" />
        <source>sure</source>
        <translation>уверенно</translation>
    </message>
    <message>
        <location filename="../evidence.py" line="65" />
        <source>sure only of: {level}</source>
        <translation>уверенно лишь: {level}</translation>
    </message>
</context><context>
    <name>IntervalPanel</name>
    <message>
        <location filename="../interval_panel.py" line="47" />
        <source>answered</source>
        <translation>с ответом</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="48" />
        <source>silent</source>
        <translation>молчун</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="49" />
        <source>window open</source>
        <translation>окно открыто</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="50" />
        <source>answer in the window</source>
        <translation>ответ в окне</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="51" />
        <source>outside a window</source>
        <translation>вне окна</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="58" />
        <source>incident</source>
        <translation>инцидент</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="59" />
        <source>escalation</source>
        <translation>эскалация</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="60" />
        <source>recovery</source>
        <translation>восстановление</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="61" />
        <source>test message</source>
        <translation>проверка</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="68" />
        <source>waiting</source>
        <translation>ждёт отправки</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="69" />
        <source>sending</source>
        <translation>отправляется</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="70" />
        <source>sent</source>
        <translation>отправлено</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="71" />
        <source>failed</source>
        <translation>не отправлено</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="132" />
        <source>Driver</source>
        <translation>Драйвер</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="133" />
        <source>Value</source>
        <translation>Значение</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="134" />
        <source>Assessment</source>
        <translation>Оценка</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="135" />
        <source>Evaluated</source>
        <translation>Расчёт</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="142" />
        <source>Thresholds</source>
        <translation>Пороги</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="145" />
        <source>Loyalty drivers at the point, same time</source>
        <translation>Драйверы лояльности точки в это же время</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="289" />
        <location filename="../interval_panel.py" line="155" />
        <location filename="../interval_panel.py" line="148" />
        <source>Methodology</source>
        <translation>Методика</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="153" />
        <source>Time</source>
        <translation>Время</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="154" />
        <source>Pad</source>
        <translation>Пульт</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="156" />
        <source>Button</source>
        <translation>Кнопка</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="157" />
        <source>Window</source>
        <translation>Окно</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="158" />
        <source>Question</source>
        <translation>Вопрос</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="162" />
        <source>Presses of the interval</source>
        <translation>Нажатия интервала</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="169" />
        <source>Queued</source>
        <translation>Поставлено</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="170" />
        <source>Rule</source>
        <translation>Правило</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="171" />
        <source>Event</source>
        <translation>Событие</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="172" />
        <source>Channel</source>
        <translation>Канал</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="173" />
        <source>Recipient</source>
        <translation>Получатель</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="174" />
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="183" />
        <source>Audio fragments of these presses</source>
        <translation>Аудиофрагменты этих нажатий</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="187" />
        <source>Notifications the interval triggered</source>
        <translation>Уведомления, вызванные интервалом</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="214" />
        <source>Click a rectangle to see its whole interval.</source>
        <translation>Щёлкните прямоугольник, чтобы увидеть весь его интервал.</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="222" />
        <source>Reading the interval…</source>
        <translation>Чтение интервала…</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="229" />
        <source>Nothing was evaluated there.</source>
        <translation>Здесь ничего не рассчитывалось.</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="232" />
        <source>The interval cannot be read: {reason}</source>
        <translation>Интервал не прочитан: {reason}</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="253" />
        <source>Interval {start} – {end} · value {value} · assessment: {level}</source>
        <translation>Интервал {start} – {end} · значение {value} · оценка: {level}</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="291" />
        <source>Total</source>
        <translation>Всего</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="307" />
        <source>УСОКОК windows: answered {answered}, silent {silent}, still open {open}; answers outside a window {outside}</source>
        <translation>Окна УСОКОК: с ответом — {answered}, молчуны — {silent}, ещё открыты — {open}; ответы вне окна — {outside}</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="332" />
        <source>Presses of the interval: {n}</source>
        <translation>Нажатия интервала: {n}</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="334" />
        <source>(the first {n} listed)</source>
        <translation>(показаны первые {n})</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="354" />
        <source>Notifications cannot be read: {error} (run prolan-probe db init)</source>
        <translation>Уведомления не прочитаны: {error} (выполните prolan-probe db init)</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="359" />
        <source>None</source>
        <translation>Нет</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="375" />
        <source>Interval</source>
        <translation>Интервал</translation>
    </message>
</context><context>
    <name>Levels</name>
    <message>
        <location filename="../i18n.py" line="147" />
        <source>good</source>
        <translation>хорошо</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="148" />
        <source>acceptable</source>
        <translation>допустимо</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="149" />
        <source>attention</source>
        <translation>внимание</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="150" />
        <source>on the edge</source>
        <translation>на грани</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="151" />
        <source>bad</source>
        <translation>плохо</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="152" />
        <source>no data</source>
        <translation>нет данных</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="154" />
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
        <location filename="../plan/view.py" line="134" />
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
        <location filename="../plan/view.py" line="106" />
        <source>Back</source>
        <translation>Назад</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="424" />
        <location filename="../plan/view.py" line="114" />
        <source>Edit</source>
        <translation>Редактирование</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="121" />
        <source>Undo</source>
        <translation>Отменить</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="124" />
        <source>Redo</source>
        <translation>Повторить</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="132" />
        <source>Save</source>
        <translation>Сохранить</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="142" />
        <source>Align left</source>
        <translation>Выровнять по левому краю</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="143" />
        <source>Align top</source>
        <translation>Выровнять по верху</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="144" />
        <source>In a row</source>
        <translation>В ряд</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="145" />
        <source>In a column</source>
        <translation>В столбец</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="476" />
        <location filename="../plan/view.py" line="149" />
        <source>Background…</source>
        <translation>Подложка…</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="503" />
        <location filename="../plan/view.py" line="150" />
        <source>New map…</source>
        <translation>Новая карта…</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="194" />
        <source>The map {path} cannot be opened:
{error}

The file was not changed.</source>
        <translation>Карту {path} нельзя открыть:
{error}

Файл не изменён.</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="283" />
        <source>No evaluated interval for this icon</source>
        <translation>У значка нет рассчитанного интервала</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="294" />
        <source>Open the interval…</source>
        <translation>Открыть интервал…</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="298" />
        <source>Open</source>
        <translation>Открыть</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="389" />
        <location filename="../plan/view.py" line="379" />
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
        <location filename="../plan/view.py" line="387" />
        <source>no value</source>
        <translation>нет значения</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="396" />
        <source>Point: {name}
Worst assessment: {level}
Metrics: {count}</source>
        <translation>Точка: {name}
Худшая оценка: {level}
Метрик: {count}</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="403" />
        <source>Map: {name}
Worst assessment below: {level}</source>
        <translation>Карта: {name}
Худшая оценка ниже: {level}</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="407" />
        <source>
(no connection to the probe — data is stale)</source>
        <translation>
(нет связи с зондом — данные устарели)</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="424" />
        <source>View</source>
        <translation>Просмотр</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="459" />
        <source>Align</source>
        <translation>Выровнять</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="478" />
        <source>Images (*.png *.jpg *.jpeg *.bmp *.gif)</source>
        <translation>Изображения (*.png *.jpg *.jpeg *.bmp *.gif)</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="489" />
        <source>{path} exists already: choose another name</source>
        <translation>Файл {path} уже есть — выберите другое имя</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="517" />
        <location filename="../plan/view.py" line="498" />
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
        <location filename="../plan/point_page.py" line="51" />
        <source>= {value}</source>
        <translation>= {value}</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="52" />
        <source>otherwise</source>
        <translation>иначе</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="335" />
        <location filename="../plan/point_page.py" line="198" />
        <location filename="../plan/point_page.py" line="96" />
        <source>Assessment</source>
        <translation>Оценка</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="197" />
        <location filename="../plan/point_page.py" line="96" />
        <source>Value</source>
        <translation>Значение</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="108" />
        <source>The metric has no threshold table</source>
        <translation>У метрики нет таблицы порогов</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="114" />
        <source>higher is worse</source>
        <translation>больше — хуже</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="115" />
        <source>higher is better</source>
        <translation>больше — лучше</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="116" />
        <source>good only when equal</source>
        <translation>хорошо только при равенстве</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="155" />
        <source>hourly trends before {time}</source>
        <translation>часовые тренды до {time}</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="185" />
        <source>Service point: {name}</source>
        <translation>Точка обслуживания: {name}</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="196" />
        <source>Metric</source>
        <translation>Метрика</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="199" />
        <source>Time</source>
        <translation>Время</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="200" />
        <source>How sure (95 %)</source>
        <translation>Точность (95 %)</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="234" />
        <source>History over the last {hours} h</source>
        <translation>История за последние {hours} ч</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="249" />
        <source>Current MKO and OKO values</source>
        <translation>Текущие значения МКО и ОКО</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="251" />
        <source>Threshold table of the test</source>
        <translation>Таблица пороговых значений теста</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="297" />
        <source>Audio fragments</source>
        <translation>Аудиофрагменты</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="299" />
        <source>Audio fragments: module console.clips_panel is not installed yet</source>
        <translation>Аудиофрагменты: модуль console.clips_panel ещё не установлен</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="408" />
        <source>History unavailable: {error}</source>
        <translation>История недоступна: {error}</translation>
    </message>
</context><context>
    <name>Stale</name>
    <message>
        <location filename="../worker.py" line="212" />
        <source>No data: {reason}</source>
        <translation>Нет данных: {reason}</translation>
    </message>
    <message>
        <location filename="../worker.py" line="214" />
        <source>Data is stale, last good data {time}: {reason}</source>
        <translation>Данные устарели, последние получены {time}: {reason}</translation>
    </message>
</context><context>
    <name>Views</name>
    <message>
        <location filename="../cockpit.py" line="726" />
        <source>Cockpit</source>
        <translation>Кокпит</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="461" />
        <source>Dashboard</source>
        <translation>Табло</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="42" />
        <source>Plan</source>
        <translation>План</translation>
    </message>
</context></TS>
