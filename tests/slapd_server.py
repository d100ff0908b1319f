"""A throw-away OpenLDAP slapd for the tests: slapd.conf in a temporary folder, mdb database,
memberof overlay, a high port; populated with ldapadd."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from tests.smtp_server import free_port

SUFFIX = "dc=example,dc=org"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PW = "secret"
READER_DN = f"cn=reader,ou=service,{SUFFIX}"
READER_PW = "reader-pw"

CONF = """
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile {dir}/slapd.pid
argsfile {dir}/slapd.args
# Ordinary users get at most {page} entries per search unless they page (size.pr), so a search
# that does not use the paged-results control fails with sizeLimitExceeded.
sizelimit size.soft={page} size.hard={page} size.pr={page} size.prtotal=unlimited
access to attrs=userPassword by anonymous auth by * none
access to * by * read
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{rootdn}"
rootpw {rootpw}
directory {dir}/data
overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
"""


class Slapd:
    def __init__(self, folder: Path, page: int = 2) -> None:
        binary = shutil.which("slapd") or "/usr/sbin/slapd"
        if not Path(binary).exists():
            raise RuntimeError("slapd is not installed (apt-get install slapd ldap-utils)")
        (folder / "data").mkdir(parents=True)
        conf = folder / "slapd.conf"
        conf.write_text(
            CONF.format(dir=folder, suffix=SUFFIX, rootdn=ROOT_DN, rootpw=ROOT_PW, page=page),
            encoding="utf-8",
        )
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.log = open(folder / "slapd.log", "w")  # noqa: SIM115 - closed in stop()
        # -d keeps slapd in the foreground (a child we can stop); level 0 logs almost nothing.
        self.process = subprocess.Popen(
            [binary, "-f", str(conf), "-h", f"{self.url}/", "-d", "0"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while True:
            probe = subprocess.run(
                ["ldapsearch", "-x", "-H", self.url, "-b", "", "-s", "base", "namingContexts"],
                capture_output=True,
                text=True,
            )
            if probe.returncode == 0:
                break
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"slapd did not start: {(folder / 'slapd.log').read_text()}")
            time.sleep(0.1)

    def add(self, ldif: str) -> None:
        subprocess.run(
            ["ldapadd", "-x", "-H", self.url, "-D", ROOT_DN, "-w", ROOT_PW],
            input=ldif,
            text=True,
            capture_output=True,
            check=True,
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
