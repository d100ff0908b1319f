"""Prometheus exposition of the probe: `[prometheus] listen` serves `/metrics` with the official
`prometheus_client` (docs/mib.md, "Prometheus"). A subsystem like the others: its config section
(`config.PrometheusConfig`) and its service component (`service`) plug in through the
`prolan.sections` and `prolan.components` entry points; `collector` builds the metric families."""
