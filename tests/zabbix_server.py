"""A throw-away Zabbix 6.0 from Debian's packages for the tests: zabbix_server (zabbix-server-pgsql)
on a database of its own in the local PostgreSQL, and the frontend's API (zabbix-frontend-php)
served by PHP's built-in web server. Configuration, pid, log, sockets and the SNMP trap file live in
the test's folder; ports are free high ports. `stop()` ends both and drops the database.

Debian's frontend reads its configuration from the fixed path /etc/zabbix/zabbix.conf.php; PHP's
`auto_prepend_file` loads a copy of the class that holds that path, pointed at the test's folder,
before the frontend's autoloader would load the original.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.smtp_server import free_port


def free_listen_port() -> int:
    """A free TCP port in 10000..32767: zabbix_server refuses ListenPort above 32767."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randint(10000, 32767)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free TCP port below 32768")


SCHEMA_DIR = Path("/usr/share/zabbix-server-pgsql")
FRONTEND = Path("/usr/share/zabbix")
CONFIG_CLASS = FRONTEND / "include/classes/core/CConfigFile.php"
DEBIAN_CONFIG_PATH = "'/etc/zabbix/zabbix.conf.php'"

# Small process counts: the tests share two cores with everything else.
SERVER_CONF = """\
ListenIP=127.0.0.1
ListenPort={server_port}
LogType=file
LogFile={dir}/zabbix_server.log
DebugLevel=3
PidFile={dir}/zabbix_server.pid
TmpDir={dir}
SocketDir={socket_dir}
DBHost={db_host}
DBPort={db_port}
DBName={db_name}
DBUser={db_user}
AllowRoot=1
Timeout=5
CacheUpdateFrequency=2
HousekeepingFrequency=0
StartPollers=2
StartPollersUnreachable=1
StartTrappers=1
StartPingers=0
StartDiscoverers=0
StartHTTPPollers=0
StartTimers=1
StartEscalators=1
StartAlerters=1
StartHistoryPollers=1
StartLLDProcessors=2
StartPreprocessors=2
StartDBSyncers=1
StartODBCPollers=0
StartSNMPTrapper=1
SNMPTrapperFile={traps_file}
"""

FRONTEND_CONF = """<?php
$DB['TYPE'] = 'POSTGRESQL';
$DB['SERVER'] = '{db_host}';
$DB['PORT'] = '{db_port}';
$DB['DATABASE'] = '{db_name}';
$DB['USER'] = '{db_user}';
$DB['PASSWORD'] = '';
$DB['SCHEMA'] = '';
$DB['ENCRYPTION'] = false;
$DB['KEY_FILE'] = '';
$DB['CERT_FILE'] = '';
$DB['CA_FILE'] = '';
$DB['VERIFY_HOST'] = false;
$DB['CIPHER_LIST'] = '';
$DB['VAULT_URL'] = '';
$DB['VAULT_DB_PATH'] = '';
$DB['VAULT_TOKEN'] = '';
$DB['DOUBLE_IEEE754'] = true;
$ZBX_SERVER = '127.0.0.1';
$ZBX_SERVER_PORT = '{server_port}';
$ZBX_SERVER_NAME = 'prolan-test';
$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
"""


class ZabbixApiError(RuntimeError):
    pass


class Zabbix:
    """`api(method, params)` calls the JSON-RPC API as Admin; `traps_file` is SNMPTrapperFile."""

    def __init__(self, folder: Path, pg_url: str) -> None:
        for binary in ("zabbix_server", "php", "psql"):
            if shutil.which(binary) is None and not Path("/usr/sbin", binary).exists():
                raise RuntimeError(f"{binary} is not installed (make deps-test installs the Zabbix packages)")
        if not CONFIG_CLASS.exists():
            raise RuntimeError("zabbix-frontend-php is not installed")
        self.folder = folder
        url = make_url(pg_url)
        self.db_host, self.db_port = url.host or "127.0.0.1", url.port or 5432
        self.db_user = url.username or "postgres"
        self.db_name = "zbx_" + uuid.uuid4().hex[:12]
        self.admin_url = url.set(database="postgres")
        self.server_port = free_listen_port()
        self.web_port = free_port()
        self.traps_file = folder / "zabbix_traps.tmp"
        # The server's IPC sockets are named `<SocketDir>/zabbix_server_rtc.sock/…haservice.sock`:
        # under pytest's folder (itself under any TMPDIR) that passes the 108 bytes of a Unix socket
        # path and the server exits at start. A short folder of its own, removed by stop().
        self.socket_dir = Path(
            tempfile.mkdtemp(prefix="zbx-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        )
        self.traps_file.touch()
        self.url = f"http://127.0.0.1:{self.web_port}/api_jsonrpc.php"
        self.server: subprocess.Popen[bytes] | None = None
        self.web: subprocess.Popen[bytes] | None = None
        self._token: str | None = None
        try:
            self._create_database()
            self._start_server()
            self._start_frontend()
            self._login()
        except BaseException:
            self.stop()
            raise

    # ---- set-up --------------------------------------------------------------------------------

    def _admin(self, statement: str) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(statement))
        finally:
            engine.dispose()

    def _create_database(self) -> None:
        self._admin(f"CREATE DATABASE \"{self.db_name}\" ENCODING 'UTF8' TEMPLATE template0")
        for part in ("schema", "images", "data"):
            sql = gzip.decompress((SCHEMA_DIR / f"{part}.sql.gz").read_bytes())
            result = subprocess.run(
                ["psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", "-h", self.db_host, "-p", str(self.db_port),
                 "-U", self.db_user, "-d", self.db_name],
                input=sql, capture_output=True, timeout=300, check=False,
            )  # fmt: skip
            if result.returncode != 0:
                raise RuntimeError(f"loading Zabbix {part}.sql failed: {result.stderr.decode()[-2000:]}")

    def _start_server(self) -> None:
        conf = self.folder / "zabbix_server.conf"
        conf.write_text(
            SERVER_CONF.format(
                server_port=self.server_port, dir=self.folder, socket_dir=self.socket_dir, db_host=self.db_host, db_port=self.db_port,
                db_name=self.db_name, db_user=self.db_user, traps_file=self.traps_file,
            ),
            encoding="utf-8",
        )  # fmt: skip
        binary = shutil.which("zabbix_server") or "/usr/sbin/zabbix_server"
        # Its own process group: stop() can end the forty-odd worker processes even if the main one hangs.
        self.server = subprocess.Popen(
            [binary, "-f", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "zabbix_server.stderr").open("wb"),
            start_new_session=True,
        )
        self.wait_for(lambda: "started [main process]" in self.server_log(), "zabbix_server to start", 60)

    def _start_frontend(self) -> None:
        (self.folder / "zabbix.conf.php").write_text(
            FRONTEND_CONF.replace("{db_host}", self.db_host)
            .replace("{db_port}", str(self.db_port))
            .replace("{db_name}", self.db_name)
            .replace("{db_user}", self.db_user)
            .replace("{server_port}", str(self.server_port)),
            encoding="utf-8",
        )
        original = CONFIG_CLASS.read_text(encoding="utf-8")
        if DEBIAN_CONFIG_PATH not in original:
            raise RuntimeError(
                f"{CONFIG_CLASS} does not name {DEBIAN_CONFIG_PATH}: another frontend version?"
            )
        (self.folder / "CConfigFile.php").write_text(
            original.replace(DEBIAN_CONFIG_PATH, repr(str(self.folder / "zabbix.conf.php"))), encoding="utf-8"
        )
        prepend = self.folder / "prepend.php"
        prepend.write_text(
            f"<?php\nrequire_once {str(self.folder / 'CConfigFile.php')!r};\n", encoding="utf-8"
        )
        self.web = subprocess.Popen(
            ["php", "-d", f"auto_prepend_file={prepend}", "-d", "memory_limit=1G", "-d", "post_max_size=64M",
             "-d", "max_execution_time=600", "-d", f"session.save_path={self.folder}",
             "-d", f"sys_temp_dir={self.folder}", "-d", f"upload_tmp_dir={self.folder}",
             "-S", f"127.0.0.1:{self.web_port}", "-t", str(FRONTEND)],
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "php.log").open("wb"),
        )  # fmt: skip

        def answers() -> bool:
            try:
                return bool(self.api("apiinfo.version"))
            except OSError:
                return False

        self.wait_for(answers, "the Zabbix API", 30)

    def _login(self) -> None:
        self._token = self.api("user.login", {"username": "Admin", "password": "zabbix"})

    # ---- use -----------------------------------------------------------------------------------

    def api(self, method: str, params: Any = None) -> Any:
        body: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params or {}, "id": 1}
        if self._token is not None and method not in ("apiinfo.version", "user.login"):
            body["auth"] = self._token
        request = urllib.request.Request(
            self.url, json.dumps(body).encode("utf-8"), {"Content-Type": "application/json-rpc"}
        )
        with urllib.request.urlopen(request, timeout=300) as response:
            answer = json.load(response)
        if "error" in answer:
            raise ZabbixApiError(f"{method}: {answer['error']}")
        return answer["result"]

    def server_log(self) -> str:
        path = self.folder / "zabbix_server.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def wait_for(self, condition: Any, what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            for name, process in (("zabbix_server", self.server), ("php", self.web)):
                if process is not None and process.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited while waiting for {what}:\n{self.server_log()[-3000:]}"
                    )
            time.sleep(0.5)
        raise TimeoutError(f"timed out waiting for {what}; server log:\n{self.server_log()[-3000:]}")

    def stop(self) -> None:
        if self.web is not None and self.web.poll() is None:
            self.web.terminate()
            self.web.wait(10)
        if self.server is not None:
            if self.server.poll() is None:
                self.server.terminate()  # the main process stops its workers
                # It takes up to half a minute to stop them all; its database is dropped below, so
                # nothing is lost by killing what is left after a few seconds.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.server.wait(3)
            with contextlib.suppress(ProcessLookupError):  # workers left behind, if any
                os.killpg(self.server.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.server.wait(5)
        self.web = self.server = None
        shutil.rmtree(self.socket_dir, ignore_errors=True)
        with contextlib.suppress(Exception):  # the database may never have been created
            self._admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
