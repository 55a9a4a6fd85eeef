"""What the SOAP carriers (Yurtiçi, Aras, PTT, Sürat) share: posting an envelope,
classifying what goes wrong, reading the answer safely, and Turkish local times.

Envelopes are built with the standard library's ElementTree (building XML is
safe) and answers are read with `defusedxml` (a carrier's answer is untrusted:
no entities, no external references). zeep is not used at run time: three of
the four carriers publish no WSDL that could be kept in the package, zeep's
strict schema reading refuses the extension fields Yurtiçi actually sends, and
importing it costs ~180 ms of a Lambda cold start against ~18 ms for
defusedxml. The one published WSDL (Yurtiçi's) is kept in `wsdl/` and the
tests check the envelope against it.

A poll answer that needed several HTTP requests (or whose raw answer does not
name the parcel asked about) is framed by `frame` as a small JSON document;
`unframe` reads it back in `parse`.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET  # building only; answers go through defusedxml
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.carriers.polled import CarrierRefused, CarrierUnavailable
from chalicelib.domain.events import canonical_tracking_number
from chalicelib.errors import UnprocessableDelivery

SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ISTANBUL = ZoneInfo("Europe/Istanbul")
TIMEOUT_SECONDS = 10.0
MAX_ANSWER_BYTES = 4 * 1024 * 1024  # far above any real answer; a guard, not a limit

# --- building ---------------------------------------------------------------------


def envelope(
    operation: str, namespace: str, fields: Sequence[tuple[str, str]], qualified: bool = True
) -> bytes:
    """A SOAP 1.1 envelope calling `operation` with text children `fields`, in order.

    `qualified`: the children are in the operation's namespace (.NET asmx/WCF
    services) or unqualified (JAX-WS/Axis services such as Yurtiçi's and PTT's).
    """
    ET.register_namespace("soapenv", SOAP11_NS)
    root = ET.Element(f"{{{SOAP11_NS}}}Envelope")
    ET.SubElement(root, f"{{{SOAP11_NS}}}Header")
    body = ET.SubElement(root, f"{{{SOAP11_NS}}}Body")
    call = ET.SubElement(body, f"{{{namespace}}}{operation}")
    for name, value in fields:
        child = ET.SubElement(call, f"{{{namespace}}}{name}" if qualified else name)
        child.text = value
    built: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return built


# --- reading ----------------------------------------------------------------------


def parse_xml(body: bytes | str) -> ET.Element:
    """The root of an untrusted XML answer; `UnprocessableDelivery` when it is not XML
    or tries entity tricks."""
    import defusedxml.ElementTree as DET  # noqa: N814 - the library's usual alias
    from defusedxml import DefusedXmlException

    try:
        root: ET.Element = DET.fromstring(body)
    except (ET.ParseError, DefusedXmlException, ValueError, TypeError) as error:
        raise UnprocessableDelivery(f"not readable XML: {type(error).__name__}") from error
    return root


def local(tag: object) -> str:
    """An element's name without its namespace (comments and PIs have none)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def soap_body(root: ET.Element) -> ET.Element:
    """The Body of a SOAP 1.1 or 1.2 envelope."""
    if local(root.tag) != "Envelope":
        raise UnprocessableDelivery("not a SOAP envelope")
    for child in root:
        if local(child.tag) == "Body":
            return child
    raise UnprocessableDelivery("a SOAP envelope without a Body")


def first(parent: ET.Element, name: str) -> ET.Element | None:
    for child in parent:
        if local(child.tag) == name:
            return child
    return None


def children(parent: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in parent if local(child.tag) == name]


def text(parent: ET.Element | None, name: str) -> str:
    """The stripped text of `parent`'s child `name` ('' when absent or empty)."""
    if parent is None:
        return ""
    child = first(parent, name)
    return (child.text or "").strip() if child is not None else ""


def descendant(parent: ET.Element, name: str) -> ET.Element | None:
    for element in parent.iter():
        if local(element.tag) == name:
            return element
    return None


@dataclass(frozen=True)
class SoapFault:
    code: str  # "soap:Client", "s:Server", "env:Sender", ... as sent
    reason: str  # faultstring / Reason text
    detail: ET.Element | None  # the carrier's own fault detail, when given


def soap_fault(root: ET.Element) -> SoapFault | None:
    """The envelope's Fault (SOAP 1.1 or 1.2), or None."""
    try:
        body = soap_body(root)
    except UnprocessableDelivery:
        return None
    fault = first(body, "Fault")
    if fault is None:
        return None
    code = text(fault, "faultcode")
    reason = text(fault, "faultstring")
    if not code:  # SOAP 1.2: Code/Value, Reason/Text
        code_element = first(fault, "Code")
        code = text(code_element, "Value")
        reason = text(first(fault, "Reason"), "Text")
    detail = first(fault, "detail") or first(fault, "Detail")
    return SoapFault(code, reason, detail)


def fault_is_client(fault: SoapFault) -> bool:
    """The caller's fault (SOAP 1.1 Client, 1.2 Sender), not the service's trouble."""
    code = fault.code.rsplit(":", 1)[-1].split(".")[0]
    # WCF answers an operation it does not have with ActionNotSupported.
    return code in {"Client", "Sender", "ActionNotSupported"}


# Words a carrier's fault uses when it refuses the account (Turkish and English,
# without diacritics after `fold`): a refusal no retry can fix.
_CREDENTIAL_WORDS = (
    "sifre",
    "parola",
    "kullanici",
    "password",
    "user",
    "yetki",
    "login",
    "auth",
    "cari kod",
    "musteri no",
    "customer code",
)


def fold(value: str) -> str:
    """Lower case without Turkish diacritics, for comparing carrier wording."""
    table = str.maketrans("çğıöşüâîûÇĞİÖŞÜ", "cgiosuaiuCGIOSU")
    return value.translate(table).casefold()


def speaks_of_credentials(message: str) -> bool:
    folded = fold(message)
    return any(word in folded for word in _CREDENTIAL_WORDS)


def classify_fault(fault: SoapFault) -> Exception:
    """A fault about the account is a refusal; any other fault of ours (Client) is a
    request the carrier will never accept (also a refusal, for an operator to see);
    the service's own trouble (Server) is worth retrying later."""
    detail = " ".join(fault.detail.itertext()) if fault.detail is not None else ""
    if speaks_of_credentials(f"{fault.reason} {detail}") or fault_is_client(fault):
        return CarrierRefused(f"SOAP fault {fault.code}: {fault.reason[:200]}")
    return CarrierUnavailable(f"SOAP fault {fault.code}: {fault.reason[:200]}")


# --- posting ----------------------------------------------------------------------

FaultClassifier = Callable[[SoapFault], Exception]


def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    classify_fault: FaultClassifier = classify_fault,
) -> bytes:
    """POST an envelope; the raw answer, or the carrier's trouble as the poller's errors.

    Timeouts, connection errors, 429 and 5xx: `CarrierUnavailable` (with
    Retry-After when the carrier sent one). 401/403: `CarrierRefused`. A SOAP
    Fault (sent with 500 or 200): whatever `classify_fault` makes of it.
    """
    import requests

    try:
        response = requests.post(url, data=body, headers=dict(headers), timeout=TIMEOUT_SECONDS)
    except requests.Timeout as error:
        raise CarrierUnavailable("timed out") from error
    except requests.RequestException as error:
        raise CarrierUnavailable(f"no connection: {type(error).__name__}") from error
    content = response.content[:MAX_ANSWER_BYTES]
    status = response.status_code
    if status in (401, 403):
        raise CarrierRefused(f"HTTP {status}")
    if status == 429:
        raise CarrierUnavailable("HTTP 429", retry_after(response.headers.get("Retry-After")))
    if b"Fault" in content[:4096] or status == 500:
        fault = _fault_of(content)
        if fault is not None:
            raise classify_fault(fault)
    if status >= 500:
        raise CarrierUnavailable(f"HTTP {status}", retry_after(response.headers.get("Retry-After")))
    if status >= 400:
        # Neither throttling nor refusal: most likely a wrong URL or a proxy page.
        raise CarrierUnavailable(f"HTTP {status}")
    return content


def _fault_of(content: bytes) -> SoapFault | None:
    try:
        return soap_fault(parse_xml(content))
    except UnprocessableDelivery:
        return None


def retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: delta-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    from chalicelib.clock import utc_now

    return max(0.0, (moment - utc_now()).total_seconds())


# --- framing several answers ---------------------------------------------------------

FRAME_FORMAT = "kargo-poll-frame/1"


def frame(answers: Sequence[tuple[str, bytes]]) -> bytes:
    """Several raw answers as one poll answer: the number asked about, and the body."""
    return json.dumps(
        {
            "format": FRAME_FORMAT,
            "answers": [
                {"asked": asked, "body": body.decode("utf-8", errors="replace")}
                for asked, body in answers
            ],
        },
        ensure_ascii=False,
    ).encode()


def unframe(body: bytes) -> list[tuple[str, str]]:
    """`frame`'s inverse; `UnprocessableDelivery` for anything else."""
    try:
        document: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise UnprocessableDelivery("not a framed poll answer") from error
    if not isinstance(document, dict) or document.get("format") != FRAME_FORMAT:
        raise UnprocessableDelivery("not a framed poll answer")
    answers = document.get("answers")
    if not isinstance(answers, list):
        raise UnprocessableDelivery("a framed poll answer without answers")
    result: list[tuple[str, str]] = []
    for answer in answers:
        if not isinstance(answer, dict):
            raise UnprocessableDelivery("a framed answer that is not an object")
        asked, raw = answer.get("asked"), answer.get("body")
        if not isinstance(asked, str) or not isinstance(raw, str):
            raise UnprocessableDelivery("a framed answer without its number or body")
        result.append((asked, raw))
    return result


# --- time -------------------------------------------------------------------------


def istanbul_to_utc(moment: datetime) -> datetime:
    """A carrier's wall-clock time in Türkiye (UTC+3 all year since 2016) as UTC."""
    return moment.replace(tzinfo=ISTANBUL).astimezone(UTC)


def parse_local(value: str, formats: Sequence[str]) -> datetime | None:
    """The first format that reads `value`, as UTC; None when none does."""
    value = value.strip()
    for pattern in formats:
        try:
            return istanbul_to_utc(datetime.strptime(value, pattern))
        except ValueError:
            continue
    return None


def tracking_number(raw: str) -> str | None:
    """The carrier's spelling of a parcel as Kargo stores it, or None for what can be
    no parcel Kargo asked about (Kargo only asks with canonical numbers): that
    shipment is left out, its neighbours in the answer are not."""
    try:
        return canonical_tracking_number(raw)
    except ValueError:
        return None


def clean(value: str | None) -> str | None:
    """Text worth keeping, or None."""
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None
