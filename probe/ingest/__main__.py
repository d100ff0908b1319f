"""`python -m probe.ingest [--config FILE]`: only the ingest component, for tests and for a
concentrator gateway that runs no evaluation; `prolan-probe run` starts it with everything else."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from probe.config import ConfigError, load_config
from probe.ingest import service
from probe.ingest.spool import SpoolError
from probe.service import Runtime
from probe.snapshot import SnapshotHub
from probe.store.db import open_engine


async def serve(config_path: str | None) -> int:
    config = load_config(config_path)
    engine = open_engine(config.database.url, connect_timeout=config.database.connect_timeout_seconds)
    runtime = Runtime(config, engine, SnapshotHub())
    component = await service.start(runtime)
    if component is None:
        print(
            "prolan-probe ingest: neither [ingest.tcp] nor [[ingest.serial]] is configured", file=sys.stderr
        )
        return 2
    if isinstance(component, service.IngestService) and component.tcp is not None:
        host, port = component.tcp.address
        print(f"listening {host}:{port}", flush=True)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, runtime.stopping.set)
    await runtime.stopping.wait()
    await component.stop()
    engine.dispose()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m probe.ingest")
    parser.add_argument("--config", metavar="FILE")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(serve(args.config))
    except (ConfigError, SpoolError) as exc:
        print(f"prolan-probe ingest: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
