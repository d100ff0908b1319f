"""Bounded history with hourly trends (issue 16): the `[history]` section, the housekeeper that
rolls raw values up into `metric_trends` and prunes what is older than its retention, the service
component that runs it and the `prolan-probe history` commands."""
