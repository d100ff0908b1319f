"""Recipient import from a real OpenLDAP slapd and from AD-shaped entries (ldap3's offline AD schema)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import ldap3
import pytest

from notifier.recipients import Directory, LdapImportError, collect_members, import_group
from tests.helpers import run_cli
from tests.notifier_helpers import cli
from tests.slapd_server import READER_DN, READER_PW, SUFFIX, Slapd

PEOPLE = [
    ("anna", "Анна Петрова", "anna@example.org", "+7 (999) 000-00-01", None),
    ("boris", "Boris", "boris@example.org", None, "+7 999 000 00 02"),
    ("vera", "Вера", None, "+79990000003", None),
    ("gleb", "Gleb", "gleb@example.org", None, None),
    ("dina", "Dina", "dina@example.org", None, None),
    ("nobody", "No Address", None, None, None),
]


def ldif() -> str:
    blocks = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example",
        f"dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people",
        f"dn: ou=groups,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups",
        f"dn: ou=service,{SUFFIX}\nobjectClass: organizationalUnit\nou: service",
        f"dn: {READER_DN}\nobjectClass: person\ncn: reader\nsn: reader\nuserPassword: {READER_PW}",
    ]
    for uid, name, mail, mobile, phone in PEOPLE:
        lines = [
            f"dn: uid={uid},ou=people,{SUFFIX}",
            "objectClass: inetOrgPerson",
            f"uid: {uid}",
            f"cn: {name}",
            f"sn: {uid}",
        ]
        lines += [f"mail: {mail}"] if mail else []
        lines += [f"mobile: {mobile}"] if mobile else []
        lines += [f"telephoneNumber: {phone}"] if phone else []
        blocks.append("\n".join(lines))
    person = lambda uid: f"member: uid={uid},ou=people,{SUFFIX}"  # noqa: E731
    group = lambda cn: f"member: cn={cn},ou=groups,{SUFFIX}"  # noqa: E731
    # quality -> {anna, boris, regional -> {vera, gleb, night -> {dina, nobody, quality (a cycle)}}}
    blocks.append(
        f"dn: cn=night,ou=groups,{SUFFIX}\nobjectClass: groupOfNames\ncn: night\n{person('dina')}\n{person('nobody')}"
    )
    blocks.append(
        f"dn: cn=regional,ou=groups,{SUFFIX}\nobjectClass: groupOfNames\ncn: regional\n{person('vera')}\n{person('gleb')}\n{group('night')}"
    )
    blocks.append(
        f"dn: cn=quality,ou=groups,{SUFFIX}\nobjectClass: groupOfNames\ncn: quality\n{person('anna')}\n{person('boris')}\n{group('regional')}"
    )
    return "\n\n".join(blocks) + "\n"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """The import command runs as a process against SQLite (store code is shared with PostgreSQL)."""
    return f"sqlite:///{tmp_path / 'aggregator.sqlite'}"


@pytest.fixture(scope="module")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    server = Slapd(tmp_path_factory.mktemp("slapd"))
    try:
        server.add(ldif())
        server.add(
            f"dn: cn=night,ou=groups,{SUFFIX}\nchangetype: modify\nadd: member\nmember: cn=quality,ou=groups,{SUFFIX}\n"
        )
        yield server
    finally:
        server.stop()


def test_nested_members_with_paged_search(slapd: Slapd) -> None:
    # the reader may see only 2 entries per search: without paging this group could not be read
    plain = ldap3.Connection(slapd.url, READER_DN, READER_PW, auto_bind=True)
    plain.search(SUFFIX, "(objectClass=inetOrgPerson)")
    assert plain.result["description"] == "sizeLimitExceeded"
    plain.unbind()
    result = import_group(slapd.url, READER_DN, READER_PW, "quality", SUFFIX, page_size=2)
    got = {(m.name, m.email, m.phone) for m in result.members}
    assert got == {
        ("Анна Петрова", "anna@example.org", "+79990000001"),
        ("Boris", "boris@example.org", "+79990000002"),
        ("Вера", None, "+79990000003"),
        ("Gleb", "gleb@example.org", None),
        ("Dina", "dina@example.org", None),
    }
    assert len(result.groups) == 3  # quality, regional, night; the cycle back to quality is cut
    assert any("nobody" in line for line in result.skipped)


def test_group_by_dn_and_errors(slapd: Slapd) -> None:
    result = import_group(slapd.url, READER_DN, READER_PW, f"cn=night,ou=groups,{SUFFIX}", None, page_size=2)
    assert {m.name for m in result.members} >= {"Dina", "Анна Петрова"}  # night -> quality (cycle)
    with pytest.raises(LdapImportError, match="no group named 'ghosts'"):
        import_group(slapd.url, READER_DN, READER_PW, "ghosts", SUFFIX)
    with pytest.raises(LdapImportError, match="cannot bind"):
        import_group(slapd.url, READER_DN, "wrong", "quality", SUFFIX)


def test_cli_import_then_rule_uses_the_list(
    slapd: Slapd,
    write_config,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    config = write_config()
    assert cli(capsys, "db", "init", config=config).returncode == 0
    result = run_cli(
        "recipients",
        "import-ldap",
        "--url",
        slapd.url,
        "--bind-dn",
        READER_DN,
        "--group",
        "quality",
        "--base",
        SUFFIX,
        "--list",
        "quality-ad",
        "--page-size",
        "2",
        config=config,
        env={"PROLAN_LDAP_PASSWORD": READER_PW},
    )
    assert result.returncode == 0, result.stderr
    assert "list 'quality-ad': 5 members from 3 groups" in result.stdout
    listed = cli(capsys, "recipients", "list", "--list", "quality-ad", config=config)
    assert "anna@example.org" in listed.stdout and "+79990000003" in listed.stdout
    monkeypatch.setenv("PROLAN_LDAP_PASSWORD", READER_PW)
    bad = cli(
        capsys,
        "recipients",
        "import-ldap",
        "--url",
        slapd.url,
        "--bind-dn",
        READER_DN,
        "--group",
        "ghosts",
        "--base",
        SUFFIX,
        config=config,
    )
    assert bad.returncode == 2 and "no group named 'ghosts'" in bad.stderr


def test_active_directory_shaped_entries() -> None:
    """AD keeps memberOf on members itself, uses `group`/`user` classes, sAMAccountName and
    userAccountControl (2 = disabled); ldap3's offline AD 2012 R2 schema, served by its mock."""
    server = ldap3.Server("dc1.corp.example", get_info=ldap3.OFFLINE_AD_2012_R2)
    conn = ldap3.Connection(
        server,
        user="CN=svc,DC=corp,DC=example",
        password="pw",
        client_strategy=ldap3.MOCK_SYNC,
        check_names=False,
    )
    conn.strategy.add_entry("CN=svc,DC=corp,DC=example", {"userPassword": "pw", "sn": "svc"})
    conn.bind()
    base = "DC=corp,DC=example"
    top = f"CN=Quality Heads,OU=Groups,{base}"
    sub = f"CN=Regional Heads,OU=Groups,{base}"
    conn.strategy.add_entry(
        top, {"objectClass": ["top", "group"], "cn": "Quality Heads", "sAMAccountName": "quality-heads"}
    )
    conn.strategy.add_entry(sub, {"objectClass": ["top", "group"], "cn": "Regional Heads", "memberOf": [top]})
    users = [
        ("Анна", "anna@corp.example", "+79990000001", "512", [top]),
        ("Disabled", "old@corp.example", None, "514", [top]),
        ("Олег", "oleg@corp.example", None, "512", [sub]),
        ("Both", "both@corp.example", None, "512", [top, sub]),
    ]
    for name, mail, mobile, control, groups in users:
        attrs = {
            "objectClass": ["top", "person", "organizationalPerson", "user"],
            "cn": name,
            "displayName": name,
            "mail": mail,
            "userAccountControl": control,
            "memberOf": groups,
        }
        if mobile:
            attrs["mobile"] = mobile
        conn.strategy.add_entry(f"CN={name},OU=Users,{base}", attrs)
    result = collect_members(Directory(conn, base, page_size=1), "quality-heads")
    assert sorted((m.name, m.email, m.phone) for m in result.members) == [
        ("Both", "both@corp.example", None),
        ("Анна", "anna@corp.example", "+79990000001"),
        ("Олег", "oleg@corp.example", None),
    ]
    assert result.skipped == [f"CN=Disabled,OU=Users,{base}: account disabled"]
    assert result.groups == [top, sub]


def test_members_come_from_paged_memberof_searches(slapd: Slapd) -> None:
    """With the server's schema loaded (ldap3's default), through the memberOf path, paged."""
    conn = ldap3.Connection(slapd.url, READER_DN, READER_PW, auto_bind=True)
    directory = Directory(conn, SUFFIX, page_size=2)
    filters: list[str] = []
    search = directory.search

    def recording(base: str, filter_: str, scope: str = ldap3.SUBTREE):  # type: ignore[no-untyped-def]
        filters.append(filter_)
        return search(base, filter_, scope)

    directory.search = recording  # type: ignore[method-assign]
    result = collect_members(directory, "regional")
    conn.unbind()
    assert "userAccountControl" not in directory.attributes  # OpenLDAP does not know it
    assert sorted(m.name for m in result.members) == sorted(["Анна Петрова", "Boris", "Dina", "Gleb", "Вера"])
    assert filters[1:] == [f"(memberOf=cn={g},ou=groups,{SUFFIX})" for g in ("regional", "night", "quality")]


def test_groups_without_memberof_are_read_through_member_values() -> None:
    """A directory without the memberof overlay: the group's `member` values are followed."""
    conn = ldap3.Connection(
        ldap3.Server("fake"), user="cn=a,o=x", password="pw", client_strategy=ldap3.MOCK_SYNC
    )
    conn.strategy.add_entry("cn=a,o=x", {"userPassword": "pw", "sn": "a"})
    conn.bind()
    conn.strategy.add_entry(
        "cn=inner,o=x", {"objectClass": ["groupOfNames"], "cn": "inner", "member": ["uid=b,o=x"]}
    )
    conn.strategy.add_entry(
        "cn=outer,o=x",
        {"objectClass": ["groupOfNames"], "cn": "outer", "member": ["uid=a,o=x", "cn=inner,o=x"]},
    )
    conn.strategy.add_entry("uid=a,o=x", {"objectClass": ["inetOrgPerson"], "cn": "A", "mail": "a@x.org"})
    conn.strategy.add_entry("uid=b,o=x", {"objectClass": ["inetOrgPerson"], "cn": "B", "mobile": "+7 999 1"})
    result = collect_members(Directory(conn, "o=x"), "cn=outer,o=x")
    assert sorted((m.name, m.email, m.phone) for m in result.members) == [
        ("A", "a@x.org", None),
        ("B", None, "+79991"),
    ]
