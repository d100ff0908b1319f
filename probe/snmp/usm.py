"""The agent's pysnmp engine: our engine ID and boots, and the reports pysnmp leaves out.

* `make_engine` builds the engine without giving pysnmp the engine ID in the constructor (pysnmp
  would then keep its own boots under `$TMPDIR`), sets the ID and the boots from
  `probe.snmp.engine_state` instead.
* `ReportingUsm`: a request at a security level the user does not have (authPriv for a user
  without privacy) is answered with the usmStatsUnsupportedSecLevels report. pysnmp raises the
  report at the request's own level, cannot encrypt it for a user without privacy, and stays
  silent; RFC 3414 3.1.1 sends such reports at noAuthNoPriv.
* `RESPONDERS`: pysnmp's command responders, except that a request for a context the agent
  does not serve gets the snmpUnknownContexts report (RFC 3413 3.2.1) instead of silence.
"""

from __future__ import annotations

import contextlib
from typing import Any

from pyasn1.type import univ
from pysnmp.entity import engine as pysnmp_engine
from pysnmp.entity.rfc3413 import cmdrsp, context
from pysnmp.proto import errind, error
from pysnmp.proto.secmod.rfc3414.service import SnmpUSMSecurityModel

NO_AUTH_NO_PRIV = 1
_STATUS_KEYS = (
    "errorIndication",
    "oid",
    "val",
    "securityStateReference",
    "securityLevel",
    "contextEngineId",
    "contextName",
    "msgUserName",
    "maxSizeResponseScopedPDU",
)


class ReportingUsm(SnmpUSMSecurityModel):
    def process_incoming_message(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().process_incoming_message(*args, **kwargs)
        except error.StatusInformation as status:
            if status.get("errorIndication") != errind.unsupportedSecurityLevel or "oid" not in status:
                raise
            fields = {key: status[key] for key in _STATUS_KEYS if key in status}
            fields["securityLevel"] = NO_AUTH_NO_PRIV
            raise error.StatusInformation(**fields) from None


class UnknownContextReport:
    """Mixin for pysnmp's command responders: a request for a context the agent does not serve
    is answered with the snmpUnknownContexts report (RFC 3413 3.2.1). pysnmp's own path for
    this builds the report from the response PDU, which RFC 3412 7.1.3b then refuses to report
    on, so the request goes unanswered."""

    snmpContext: context.SnmpContext

    def process_pdu(self, snmpEngine: pysnmp_engine.SnmpEngine, *request: Any) -> Any:
        # request: messageProcessingModel, securityModel, securityName, securityLevel,
        # contextEngineId, contextName, pduVersion, PDU, maxSizeResponseScopedPDU, stateReference
        # (the arguments of pysnmp's process_pdu, and of return_response_pdu but its last)
        security_level, context_name = request[3], request[5]
        if univ.OctetString(context_name).asOctets() in self.snmpContext.context_names:
            return super().process_pdu(snmpEngine, *request)  # type: ignore[misc]
        (unknown,) = snmpEngine.get_mib_builder().import_symbols("__SNMP-TARGET-MIB", "snmpUnknownContexts")
        unknown.syntax += 1
        report = {"oid": unknown.name, "val": unknown.syntax, "securityLevel": security_level}
        with contextlib.suppress(error.StatusInformation):  # not reportable: dropped
            # The request's own PDU: a report names the request it answers.
            snmpEngine.message_dispatcher.return_response_pdu(snmpEngine, *request, report)
        return None


class GetResponder(UnknownContextReport, cmdrsp.GetCommandResponder):
    pass


class NextResponder(UnknownContextReport, cmdrsp.NextCommandResponder):
    pass


class BulkResponder(UnknownContextReport, cmdrsp.BulkCommandResponder):
    pass


class SetResponder(UnknownContextReport, cmdrsp.SetCommandResponder):
    pass


RESPONDERS = (GetResponder, NextResponder, BulkResponder, SetResponder)


def make_engine(engine_id: bytes, boots: int) -> pysnmp_engine.SnmpEngine:
    """A pysnmp engine with this engine ID and snmpEngineBoots (see the module docstring)."""
    engine = pysnmp_engine.SnmpEngine()
    builder = engine.get_mib_builder()
    (id_object,) = builder.import_symbols("__SNMP-FRAMEWORK-MIB", "snmpEngineID")
    id_object.syntax = id_object.syntax.clone(engine_id)
    engine.snmpEngineID = id_object.syntax
    (boots_object,) = builder.import_symbols("__SNMP-FRAMEWORK-MIB", "snmpEngineBoots")
    boots_object.syntax = boots_object.syntax.clone(boots)
    engine.security_models[ReportingUsm.SECURITY_MODEL_ID] = ReportingUsm()
    return engine
