#!/bin/sh
# snmptrapd traphandle for Zabbix's SNMP trapper (StartSNMPTrapper=1): appends each trap to the
# file named by SNMPTrapperFile as "<time> ZBXTRAP <sender address>" followed by the variable
# bindings, which is the record Zabbix matches against the snmptrap[...] items of the host with
# that SNMP interface address.
#
#   snmptrapd.conf:  authCommunity log,execute public
#                    traphandle default /bin/sh /path/to/prolan-zabbix-traps.sh /var/lib/zabbix/snmptraps/snmptraps.log
#
# snmptrapd passes the sender's host name, its transport address ("UDP: [192.0.2.7]:1024->[…]:162")
# and one line per variable binding on standard input.
set -eu

traps_file=${1:?usage: prolan-zabbix-traps.sh SNMP_TRAPPER_FILE}

IFS= read -r host || exit 0
IFS= read -r transport || transport=
address=$(printf '%s\n' "$transport" | sed -n 's/^[A-Za-z0-9]*: *\[\([^]]*\)\].*/\1/p')
[ -n "$address" ] || address=$host
# A value that spells the record marker would start a forged record: defuse it.
bindings=$(sed 's/ZBXTRAP/ZBX_TRAP/g')

# One writer at a time: Zabbix reads records that were appended whole.
{
    flock 9
    printf '%s ZBXTRAP %s\n%s\n' "$(date '+%Y%m%d.%H%M%S')" "$address" "$bindings" >&9
} 9>>"$traps_file"
