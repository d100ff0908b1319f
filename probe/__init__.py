"""PROLAN Probe: turns button presses into service-quality metrics and assessments."""

__version__ = "0.1.0"
