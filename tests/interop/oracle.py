#!/usr/bin/env python3
"""Signature oracle for tests/tests/interop.rs: recomputes signatures with the OFFICIAL SDKs.

Reads JSON lines on stdin, writes one JSON line per input line on stdout (same "id"), so one
process checks a whole corpus. Runs in the venv the Rust harness builds from
requirements.txt beside this file.

Input kinds:

  {"id": .., "kind": "capture", "method": "POST", "target": "/?...",
   "headers": [[name, value], ...], "body_b64": "...", "secret": "..."}
      A request as a server received it. V1 when the query carries Signature, V3 when an
      Authorization header is present. The oracle parses it itself (see below), recomputes the
      signature with the SDK functions and compares it with the one that was sent.

  {"id": .., "kind": "v1", "method": "GET", "params": {...}, "secret": "..."}
      Known-answer check: V1 string-to-sign and signature of the given (decoded) parameters.

  {"id": .., "kind": "v3", "method": "POST", "pathname": "/", "query": {...},
   "headers": {...}, "body": "...", "access_key_id": "...", "secret": "..."}
      Known-answer check: V3 Authorization of the given request (every header given is signed).

Parsing a captured request (the rules the official SDKs follow on the wire):
  * query and application/x-www-form-urlencoded body: urllib.parse.parse_qsl with blank values
    kept, '+' read as a space, UTF-8 strictly;
  * V1 signs the query parameters (minus Signature) merged with the body parameters; a name in
    both is an error;
  * V3 signs the query (not the body parameters), the headers its SignedHeaders lists, and the
    SHA-256 of the body bytes as sent, which x-acs-content-sha256 must repeat.

Official functions used (nothing here computes a signature by itself):
  * V1: alibabacloud_tea_openapi.utils.Utils.get_rpcsignature (what the DBS client calls), and
    aliyunsdkcore's rpc_signature_composer (string-to-sign and signature), which must agree;
  * V3: alibabacloud_tea_openapi.utils.Utils.get_authorization, Utils.hash; the canonical request
    shown is assembled from the same module's get_canonical_query_string and
    get_canonicalized_headers, and the string-to-sign shown is checked to be the one signed.
"""
import base64
import json
import sys
import traceback
from urllib.parse import parse_qsl

from alibabacloud_tea_openapi import utils as tea
from aliyunsdkcore.auth.composer import rpc_signature_composer as core_rpc
from darabonba.request import DaraRequest

V3_TYPE = "ACS3-HMAC-SHA256"
CONTENT_SHA = "x-acs-content-sha256"
FORM = "application/x-www-form-urlencoded"

# Module-level functions with leading double underscores are not name-mangled; fetch by name.
core_string_to_sign = getattr(core_rpc, "__compose_string_to_sign")
core_signature = getattr(core_rpc, "__get_signature")


class Bad(Exception):
    """The request cannot be checked as given."""


def parse_pairs(text, what):
    try:
        return parse_qsl(text, keep_blank_values=True, strict_parsing=False,
                         encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise Bad(f"{what} is not UTF-8 once percent-decoded: {exc}") from None


def to_map(pairs, what):
    out = {}
    for k, v in pairs:
        if k in out:
            raise Bad(f"{what}: parameter {k!r} given twice")
        out[k] = v
    return out


def v1_sign(method, params, secret):
    """Tea's signature, and sdk-core's string-to-sign and signature, for decoded params."""
    tea_sig = tea.Utils.get_rpcsignature(dict(params), method, secret)
    sts = core_string_to_sign(method, dict(params))
    core_sig = core_signature(sts, secret)
    return {"signature": tea_sig, "string_to_sign": sts, "core_signature": core_sig,
            "implementations_agree": tea_sig == core_sig}


def v3_sign(method, pathname, query, headers, payload_hex, ak, secret):
    req = DaraRequest()
    req.method = method
    req.pathname = pathname
    req.query = query
    req.headers = headers
    auth = tea.Utils.get_authorization(req, V3_TYPE, payload_hex, ak, secret)
    canon_headers, signed = tea.get_canonicalized_headers(headers)
    canonical = (f"{method}\n{pathname or '/'}\n{tea.get_canonical_query_string(query)}\n"
                 f"{canon_headers}\n{signed}\n{payload_hex}")
    sts = f"{V3_TYPE}\n{tea.Utils.hex_encode(tea.Utils.hash(canonical.encode('utf-8'), V3_TYPE))}"
    shown_is_signed = auth.endswith(
        "Signature=" + tea.Utils.hex_encode(tea.signature_method(secret, sts, V3_TYPE)))
    return {"authorization": auth, "canonical_request": canonical, "string_to_sign": sts,
            "shown_is_signed": shown_is_signed}


def parse_authorization(value):
    alg, _, rest = value.strip().partition(" ")
    fields = {}
    for part in rest.split(","):
        k, sep, v = part.strip().partition("=")
        if not sep or k in fields:
            raise Bad(f"malformed Authorization {value!r}")
        fields[k] = v
    if not {"Credential", "SignedHeaders", "Signature"} <= set(fields):
        raise Bad(f"Authorization lacks a part: {value!r}")
    signed = fields["SignedHeaders"].split(";") if fields["SignedHeaders"] else []
    return alg, fields["Credential"], signed


def check_capture(rec):
    method = rec["method"]
    target = rec["target"]
    path, _, raw_query = target.partition("?")
    headers = [(k, v) for k, v in rec["headers"]]
    body = base64.b64decode(rec.get("body_b64", ""))
    secret = rec["secret"]
    problems = []

    ctype = next((v for k, v in headers if k.lower() == "content-type"), "")
    body_pairs = []
    if body:
        if FORM not in ctype.lower():
            raise Bad(f"body with content-type {ctype!r}, expected {FORM}")
        try:
            body_text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Bad("form body is not UTF-8") from None
        body_pairs = parse_pairs(body_text, "body")
    query_pairs = parse_pairs(raw_query, "query")
    auths = [v for k, v in headers if k.lower() == "authorization"]
    out = {"id": rec["id"], "body_params": body_pairs}

    if auths:  # V3
        if len(auths) != 1:
            raise Bad("more than one Authorization header")
        alg, ak, signed = parse_authorization(auths[0])
        if alg != V3_TYPE:
            raise Bad(f"algorithm {alg!r}, expected {V3_TYPE}")
        if signed != sorted(set(signed)):
            problems.append(f"SignedHeaders not sorted and unique: {signed}")
        sent = {}
        for k, v in headers:
            if k.lower() in signed:
                if k.lower() in sent:
                    problems.append(f"signed header {k.lower()} sent twice")
                sent[k.lower()] = v
        for name in signed:
            if name not in sent:
                problems.append(f"signed header {name} was not sent")
        for k, _ in headers:
            low = k.lower()
            if low not in signed and (low in ("host", "content-type") or low.startswith("x-acs-")):
                problems.append(f"header {low} sent but not signed")
        payload = tea.Utils.hash(body, V3_TYPE).hex()
        if sent.get(CONTENT_SHA) != payload:
            problems.append(f"{CONTENT_SHA} is {sent.get(CONTENT_SHA)!r}, body hashes to {payload}")
        query = to_map(query_pairs, "query")
        res = v3_sign(method, path or "/", query, sent, payload, ak, secret)
        if not res["shown_is_signed"]:
            problems.append("oracle: the string-to-sign shown is not the one the SDK signed")
        out.update(scheme="v3", sent=auths[0], official=res["authorization"],
                   string_to_sign=res["string_to_sign"],
                   canonical_request=res["canonical_request"])
    else:  # V1
        query = to_map(query_pairs, "query")
        sent = query.pop("Signature", None)
        if sent is None:
            raise Bad("neither a Signature query parameter nor an Authorization header")
        params = dict(query)
        for k, v in body_pairs:
            if k in params:
                raise Bad(f"parameter {k!r} both in the query and in the body")
            params[k] = v
        res = v1_sign(method, params, secret)
        if not res["implementations_agree"]:
            problems.append(f"tea-openapi and aliyun-python-sdk-core disagree: "
                            f"{res['signature']} vs {res['core_signature']}")
        out.update(scheme="v1", sent=sent, official=res["signature"],
                   string_to_sign=res["string_to_sign"])
    out["problems"] = problems
    out["ok"] = out["sent"] == out["official"] and not problems
    return out


def handle(rec):
    kind = rec.get("kind")
    if kind == "capture":
        return check_capture(rec)
    if kind == "v1":
        res = v1_sign(rec["method"], rec["params"], rec["secret"])
        return {"id": rec["id"], **res}
    if kind == "v3":
        headers = dict(rec["headers"])
        payload = tea.Utils.hash(rec.get("body", "").encode("utf-8"), V3_TYPE).hex()
        headers.setdefault(CONTENT_SHA, payload)
        res = v3_sign(rec["method"], rec.get("pathname", "/"), rec.get("query", {}), headers,
                      payload, rec["access_key_id"], rec["secret"])
        return {"id": rec["id"], **res}
    raise Bad(f"unknown kind {kind!r}")


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        rec = json.loads(line)
        try:
            out = handle(rec)
        except Bad as exc:
            out = {"id": rec.get("id"), "ok": False, "error": str(exc)}
        except Exception:  # report, keep going: one bad record must not hide the others
            out = {"id": rec.get("id"), "ok": False, "error": traceback.format_exc()}
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
