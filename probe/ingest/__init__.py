"""Ingest of button presses from pads and data concentrators over TCP and serial ports (SPEC §8).

`protocol` (lines -> presses, pure), `session` (one sender), `tcp` and `serial_source` (transports),
`sink` (database or durable spool before `OK`), `spool`, `counters` (own metrics), `service` (the
component of `prolan-probe run`). The protocol and configuration are described in docs/ingest.md.
"""
