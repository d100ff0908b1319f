<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_GB" sourcelanguage="en_GB">
    <context>
    <name>AlertsPanel</name>
    <message>
        <location filename="../alerts_panel.py" line="73" />
        <source>open</source>
        <translation>open</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="74" />
        <source>acknowledged</source>
        <translation>acknowledged</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="75" />
        <source>closed</source>
        <translation>closed</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="118" />
        <source>Press alerts: {point}</source>
        <translation>Press alerts: {point}</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="121" />
        <source>Refresh</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="125" />
        <source>Pressed at</source>
        <translation>Pressed at</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="126" />
        <source>Button</source>
        <translation>Button</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="127" />
        <source>Rule</source>
        <translation>Rule</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="128" />
        <source>Presses</source>
        <translation>Presses</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="129" />
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="130" />
        <source>Acknowledged</source>
        <translation>Acknowledged</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="131" />
        <source>Comment</source>
        <translation>Comment</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="132" />
        <source>Audio fragment</source>
        <translation>Audio fragment</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="183" />
        <source>Database unavailable: {error}</source>
        <translation>Database unavailable: {error}</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="189" />
        <source>{n} since {time}</source>
        <translation>{n} since {time}</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="228" />
        <source>▶ Play</source>
        <translation>▶ Play</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="236" />
        <source>Acknowledge…</source>
        <translation>Acknowledge…</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="238" />
        <source>Close…</source>
        <translation>Close…</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="247" />
        <source>Alerts: {n}, not acknowledged: {open}</source>
        <translation>Alerts: {n}, not acknowledged: {open}</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="251" />
        <source>No press alerts</source>
        <translation>No press alerts</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="268" />
        <source>The fragment of this press is not in the list</source>
        <translation>The fragment of this press is not in the list</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="275" />
        <source>Acknowledge alert {id}</source>
        <translation>Acknowledge alert {id}</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="277" />
        <source>Close alert {id}</source>
        <translation>Close alert {id}</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="279" />
        <source>{kind} at {time}. Comment (what was done):</source>
        <translation>{kind} at {time}. Comment (what was done):</translation>
    </message>
    <message>
        <location filename="../alerts_panel.py" line="290" />
        <source>Alert {id}: {state}</source>
        <translation>Alert {id}: {state}</translation>
    </message>
</context><context>
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
        <location filename="../baseline_dialog.py" line="102" />
        <source>Typical values and thresholds</source>
        <translation>Typical values and thresholds</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="114" />
        <source>Metric</source>
        <translation>Metric</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="115" />
        <source>Typical value percentile</source>
        <translation>Typical value percentile</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="120" />
        <source>value</source>
        <translation>value</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="121" />
        <source>intervals</source>
        <translation>intervals</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="130" />
        <source>Current</source>
        <translation>Current</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="130" />
        <source>Proposed</source>
        <translation>Proposed</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="138" />
        <source>Apply the proposed thresholds</source>
        <translation>Apply the proposed thresholds</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="157" />
        <source>Reading the history…</source>
        <translation>Reading the history…</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="184" />
        <source>Database unavailable: {error}</source>
        <translation>Database unavailable: {error}</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="196" />
        <source>No assessed history for this test.</source>
        <translation>No assessed history for this test.</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="218" />
        <source>Typical value: {typical} (from {samples} intervals). Solid lines: proposed thresholds; dashed: current.</source>
        <translation>Typical value: {typical} (from {samples} intervals). Solid lines: proposed thresholds; dashed: current.</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="224" />
        <source>Too few values for a proposal.</source>
        <translation>Too few values for a proposal.</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="236" />
        <source>Trying the proposal on the notification rules…</source>
        <translation>Trying the proposal on the notification rules…</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="245" />
        <source>No notification rule watches this metric.</source>
        <translation>No notification rule watches this metric.</translation>
    </message>
    <message numerus="yes">
        <location filename="../baseline_dialog.py" line="251" />
        <source>With the proposed thresholds the notification rules would have notified %n time(s) in the last {days} days (with the current ones: {current}; rules: {rules}).</source>
        <translation>
            <numerusform>With the proposed thresholds the notification rules would have notified %n time in the last {days} days (with the current ones: {current}; rules: {rules}).</numerusform>
            <numerusform>With the proposed thresholds the notification rules would have notified %n times in the last {days} days (with the current ones: {current}; rules: {rules}).</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="260" />
        <source>The rules could not be tried: {error}</source>
        <translation>The rules could not be tried: {error}</translation>
    </message>
    <message>
        <location filename="../baseline_dialog.py" line="288" />
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
        <location filename="../clips_panel.py" line="148" />
        <source>Audio fragments: {point}</source>
        <translation>Audio fragments: {point}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="150" />
        <source>Refresh</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="155" />
        <source>Pressed at</source>
        <translation>Pressed at</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="156" />
        <source>Button</source>
        <translation>Button</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="157" />
        <source>Length</source>
        <translation>Length</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="158" />
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="189" />
        <source>file not found: {path}</source>
        <translation>file not found: {path}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="192" />
        <source>cut, {gap} s not recorded</source>
        <translation>cut, {gap} s not recorded</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="208" />
        <source>Database unavailable: {error}</source>
        <translation>Database unavailable: {error}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="303" />
        <location filename="../clips_panel.py" line="287" />
        <location filename="../clips_panel.py" line="226" />
        <source>▶ Play</source>
        <translation>▶ Play</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="231" />
        <source>Fragments: {n}</source>
        <translation>Fragments: {n}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="233" />
        <source>No fragments</source>
        <translation>No fragments</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="307" />
        <location filename="../clips_panel.py" line="274" />
        <source>Cannot play: {error}</source>
        <translation>Cannot play: {error}</translation>
    </message>
    <message>
        <location filename="../clips_panel.py" line="277" />
        <source>■ Stop</source>
        <translation>■ Stop</translation>
    </message>
</context><context>
    <name>Cockpit</name>
    <message>
        <location filename="../cockpit.py" line="83" />
        <source>{n} d</source>
        <translation>{n} d</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="84" />
        <source>{n} h</source>
        <translation>{n} h</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="151" />
        <source>Company total</source>
        <translation>Company total</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="152" />
        <source>The tests themselves</source>
        <translation>The tests themselves</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="153" />
        <source>{n} min</source>
        <translation>{n} min</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="154" />
        <source>day</source>
        <translation>day</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="284" />
        <source>Before {time}: hourly trends (mean value, worst level); raw values after it.</source>
        <translation>Before {time}: hourly trends (mean value, worst level); raw values after it.</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="323" />
        <source>Unassessed counters</source>
        <translation>Unassessed counters</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="326" />
        <source>Also show metrics without a threshold table (counts, sums)</source>
        <translation>Also show metrics without a threshold table (counts, sums)</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="328" />
        <source>Show</source>
        <translation>Show</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="332" />
        <source>Tests</source>
        <translation>Tests</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="333" />
        <source>Points</source>
        <translation>Points</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="334" />
        <source>Name contains</source>
        <translation>Name contains</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="341" />
        <source>Range</source>
        <translation>Range</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="353" />
        <source>Period</source>
        <translation>Period</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="711" />
        <location filename="../cockpit.py" line="360" />
        <source>Save layout…</source>
        <translation>Save layout…</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="717" />
        <location filename="../cockpit.py" line="362" />
        <source>Open layout…</source>
        <translation>Open layout…</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="406" />
        <source>Suggest thresholds…</source>
        <translation>Suggest thresholds…</translation>
    </message>
    <message>
        <location filename="../cockpit.py" line="412" />
        <source>Click a rectangle to see its whole interval below.</source>
        <translation>Click a rectangle to see its whole interval below.</translation>
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
</context><context>
    <name>Connection</name>
    <message>
        <location filename="../snmp_poller.py" line="266" />
        <source>no answer within {seconds} s</source>
        <translation>no answer within {seconds} s</translation>
    </message>
    <message>
        <location filename="../snmp_poller.py" line="269" />
        <source>No connection to the probe {address}: {error}. Retrying…</source>
        <translation>No connection to the probe {address}: {error}. Retrying…</translation>
    </message>
</context><context>
    <name>Dashboard</name>
    <message>
        <location filename="../dashboard.py" line="169" />
        <source>Hourly trends (worst level of each hour) before {time}</source>
        <translation>Hourly trends (worst level of each hour) before {time}</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="293" />
        <source>last {hours} h</source>
        <translation>last {hours} h</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="295" />
        <source>hourly trends</source>
        <translation>hourly trends</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="300" />
        <source>Company total</source>
        <translation>Company total</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="355" />
        <location filename="../dashboard.py" line="306" />
        <source>no data yesterday</source>
        <translation>no data yesterday</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="308" />
        <source>{arrow} {change} vs yesterday</source>
        <translation>{arrow} {change} vs yesterday</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="314" />
        <source>Loyalty index</source>
        <translation>Loyalty index</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="337" />
        <source>no data</source>
        <translation>no data</translation>
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
            <numerusform>95 %: {bounds}, %n vote</numerusform>
            <numerusform>95 %: {bounds}, %n votes</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../evidence.py" line="39" />
        <source>{caption}: with 95 % confidence the true share is in this range</source>
        <translation>{caption}: with 95 % confidence the true share is in this range</translation>
    </message>
    <message>
        <location filename="../evidence.py" line="63" />
        <source>sure</source>
        <translation>sure</translation>
    </message>
    <message>
        <location filename="../evidence.py" line="65" />
        <source>sure only of: {level}</source>
        <translation>sure only of: {level}</translation>
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
        <location filename="../interval_panel.py" line="289" />
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
        <location filename="../interval_panel.py" line="169" />
        <source>Queued</source>
        <translation>Queued</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="170" />
        <source>Rule</source>
        <translation>Rule</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="171" />
        <source>Event</source>
        <translation>Event</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="172" />
        <source>Channel</source>
        <translation>Channel</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="173" />
        <source>Recipient</source>
        <translation>Recipient</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="174" />
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="183" />
        <source>Audio fragments of these presses</source>
        <translation>Audio fragments of these presses</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="187" />
        <source>Notifications the interval triggered</source>
        <translation>Notifications the interval triggered</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="214" />
        <source>Click a rectangle to see its whole interval.</source>
        <translation>Click a rectangle to see its whole interval.</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="222" />
        <source>Reading the interval…</source>
        <translation>Reading the interval…</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="229" />
        <source>Nothing was evaluated there.</source>
        <translation>Nothing was evaluated there.</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="232" />
        <source>The interval cannot be read: {reason}</source>
        <translation>The interval cannot be read: {reason}</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="253" />
        <source>Interval {start} – {end} · value {value} · assessment: {level}</source>
        <translation>Interval {start} – {end} · value {value} · assessment: {level}</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="291" />
        <source>Total</source>
        <translation>Total</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="307" />
        <source>УСОКОК windows: answered {answered}, silent {silent}, still open {open}; answers outside a window {outside}</source>
        <translation>УСОКОК windows: answered {answered}, silent {silent}, still open {open}; answers outside a window {outside}</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="332" />
        <source>Presses of the interval: {n}</source>
        <translation>Presses of the interval: {n}</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="334" />
        <source>(the first {n} listed)</source>
        <translation>(the first {n} listed)</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="354" />
        <source>Notifications cannot be read: {error} (run prolan-probe db init)</source>
        <translation>Notifications cannot be read: {error} (run prolan-probe db init)</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="359" />
        <source>None</source>
        <translation>None</translation>
    </message>
    <message>
        <location filename="../interval_panel.py" line="375" />
        <source>Interval</source>
        <translation>Interval</translation>
    </message>
</context><context>
    <name>Levels</name>
    <message>
        <location filename="../i18n.py" line="147" />
        <source>good</source>
        <translation>good</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="148" />
        <source>acceptable</source>
        <translation>acceptable</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="149" />
        <source>attention</source>
        <translation>attention</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="150" />
        <source>on the edge</source>
        <translation>on the edge</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="151" />
        <source>bad</source>
        <translation>bad</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="152" />
        <source>no data</source>
        <translation>no data</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="154" />
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
        <location filename="../plan/view.py" line="134" />
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
        <location filename="../plan/view.py" line="106" />
        <source>Back</source>
        <translation>Back</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="424" />
        <location filename="../plan/view.py" line="114" />
        <source>Edit</source>
        <translation>Edit</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="121" />
        <source>Undo</source>
        <translation>Undo</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="124" />
        <source>Redo</source>
        <translation>Redo</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="132" />
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="142" />
        <source>Align left</source>
        <translation>Align left</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="143" />
        <source>Align top</source>
        <translation>Align top</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="144" />
        <source>In a row</source>
        <translation>In a row</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="145" />
        <source>In a column</source>
        <translation>In a column</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="476" />
        <location filename="../plan/view.py" line="149" />
        <source>Background…</source>
        <translation>Background…</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="503" />
        <location filename="../plan/view.py" line="150" />
        <source>New map…</source>
        <translation>New map…</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="194" />
        <source>The map {path} cannot be opened:
{error}

The file was not changed.</source>
        <translation>The map {path} cannot be opened:
{error}

The file was not changed.</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="283" />
        <source>No evaluated interval for this icon</source>
        <translation>No evaluated interval for this icon</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="294" />
        <source>Open the interval…</source>
        <translation>Open the interval…</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="298" />
        <source>Open</source>
        <translation>Open</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="389" />
        <location filename="../plan/view.py" line="379" />
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
        <location filename="../plan/view.py" line="387" />
        <source>no value</source>
        <translation>no value</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="396" />
        <source>Point: {name}
Worst assessment: {level}
Metrics: {count}</source>
        <translation>Point: {name}
Worst assessment: {level}
Metrics: {count}</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="403" />
        <source>Map: {name}
Worst assessment below: {level}</source>
        <translation>Map: {name}
Worst assessment below: {level}</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="407" />
        <source>
(no connection to the probe — data is stale)</source>
        <translation>
(no connection to the probe — data is stale)</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="424" />
        <source>View</source>
        <translation>View</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="459" />
        <source>Align</source>
        <translation>Align</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="478" />
        <source>Images (*.png *.jpg *.jpeg *.bmp *.gif)</source>
        <translation>Images (*.png *.jpg *.jpeg *.bmp *.gif)</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="489" />
        <source>{path} exists already: choose another name</source>
        <translation>{path} exists already: choose another name</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="517" />
        <location filename="../plan/view.py" line="498" />
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
        <location filename="../plan/point_page.py" line="51" />
        <source>= {value}</source>
        <translation>= {value}</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="52" />
        <source>otherwise</source>
        <translation>otherwise</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="335" />
        <location filename="../plan/point_page.py" line="198" />
        <location filename="../plan/point_page.py" line="96" />
        <source>Assessment</source>
        <translation>Assessment</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="197" />
        <location filename="../plan/point_page.py" line="96" />
        <source>Value</source>
        <translation>Value</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="108" />
        <source>The metric has no threshold table</source>
        <translation>The metric has no threshold table</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="114" />
        <source>higher is worse</source>
        <translation>higher is worse</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="115" />
        <source>higher is better</source>
        <translation>higher is better</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="116" />
        <source>good only when equal</source>
        <translation>good only when equal</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="155" />
        <source>hourly trends before {time}</source>
        <translation>hourly trends before {time}</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="185" />
        <source>Service point: {name}</source>
        <translation>Service point: {name}</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="196" />
        <source>Metric</source>
        <translation>Metric</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="199" />
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="200" />
        <source>How sure (95 %)</source>
        <translation>How sure (95 %)</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="234" />
        <source>History over the last {hours} h</source>
        <translation>History over the last {hours} h</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="249" />
        <source>Current MKO and OKO values</source>
        <translation>Current MKO and OKO values</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="251" />
        <source>Threshold table of the test</source>
        <translation>Threshold table of the test</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="297" />
        <source>Audio fragments</source>
        <translation>Audio fragments</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="299" />
        <source>Audio fragments: module console.clips_panel is not installed yet</source>
        <translation>Audio fragments: module console.clips_panel is not installed yet</translation>
    </message>
    <message>
        <location filename="../plan/point_page.py" line="408" />
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
        <location filename="../cockpit.py" line="726" />
        <source>Cockpit</source>
        <translation>Cockpit</translation>
    </message>
    <message>
        <location filename="../dashboard.py" line="461" />
        <source>Dashboard</source>
        <translation>Dashboard</translation>
    </message>
    <message>
        <location filename="../plan/view.py" line="42" />
        <source>Plan</source>
        <translation>Plan</translation>
    </message>
</context></TS>
