"""Recipient lists from LDAP / Active Directory group members (ldap3).

Members are found with paged searches for `(memberOf=GROUP)` under the base DN (AD keeps memberOf
itself; OpenLDAP needs the memberof overlay), walking nested groups breadth-first with cycle
protection. A group whose members carry no memberOf (OpenLDAP without the overlay) is read through
its `member`/`uniqueMember` values instead. People get `mail` and `mobile` (else
`telephoneNumber`); disabled AD accounts and people with neither address are skipped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import ldap3
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from notifier.config import RecipientMember

GROUP_CLASSES = {"group", "groupofnames", "groupofuniquenames"}
ATTRIBUTES = ["objectClass", "cn", "displayName", "mail", "mobile", "telephoneNumber", "userAccountControl"]
AD_DISABLED = 0x2


class LdapImportError(Exception):
    """The directory could not be read; the message says which server and why."""


@dataclass
class ImportResult:
    members: list[RecipientMember] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # DNs of the group and every nested group
    skipped: list[str] = field(default_factory=list)  # people without mail/phone, disabled accounts


def _decoded(raw: dict[str, Any]) -> dict[str, Any]:
    """Raw attribute values as text (UTF-8 on the wire): the same for every server and schema."""
    return {
        name: [v.decode("utf-8", errors="replace") if isinstance(v, bytes) else str(v) for v in values]
        for name, values in raw.items()
    }


def _values(entry: dict[str, Any], name: str) -> list[Any]:
    for key, value in entry.items():
        if key.lower() == name.lower():
            return list(value) if isinstance(value, (list, tuple)) else [value]
    return []


def _first(entry: dict[str, Any], *names: str) -> str | None:
    for name in names:
        for value in _values(entry, name):
            text = str(value).strip()
            if text:
                return text
    return None


def normalise_phone(raw: str) -> str | None:
    digits = "".join(ch for ch in raw if ch.isdigit() or ch == "+")
    if len(digits.lstrip("+")) < 3 or "+" in digits[1:]:
        return None
    return digits


class Directory:
    def __init__(self, connection: ldap3.Connection, base: str, page_size: int = 500) -> None:
        self.conn = connection
        # Our filters name AD and OpenLDAP classes/attributes at once (group or groupOfNames,
        # cn or sAMAccountName); the server ignores what it does not know, ldap3 must not refuse it.
        connection.check_names = False
        self.base = base
        self.page_size = page_size
        wanted = [*ATTRIBUTES, "member", "uniqueMember"]
        schema = getattr(connection.server, "schema", None)
        known = getattr(schema, "attribute_types", None) if schema is not None else None
        # With the server's schema loaded ldap3 refuses names the server does not know (an
        # OpenLDAP has no userAccountControl); ask only for those it knows.
        self.attributes = [a for a in wanted if a in known] if known else wanted

    def search(
        self, base: str, filter_: str, scope: str = ldap3.SUBTREE
    ) -> Iterable[tuple[str, dict[str, Any]]]:
        """Paged search (simple paged results control), yielding (dn, attributes)."""
        try:
            for item in self.conn.extend.standard.paged_search(
                base,
                filter_,
                search_scope=scope,
                attributes=self.attributes,
                paged_size=self.page_size,
                generator=True,
            ):
                if item.get("type") == "searchResEntry":
                    yield item["dn"], _decoded(item.get("raw_attributes", {}))
        except LDAPException as exc:
            raise LdapImportError(
                f"{self.conn.server}: search {filter_!r} under {base!r} failed: {exc}"
            ) from None

    def entry(self, dn: str) -> dict[str, Any] | None:
        for _dn, attributes in self.search(dn, "(objectClass=*)", ldap3.BASE):
            return attributes
        return None

    def find_group(self, group: str) -> str:
        if "=" in group:
            if self.entry(group) is None:
                raise LdapImportError(f"{self.conn.server}: group {group!r} does not exist")
            return group
        name = escape_filter_chars(group)
        found = [
            dn
            for dn, _ in self.search(
                self.base,
                f"(&(|(objectClass=group)(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))"
                f"(|(cn={name})(sAMAccountName={name})))",
            )
        ]
        if not found:
            raise LdapImportError(f"{self.conn.server}: no group named {group!r} under {self.base!r}")
        if len(found) > 1:
            raise LdapImportError(
                f"{self.conn.server}: {len(found)} groups named {group!r}; give the DN: {found}"
            )
        return found[0]

    def members_of(self, group_dn: str) -> list[tuple[str, dict[str, Any]]]:
        """Direct members of a group: by memberOf (paged), else by the group's member values."""
        direct = list(self.search(self.base, f"(memberOf={escape_filter_chars(group_dn)})"))
        if direct:
            return direct
        group = self.entry(group_dn) or {}
        out: list[tuple[str, dict[str, Any]]] = []
        for dn in [*_values(group, "member"), *_values(group, "uniqueMember")]:
            attributes = self.entry(str(dn))
            if attributes is not None:
                out.append((str(dn), attributes))
        return out


def collect_members(directory: Directory, group: str) -> ImportResult:
    result = ImportResult()
    root = directory.find_group(group)
    queue: deque[str] = deque([root])
    seen_groups: set[str] = set()
    seen_people: set[str] = set()
    while queue:
        group_dn = queue.popleft()
        if group_dn.lower() in seen_groups:
            continue  # nested groups may form cycles
        seen_groups.add(group_dn.lower())
        result.groups.append(group_dn)
        for dn, attributes in directory.members_of(group_dn):
            classes = {str(c).lower() for c in _values(attributes, "objectClass")}
            if classes & GROUP_CLASSES:
                queue.append(dn)
                continue
            if dn.lower() in seen_people:
                continue
            seen_people.add(dn.lower())
            control = _first(attributes, "userAccountControl")
            if control is not None and control.isdigit() and int(control) & AD_DISABLED:
                result.skipped.append(f"{dn}: account disabled")
                continue
            mail = _first(attributes, "mail")
            raw_phone = _first(attributes, "mobile", "telephoneNumber")
            phone = normalise_phone(raw_phone) if raw_phone else None
            if mail is None and phone is None:
                result.skipped.append(f"{dn}: no mail, mobile or telephoneNumber")
                continue
            name = _first(attributes, "displayName", "cn") or dn
            result.members.append(RecipientMember(name=name, email=mail, phone=phone))
    return result


def import_group(
    url: str, bind_dn: str | None, password: str | None, group: str, base: str | None, *, page_size: int = 500
) -> ImportResult:
    """Connect, bind and collect the members of `group` (a DN or a cn / sAMAccountName)."""
    try:
        server = ldap3.Server(url, get_info=ldap3.DSA, connect_timeout=10)
        conn = ldap3.Connection(
            server, user=bind_dn, password=password, auto_bind=True, receive_timeout=30, check_names=False
        )
    except LDAPException as exc:
        raise LdapImportError(f"{url}: cannot bind as {bind_dn or 'anonymous'}: {exc}") from None
    try:
        if base is None:
            contexts = list(getattr(server.info, "naming_contexts", None) or [])
            if not contexts:
                raise LdapImportError(f"{url}: the server names no naming context; give --base")
            base = str(contexts[0])
        return collect_members(Directory(conn, base, page_size), group)
    finally:
        conn.unbind()
