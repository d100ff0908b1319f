<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_GB" sourcelanguage="en_GB">
    <context>
    <name>App</name>
    <message>
        <location filename="../app.py" line="43" />
        <source>PROLAN Console</source>
        <translation>PROLAN Console</translation>
    </message>
    <message>
        <location filename="../app.py" line="86" />
        <source>Connected: {target}</source>
        <translation>Connected: {target}</translation>
    </message>
    <message>
        <location filename="../app.py" line="90" />
        <source>probe: database unavailable</source>
        <translation>probe: database unavailable</translation>
    </message>
    <message>
        <location filename="../app.py" line="93" />
        <source>NO CONNECTION: {target}</source>
        <translation>NO CONNECTION: {target}</translation>
    </message>
    <message>
        <location filename="../app.py" line="97" />
        <source>Connecting: {target}…</source>
        <translation>Connecting: {target}…</translation>
    </message>
    <message>
        <location filename="../app.py" line="104" />
        <source>no data yet</source>
        <translation>no data yet</translation>
    </message>
    <message>
        <location filename="../app.py" line="109" />
        <source>{n} min ago</source>
        <translation>{n} min ago</translation>
    </message>
    <message>
        <location filename="../app.py" line="110" />
        <source>data: {time}</source>
        <translation>data: {time}</translation>
    </message>
</context><context>
    <name>BaselineDialog</name>
    <message>
        <location filename="../baseline_dialog.py" line="59" />
        <source>Typical values and thresholds</source>
        <translation>Typical values and thresholds</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="75" />
        <source>Metric</source>
        <translation>Metric</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="76" />
        <source>Typical value percentile</source>
        <translation>Typical value percentile</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="81" />
        <source>value</source>
        <translation>value</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="82" />
        <source>intervals</source>
        <translation>intervals</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="91" />
        <source>Current</source>
        <translation>Current</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="91" />
        <source>Proposed</source>
        <translation>Proposed</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="97" />
        <source>Apply the proposed thresholds</source>
        <translation>Apply the proposed thresholds</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="126" />
        <source>No assessed history for this test.</source>
        <translation>No assessed history for this test.</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="148" />
        <source>Typical value: {typical} (from {samples} intervals). Solid lines: proposed thresholds; dashed: current.</source>
        <translation>Typical value: {typical} (from {samples} intervals). Solid lines: proposed thresholds; dashed: current.</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="154" />
        <source>Too few values for a proposal.</source>
        <translation>Too few values for a proposal.</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="180" />
        <source>Thresholds applied: the engine uses them from the next evaluation.</source>
        <translation>Thresholds applied: the engine uses them from the next evaluation.</translation>
    </message>
</context><context>
    <name>ButtonKinds</name>
    <message>
        <location filename="../clips_panel.py" line="91" />
        <source>Negative</source>
        <translation>Negative</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="92" />
        <source>Force majeure</source>
        <translation>Force majeure</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="93" />
        <source>Positive</source>
        <translation>Positive</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="94" />
        <source>Passive</source>
        <translation>Passive</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="95" />
        <source>Seller</source>
        <translation>Seller</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="96" />
        <source>Red</source>
        <translation>Red</translation>
    </message>
</context><context>
    <name>ClipsPanel</name>
    <message>
        <location filename="../clips_panel.py" line="103" />
        <source>cut</source>
        <translation>cut</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="104" />
        <source>waiting for the recording</source>
        <translation>waiting for the recording</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="105" />
        <source>no recording</source>
        <translation>no recording</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="142" />
        <source>Audio fragments: {point}</source>
        <translation>Audio fragments: {point}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="144" />
        <source>Refresh</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="150" />
        <source>Pressed at</source>
        <translation>Pressed at</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="151" />
        <source>Button</source>
        <translation>Button</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="152" />
        <source>Length</source>
        <translation>Length</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="153" />
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="182" />
        <source>file not found: {path}</source>
        <translation>file not found: {path}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="185" />
        <source>cut, {gap} s not recorded</source>
        <translation>cut, {gap} s not recorded</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="197" />
        <source>Database unavailable: {error}</source>
        <translation>Database unavailable: {error}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="281" />
        <location filename="../clips_panel.py" line="265" />
        <location filename="../clips_panel.py" line="213" />
        <source>▶ Play</source>
        <translation>▶ Play</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="218" />
        <source>Fragments: {n}</source>
        <translation>Fragments: {n}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="220" />
        <source>No fragments</source>
        <translation>No fragments</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="285" />
        <location filename="../clips_panel.py" line="252" />
        <source>Cannot play: {error}</source>
        <translation>Cannot play: {error}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="255" />
        <source>■ Stop</source>
        <translation>■ Stop</translation>
    </message>
</context><context>
    <name>Cockpit</name>
    <message>
        <location filename="../cockpit.py" line="72" />
        <source>{n} d</source>
        <translation>{n} d</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="73" />
        <source>{n} h</source>
        <translation>{n} h</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="140" />
        <source>Company total</source>
        <translation>Company total</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="141" />
        <source>The tests themselves</source>
        <translation>The tests themselves</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="142" />
        <source>{n} min</source>
        <translation>{n} min</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="143" />
        <source>day</source>
        <translation>day</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="299" />
        <source>Unassessed counters</source>
        <translation>Unassessed counters</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="302" />
        <source>Also show metrics without a threshold table (counts, sums)</source>
        <translation>Also show metrics without a threshold table (counts, sums)</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="304" />
        <source>Show</source>
        <translation>Show</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="308" />
        <source>Tests</source>
        <translation>Tests</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="309" />
        <source>Points</source>
        <translation>Points</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="310" />
        <source>Name contains</source>
        <translation>Name contains</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="317" />
        <source>Range</source>
        <translation>Range</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="329" />
        <source>Period</source>
        <translation>Period</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="719" />
        <location filename="../cockpit.py" line="336" />
        <source>Save layout…</source>
        <translation>Save layout…</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="725" />
        <location filename="../cockpit.py" line="338" />
        <source>Open layout…</source>
        <translation>Open layout…</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="380" />
        <source>Click a rectangle to see the threshold table that assessed it.</source>
        <translation>Click a rectangle to see the threshold table that assessed it.</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="385" />
        <source>Assessment</source>
        <translation>Assessment</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="385" />
        <source>Value</source>
        <translation>Value</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="398" />
        <source>Suggest thresholds…</source>
        <translation>Suggest thresholds…</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="613" />
        <source>no evaluation here</source>
        <translation>no evaluation here</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="617" />
        <source>Interval: {start} – {end}</source>
        <translation>Interval: {start} – {end}</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="622" />
        <source>Value: {value}</source>
        <translation>Value: {value}</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="624" />
        <source>Assessment: {level}</source>
        <translation>Assessment: {level}</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="628" />
        <source>Thresholds: {table}</source>
        <translation>Thresholds: {table}</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="672" />
        <source>The metric is not assessed (no threshold table).</source>
        <translation>The metric is not assessed (no threshold table).</translation>
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
        <location filename="../dashboard.py" line="172" />
        <source>last {hours} h</source>
        <translation>last {hours} h</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="178" />
        <source>Company total</source>
        <translation>Company total</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="182" />
        <source>Loyalty index</source>
        <translation>Loyalty index</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="205" />
        <source>no data</source>
        <translation>no data</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="223" />
        <source>no data yesterday</source>
        <translation>no data yesterday</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="228" />
        <source>{arrow} {change} vs yesterday</source>
        <translation>{arrow} {change} vs yesterday</translation>
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
        <location filename="../plan/view.py" line="125" />
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
        <location filename="../plan/view.py" line="97" />
        <source>Back</source>
        <translation>Back</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="365" />
        <location filename="../plan/view.py" line="105" />
        <source>Edit</source>
        <translation>Edit</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="112" />
        <source>Undo</source>
        <translation>Undo</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="115" />
        <source>Redo</source>
        <translation>Redo</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="123" />
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="133" />
        <source>Align left</source>
        <translation>Align left</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="134" />
        <source>Align top</source>
        <translation>Align top</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="135" />
        <source>In a row</source>
        <translation>In a row</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="136" />
        <source>In a column</source>
        <translation>In a column</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="417" />
        <location filename="../plan/view.py" line="140" />
        <source>Background…</source>
        <translation>Background…</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="444" />
        <location filename="../plan/view.py" line="141" />
        <source>New map…</source>
        <translation>New map…</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="183" />
        <source>The map {path} cannot be opened:
{error}

The file was not changed.</source>
        <translation>The map {path} cannot be opened:
{error}

The file was not changed.</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="333" />
        <location filename="../plan/view.py" line="323" />
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
        <location filename="../plan/view.py" line="331" />
        <source>no value</source>
        <translation>no value</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="337" />
        <source>Point: {name}
Worst assessment: {level}
Metrics: {count}</source>
        <translation>Point: {name}
Worst assessment: {level}
Metrics: {count}</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="344" />
        <source>Map: {name}
Worst assessment below: {level}</source>
        <translation>Map: {name}
Worst assessment below: {level}</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="348" />
        <source>
(no connection to the probe — data is stale)</source>
        <translation>
(no connection to the probe — data is stale)</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="365" />
        <source>View</source>
        <translation>View</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="400" />
        <source>Align</source>
        <translation>Align</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="419" />
        <source>Images (*.png *.jpg *.jpeg *.bmp *.gif)</source>
        <translation>Images (*.png *.jpg *.jpeg *.bmp *.gif)</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="430" />
        <source>{path} exists already: choose another name</source>
        <translation>{path} exists already: choose another name</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="458" />
        <location filename="../plan/view.py" line="439" />
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
        <location filename="../plan/point_page.py" line="49" />
        <source>= {value}</source>
        <translation>= {value}</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="50" />
        <source>otherwise</source>
        <translation>otherwise</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="276" />
        <location filename="../plan/point_page.py" line="158" />
        <location filename="../plan/point_page.py" line="86" />
        <source>Assessment</source>
        <translation>Assessment</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="157" />
        <location filename="../plan/point_page.py" line="86" />
        <source>Value</source>
        <translation>Value</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="98" />
        <source>The metric has no threshold table</source>
        <translation>The metric has no threshold table</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="103" />
        <source>higher is worse</source>
        <translation>higher is worse</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="104" />
        <source>higher is better</source>
        <translation>higher is better</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="105" />
        <source>good only when equal</source>
        <translation>good only when equal</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="145" />
        <source>Service point: {name}</source>
        <translation>Service point: {name}</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="156" />
        <source>Metric</source>
        <translation>Metric</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="159" />
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="193" />
        <source>History over the last {hours} h</source>
        <translation>History over the last {hours} h</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="206" />
        <source>Current MKO and OKO values</source>
        <translation>Current MKO and OKO values</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="208" />
        <source>Threshold table of the test</source>
        <translation>Threshold table of the test</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="253" />
        <source>Audio fragments</source>
        <translation>Audio fragments</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="255" />
        <source>Audio fragments: module console.clips_panel is not installed yet</source>
        <translation>Audio fragments: module console.clips_panel is not installed yet</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="336" />
        <source>History unavailable: {error}</source>
        <translation>History unavailable: {error}</translation>
    </message>
</context><context>
    <name>Views</name>
    <message>
        <location filename="../cockpit.py" line="733" />
        <source>Cockpit</source>
        <translation>Cockpit</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="306" />
        <source>Dashboard</source>
        <translation>Dashboard</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="37" />
        <source>Plan</source>
        <translation>Plan</translation>
    </message>
</context></TS>
