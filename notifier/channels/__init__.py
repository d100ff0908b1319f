"""Delivery channels. Each sender raises `TemporaryFailure` (retry later: server down, modem busy,
timeout) or `PermanentFailure` (retrying cannot help: a refused address, an invalid number)."""

from __future__ import annotations


class DeliveryFailure(Exception):
    """A message was not delivered; the text says by whom and why."""


class TemporaryFailure(DeliveryFailure):
    pass


class PermanentFailure(DeliveryFailure):
    pass
