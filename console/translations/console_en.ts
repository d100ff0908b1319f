<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_GB" sourcelanguage="en_GB">
    <context>
    <name>App</name>
    <message>
        <location filename="../app.py" line="47" />
        <source>PROLAN Console</source>
        <translation>PROLAN Console</translation>
    </message>
    <message>
        <location filename="../app.py" line="90" />
        <source>Connected: {target}</source>
        <translation>Connected: {target}</translation>
    </message>
    <message>
        <location filename="../app.py" line="94" />
        <source>probe: database unavailable</source>
        <translation>probe: database unavailable</translation>
    </message>
    <message>
        <location filename="../app.py" line="97" />
        <source>NO CONNECTION: {target}</source>
        <translation>NO CONNECTION: {target}</translation>
    </message>
    <message>
        <location filename="../app.py" line="101" />
        <source>Connecting: {target}…</source>
        <translation>Connecting: {target}…</translation>
    </message>
    <message>
        <location filename="../app.py" line="108" />
        <source>no data yet</source>
        <translation>no data yet</translation>
    </message>
    <message>
        <location filename="../app.py" line="113" />
        <source>{n} min ago</source>
        <translation>{n} min ago</translation>
    </message>
    <message>
        <location filename="../app.py" line="114" />
        <source>data: {time}</source>
        <translation>data: {time}</translation>
    </message>
</context><context>
    <name>BaselineDialog</name>
    <message>
        <location filename="../baseline_dialog.py" line="70" />
        <source>Typical values and thresholds</source>
        <translation>Typical values and thresholds</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="82" />
        <source>Metric</source>
        <translation>Metric</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="83" />
        <source>Typical value percentile</source>
        <translation>Typical value percentile</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="88" />
        <source>value</source>
        <translation>value</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="89" />
        <source>intervals</source>
        <translation>intervals</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="98" />
        <source>Current</source>
        <translation>Current</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="98" />
        <source>Proposed</source>
        <translation>Proposed</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="104" />
        <source>Apply the proposed thresholds</source>
        <translation>Apply the proposed thresholds</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="122" />
        <source>Reading the history…</source>
        <translation>Reading the history…</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="146" />
        <source>Database unavailable: {error}</source>
        <translation>Database unavailable: {error}</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="158" />
        <source>No assessed history for this test.</source>
        <translation>No assessed history for this test.</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="180" />
        <source>Typical value: {typical} (from {samples} intervals). Solid lines: proposed thresholds; dashed: current.</source>
        <translation>Typical value: {typical} (from {samples} intervals). Solid lines: proposed thresholds; dashed: current.</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="186" />
        <source>Too few values for a proposal.</source>
        <translation>Too few values for a proposal.</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="216" />
        <source>Thresholds applied: the engine uses them from the next evaluation.</source>
        <translation>Thresholds applied: the engine uses them from the next evaluation.</translation>
    </message>
</context><context>
    <name>ButtonKinds</name>
    <message>
        <location filename="../clips_panel.py" line="78" />
        <source>Negative</source>
        <translation>Negative</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="79" />
        <source>Force majeure</source>
        <translation>Force majeure</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="80" />
        <source>Positive</source>
        <translation>Positive</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="81" />
        <source>Passive</source>
        <translation>Passive</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="82" />
        <source>Seller</source>
        <translation>Seller</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="83" />
        <source>Red</source>
        <translation>Red</translation>
    </message>
</context><context>
    <name>ClipsPanel</name>
    <message>
        <location filename="../clips_panel.py" line="90" />
        <source>cut</source>
        <translation>cut</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="91" />
        <source>waiting for the recording</source>
        <translation>waiting for the recording</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="92" />
        <source>no recording</source>
        <translation>no recording</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="133" />
        <source>Audio fragments: {point}</source>
        <translation>Audio fragments: {point}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="135" />
        <source>Refresh</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="141" />
        <source>Pressed at</source>
        <translation>Pressed at</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="142" />
        <source>Button</source>
        <translation>Button</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="143" />
        <source>Length</source>
        <translation>Length</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="144" />
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="179" />
        <source>file not found: {path}</source>
        <translation>file not found: {path}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="182" />
        <source>cut, {gap} s not recorded</source>
        <translation>cut, {gap} s not recorded</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="198" />
        <source>Database unavailable: {error}</source>
        <translation>Database unavailable: {error}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="284" />
        <location filename="../clips_panel.py" line="268" />
        <location filename="../clips_panel.py" line="216" />
        <source>▶ Play</source>
        <translation>▶ Play</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="221" />
        <source>Fragments: {n}</source>
        <translation>Fragments: {n}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="223" />
        <source>No fragments</source>
        <translation>No fragments</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="288" />
        <location filename="../clips_panel.py" line="255" />
        <source>Cannot play: {error}</source>
        <translation>Cannot play: {error}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="258" />
        <source>■ Stop</source>
        <translation>■ Stop</translation>
    </message>
</context><context>
    <name>Cockpit</name>
    <message>
        <location filename="../cockpit.py" line="82" />
        <source>{n} d</source>
        <translation>{n} d</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="83" />
        <source>{n} h</source>
        <translation>{n} h</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="150" />
        <source>Company total</source>
        <translation>Company total</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="151" />
        <source>The tests themselves</source>
        <translation>The tests themselves</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="152" />
        <source>{n} min</source>
        <translation>{n} min</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="153" />
        <source>day</source>
        <translation>day</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="310" />
        <source>Unassessed counters</source>
        <translation>Unassessed counters</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="313" />
        <source>Also show metrics without a threshold table (counts, sums)</source>
        <translation>Also show metrics without a threshold table (counts, sums)</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="315" />
        <source>Show</source>
        <translation>Show</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="319" />
        <source>Tests</source>
        <translation>Tests</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="320" />
        <source>Points</source>
        <translation>Points</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="321" />
        <source>Name contains</source>
        <translation>Name contains</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="328" />
        <source>Range</source>
        <translation>Range</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="340" />
        <source>Period</source>
        <translation>Period</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="680" />
        <location filename="../cockpit.py" line="347" />
        <source>Save layout…</source>
        <translation>Save layout…</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="686" />
        <location filename="../cockpit.py" line="349" />
        <source>Open layout…</source>
        <translation>Open layout…</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="393" />
        <source>Suggest thresholds…</source>
        <translation>Suggest thresholds…</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="588" />
        <source>no evaluation here</source>
        <translation>no evaluation here</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="592" />
        <source>Interval: {start} – {end}</source>
        <translation>Interval: {start} – {end}</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="597" />
        <source>Value: {value}</source>
        <translation>Value: {value}</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="599" />
        <source>Assessment: {level}</source>
        <translation>Assessment: {level}</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="603" />
        <source>Thresholds: {table}</source>
        <translation>Thresholds: {table}</translation>
    </message>
</context><context>
    <name>Connection</name>
    <message>
        <location filename="../snmp_poller.py" line="257" />
        <source>no answer within {seconds} s</source>
        <translation>no answer within {seconds} s</translation>
    </message>
    <message>
        <location filename="../snmp_poller.py" line="260" />
        <source>No connection to the probe {address}: {error}. Retrying…</source>
        <translation>No connection to the probe {address}: {error}. Retrying…</translation>
    </message>
</context><context>
    <name>Dashboard</name>
    <message>
        <location filename="../dashboard.py" line="229" />
        <source>last {hours} h</source>
        <translation>last {hours} h</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="235" />
        <source>Company total</source>
        <translation>Company total</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="290" />
        <location filename="../dashboard.py" line="241" />
        <source>no data yesterday</source>
        <translation>no data yesterday</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="243" />
        <source>{arrow} {change} vs yesterday</source>
        <translation>{arrow} {change} vs yesterday</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="249" />
        <source>Loyalty index</source>
        <translation>Loyalty index</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="272" />
        <source>no data</source>
        <translation>no data</translation>
    </message>
</context><context>
    <name>IntervalPanel</name>
    <message>
        <location filename="../interval_panel.py" line="47" />
        <source>answered</source>
        <translation>answered</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="48" />
        <source>silent</source>
        <translation>silent</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="49" />
        <source>window open</source>
        <translation>window open</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="50" />
        <source>answer in the window</source>
        <translation>answer in the window</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="51" />
        <source>outside a window</source>
        <translation>outside a window</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="58" />
        <source>incident</source>
        <translation>incident</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="59" />
        <source>escalation</source>
        <translation>escalation</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="60" />
        <source>recovery</source>
        <translation>recovery</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="61" />
        <source>test message</source>
        <translation>test message</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="68" />
        <source>waiting</source>
        <translation>waiting</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="69" />
        <source>sending</source>
        <translation>sending</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="70" />
        <source>sent</source>
        <translation>sent</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="71" />
        <source>failed</source>
        <translation>failed</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="132" />
        <source>Driver</source>
        <translation>Driver</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="133" />
        <source>Value</source>
        <translation>Value</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="134" />
        <source>Assessment</source>
        <translation>Assessment</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="135" />
        <source>Evaluated</source>
        <translation>Evaluated</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="142" />
        <source>Thresholds</source>
        <translation>Thresholds</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="145" />
        <source>Loyalty drivers at the point, same time</source>
        <translation>Loyalty drivers at the point, same time</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="283" />
        <location filename="../interval_panel.py" line="155" />
        <location filename="../interval_panel.py" line="148" />
        <source>Methodology</source>
        <translation>Methodology</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="153" />
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="154" />
        <source>Pad</source>
        <translation>Pad</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="156" />
        <source>Button</source>
        <translation>Button</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="157" />
        <source>Window</source>
        <translation>Window</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="158" />
        <source>Question</source>
        <translation>Question</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="162" />
        <source>Presses of the interval</source>
        <translation>Presses of the interval</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="168" />
        <source>Queued</source>
        <translation>Queued</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="169" />
        <source>Rule</source>
        <translation>Rule</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="170" />
        <source>Event</source>
        <translation>Event</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="171" />
        <source>Channel</source>
        <translation>Channel</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="172" />
        <source>Recipient</source>
        <translation>Recipient</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="173" />
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="182" />
        <source>Audio fragments of these presses</source>
        <translation>Audio fragments of these presses</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="186" />
        <source>Notifications the interval triggered</source>
        <translation>Notifications the interval triggered</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="208" />
        <source>Click a rectangle to see its whole interval.</source>
        <translation>Click a rectangle to see its whole interval.</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="216" />
        <source>Reading the interval…</source>
        <translation>Reading the interval…</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="223" />
        <source>Nothing was evaluated there.</source>
        <translation>Nothing was evaluated there.</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="226" />
        <source>The interval cannot be read: {reason}</source>
        <translation>The interval cannot be read: {reason}</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="246" />
        <source>Interval {start} – {end} · value {value} · assessment: {level}</source>
        <translation>Interval {start} – {end} · value {value} · assessment: {level}</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="262" />
        <source>{n} fragments</source>
        <translation>{n} fragments</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="285" />
        <source>Total</source>
        <translation>Total</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="301" />
        <source>УСОКОК windows: answered {answered}, silent {silent}, still open {open}; answers outside a window {outside}</source>
        <translation>УСОКОК windows: answered {answered}, silent {silent}, still open {open}; answers outside a window {outside}</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="326" />
        <source>Presses of the interval: {n}</source>
        <translation>Presses of the interval: {n}</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="328" />
        <source>(the first {n} listed)</source>
        <translation>(the first {n} listed)</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="347" />
        <source>Notifications cannot be read: {error} (run prolan-probe db init)</source>
        <translation>Notifications cannot be read: {error} (run prolan-probe db init)</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="352" />
        <source>None</source>
        <translation>None</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="368" />
        <source>Interval</source>
        <translation>Interval</translation>
    </message>
</context><context>
    <name>Levels</name>
    <message>
        <location filename="../i18n.py" line="146" />
        <source>good</source>
        <translation>good</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="147" />
        <source>acceptable</source>
        <translation>acceptable</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="148" />
        <source>attention</source>
        <translation>attention</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="149" />
        <source>on the edge</source>
        <translation>on the edge</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="150" />
        <source>bad</source>
        <translation>bad</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="151" />
        <source>no data</source>
        <translation>no data</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="153" />
        <source>not assessed</source>
        <translation>not assessed</translation>
    </message>
</context><context>
    <name>Plan</name>
    <message>
        <location filename="../plan/commands.py" line="16" />
        <source>Add “{label}”</source>
        <translation>Add “{label}”</translation>
    </message>
    <message>
        <location filename="../plan/commands.py" line="36" />
        <source>Move</source>
        <translation>Move</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="133" />
        <location filename="../plan/commands.py" line="54" />
        <source>Delete</source>
        <translation>Delete</translation>
    </message>
    <message>
        <location filename="../plan/commands.py" line="69" />
        <source>Change background</source>
        <translation>Change background</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="105" />
        <source>Back</source>
        <translation>Back</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="420" />
        <location filename="../plan/view.py" line="113" />
        <source>Edit</source>
        <translation>Edit</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="120" />
        <source>Undo</source>
        <translation>Undo</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="123" />
        <source>Redo</source>
        <translation>Redo</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="131" />
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="141" />
        <source>Align left</source>
        <translation>Align left</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="142" />
        <source>Align top</source>
        <translation>Align top</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="143" />
        <source>In a row</source>
        <translation>In a row</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="144" />
        <source>In a column</source>
        <translation>In a column</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="472" />
        <location filename="../plan/view.py" line="148" />
        <source>Background…</source>
        <translation>Background…</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="499" />
        <location filename="../plan/view.py" line="149" />
        <source>New map…</source>
        <translation>New map…</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="193" />
        <source>The map {path} cannot be opened:
{error}

The file was not changed.</source>
        <translation>The map {path} cannot be opened:
{error}

The file was not changed.</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="282" />
        <source>No evaluated interval for this icon</source>
        <translation>No evaluated interval for this icon</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="293" />
        <source>Open the interval…</source>
        <translation>Open the interval…</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="297" />
        <source>Open</source>
        <translation>Open</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="388" />
        <location filename="../plan/view.py" line="378" />
        <source>{name}
Value: {value}
Assessment: {level}
Time: {time}</source>
        <translation>{name}
Value: {value}
Assessment: {level}
Time: {time}</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="386" />
        <source>no value</source>
        <translation>no value</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="392" />
        <source>Point: {name}
Worst assessment: {level}
Metrics: {count}</source>
        <translation>Point: {name}
Worst assessment: {level}
Metrics: {count}</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="399" />
        <source>Map: {name}
Worst assessment below: {level}</source>
        <translation>Map: {name}
Worst assessment below: {level}</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="403" />
        <source>
(no connection to the probe — data is stale)</source>
        <translation>
(no connection to the probe — data is stale)</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="420" />
        <source>View</source>
        <translation>View</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="455" />
        <source>Align</source>
        <translation>Align</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="474" />
        <source>Images (*.png *.jpg *.jpeg *.bmp *.gif)</source>
        <translation>Images (*.png *.jpg *.jpeg *.bmp *.gif)</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="485" />
        <source>{path} exists already: choose another name</source>
        <translation>{path} exists already: choose another name</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="513" />
        <location filename="../plan/view.py" line="494" />
        <source>Map saved: {path}</source>
        <translation>Map saved: {path}</translation>
    </message>
    <message>
        <location filename="../plan/backgrounds.py" line="48" />
        <source>Map {map}: the background {path} is not shown: {reason}. The map is drawn on an empty grid.</source>
        <translation>Map {map}: the background {path} is not shown: {reason}. The map is drawn on an empty grid.</translation>
    </message>
    <message>
        <location filename="../plan/backgrounds.py" line="57" />
        <source>it is outside the maps folder ({folders}; see [console] background_folders)</source>
        <translation>it is outside the maps folder ({folders}; see [console] background_folders)</translation>
    </message>
    <message>
        <location filename="../plan/backgrounds.py" line="62" />
        <source>no such file</source>
        <translation>no such file</translation>
    </message>
    <message>
        <location filename="../plan/backgrounds.py" line="67" />
        <source>not a picture Qt can read ({error})</source>
        <translation>not a picture Qt can read ({error})</translation>
    </message>
    <message>
        <location filename="../plan/backgrounds.py" line="72" />
        <source>{width}×{height} pixels is too big (at most {side} a side, {pixels} million in all)</source>
        <translation>{width}×{height} pixels is too big (at most {side} a side, {pixels} million in all)</translation>
    </message>
    <message>
        <location filename="../plan/backgrounds.py" line="78" />
        <source>cannot be read ({error})</source>
        <translation>cannot be read ({error})</translation>
    </message>
    <message>
        <location filename="../plan/palette.py" line="23" />
        <source>Palette</source>
        <translation>Palette</translation>
    </message>
    <message>
        <location filename="../plan/palette.py" line="48" />
        <source>Metrics (MKO/OKO)</source>
        <translation>Metrics (MKO/OKO)</translation>
    </message>
    <message>
        <location filename="../plan/palette.py" line="59" />
        <source>Service points</source>
        <translation>Service points</translation>
    </message>
    <message>
        <location filename="../plan/palette.py" line="63" />
        <source>Maps</source>
        <translation>Maps</translation>
    </message>
</context><context>
    <name>PointPage</name>
    <message>
        <location filename="../plan/point_page.py" line="50" />
        <source>= {value}</source>
        <translation>= {value}</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="51" />
        <source>otherwise</source>
        <translation>otherwise</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="297" />
        <location filename="../plan/point_page.py" line="178" />
        <location filename="../plan/point_page.py" line="87" />
        <source>Assessment</source>
        <translation>Assessment</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="177" />
        <location filename="../plan/point_page.py" line="87" />
        <source>Value</source>
        <translation>Value</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="99" />
        <source>The metric has no threshold table</source>
        <translation>The metric has no threshold table</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="105" />
        <source>higher is worse</source>
        <translation>higher is worse</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="106" />
        <source>higher is better</source>
        <translation>higher is better</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="107" />
        <source>good only when equal</source>
        <translation>good only when equal</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="165" />
        <source>Service point: {name}</source>
        <translation>Service point: {name}</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="176" />
        <source>Metric</source>
        <translation>Metric</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="179" />
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="213" />
        <source>History over the last {hours} h</source>
        <translation>History over the last {hours} h</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="227" />
        <source>Current MKO and OKO values</source>
        <translation>Current MKO and OKO values</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="229" />
        <source>Threshold table of the test</source>
        <translation>Threshold table of the test</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="274" />
        <source>Audio fragments</source>
        <translation>Audio fragments</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="276" />
        <source>Audio fragments: module console.clips_panel is not installed yet</source>
        <translation>Audio fragments: module console.clips_panel is not installed yet</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="369" />
        <source>History unavailable: {error}</source>
        <translation>History unavailable: {error}</translation>
    </message>
</context><context>
    <name>Stale</name>
    <message>
        <location filename="../worker.py" line="212" />
        <source>No data: {reason}</source>
        <translation>No data: {reason}</translation>
    </message>
    <message>
        <location filename="../worker.py" line="214" />
        <source>Data is stale, last good data {time}: {reason}</source>
        <translation>Data is stale, last good data {time}: {reason}</translation>
    </message>
</context><context>
    <name>Views</name>
    <message>
        <location filename="../cockpit.py" line="694" />
        <source>Cockpit</source>
        <translation>Cockpit</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="396" />
        <source>Dashboard</source>
        <translation>Dashboard</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="41" />
        <source>Plan</source>
        <translation>Plan</translation>
    </message>
</context></TS>
