"""The SNMP agent of the probe: PROLAN-MIB served from the in-memory snapshot.

`index` turns a `Snapshot` into a sorted table of pre-encoded variable bindings (rebuilt on every
publish), `fastpath` answers SNMPv1/v2c requests from it with a small BER codec, `v3` lets pysnmp
do USM (authentication, privacy) for SNMPv3 and reads the same index, `traps` decides and sends
notifications, and `agent` wires them into the `run` service.
"""
