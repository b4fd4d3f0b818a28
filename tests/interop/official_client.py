#!/usr/bin/env python3
"""Calls DBS operations with the OFFICIAL Python SDK (alibabacloud_dbs20190306 on
alibabacloud_tea_openapi), for tests/tests/interop.rs.

    official_client.py --endpoint 127.0.0.1:PORT < calls.jsonl

One JSON line per call on stdin:
    {"id": .., "sig": "v3" | "v1", "access_key_id": "testid", "access_key_secret": "...",
     "action": "CreateRestoreTask", "typed": false,
     "params": {"BackupPlanId": ..., "DestinationEndpointPort": 3306, ...}}
("action" defaults to CreateRestoreTask) and one JSON line per call on stdout, same "id":
    {"id", "raised": false, "status_code", "body": {...},        the SDK returned: its
     "wire_body": {...}}                                           response model's to_map(),
                                                                   and the JSON it received
    {"id", "raised": true, "exception", "exception_module", "code", "status_code", "message",
     "data"}                                                       it raised
    {"id", "refused": "..."}                                       the call was not made: the
                                                                   SDK has no such operation,
                                                                   or its request model drops a
                                                                   parameter or types it otherwise

The SDK method of an action is the `*_with_options` method whose source names it
(`action = 'DescribeDLAService'`), not a guess at the SDK's snake_case; its request model is
`<Action>Request` (InitializeDbsServiceLinkedRole has none and takes no parameters). With
"typed": true (default false: the SDK str()s whatever it is given, and today's callers send
strings) each value must have the Python type the model's constructor declares (int, bool,
str), so a caller that sends an int64 as a string, or a boolean as "true", is told so.

"v3" is the SDK's default (ACS3-HMAC-SHA256); "v1" sets Config.signature_algorithm = 'v2',
the SDK's switch to HMAC-SHA1 (SignatureVersion=1.0). The SDK does not retry by default, so
each call is exactly one request. Only loopback endpoints are accepted.
"""
import argparse
import inspect
import json
import os
import re
import sys

for _name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_name, None)

from alibabacloud_dbs20190306 import models as dbs_models  # noqa: E402
from alibabacloud_dbs20190306.client import Client  # noqa: E402
from alibabacloud_tea_openapi.models import Config  # noqa: E402
from darabonba.runtime import RuntimeOptions  # noqa: E402


ACTION_IN_SOURCE = re.compile(r"action\s*=\s*'([A-Za-z0-9]+)'")
SCALARS = {"int": int, "bool": bool, "str": str, "float": float}


def sdk_methods():
    """Action name -> unbound `*_with_options` method, read from each method's source."""
    methods = {}
    for name, method in inspect.getmembers(Client, inspect.isfunction):
        if not name.endswith("_with_options"):
            continue
        found = ACTION_IN_SOURCE.findall(inspect.getsource(method))
        if len(found) == 1:
            methods[found[0]] = method
    return methods


def declared_types(model_class):
    """Attribute name -> the Python type its constructor declares (when a plain scalar)."""
    out = {}
    for name, param in inspect.signature(model_class.__init__).parameters.items():
        annotation = param.annotation
        if isinstance(annotation, str):
            annotation = SCALARS.get(annotation)
        if annotation in SCALARS.values():
            out[name] = annotation
    return out


def build_request(action, params, typed):
    """The SDK's request model for `params`, or the reason it cannot carry them as given
    (with `typed`, also a value whose Python type is not the one the model declares)."""
    model_class = getattr(dbs_models, f"{action}Request", None)
    if model_class is None:
        if params:
            return None, f"the SDK has no request model for {action} but parameters were given"
        return None, None
    request = model_class().from_map(params)
    ignored = sorted(set(params) - set(request.to_map()))
    if ignored:
        return None, f"the SDK's request model drops {ignored}"
    if not typed:
        return request, None
    types = declared_types(model_class)
    wrong = []
    for wire, value in params.items():
        # The attribute from_map filled for this wire name alone.
        single = model_class().from_map({wire: value})
        attrs = [k for k, v in vars(single).items() if v is not None]
        expected = types.get(attrs[0]) if len(attrs) == 1 else None
        # bool is an int in Python: compare exact types.
        if expected is not None and type(value) is not expected:
            wrong.append(f"{wire}: the model declares {expected.__name__}, "
                         f"got {type(value).__name__} {value!r}")
    if wrong:
        return None, "the SDK's request model types parameters otherwise: " + "; ".join(wrong)
    return request, None


def call(endpoint, methods, spec):
    config = Config(
        access_key_id=spec.get("access_key_id", "testid"),
        access_key_secret=spec["access_key_secret"],
        endpoint=endpoint,
        protocol="http",
        region_id="cn-hangzhou",
        connect_timeout=5000,
        read_timeout=10000,
        no_proxy="127.0.0.1,localhost",
    )
    if spec["sig"] == "v1":
        config.signature_algorithm = "v2"
    elif spec["sig"] != "v3":
        raise ValueError(f"sig must be v1 or v3, not {spec['sig']!r}")
    action = spec.get("action", "CreateRestoreTask")
    method = methods.get(action)
    if method is None:
        return {"refused": f"the SDK has no method for the action {action!r}"}
    params = spec.get("params", {})
    request, refused = build_request(action, params, spec.get("typed", False))
    if refused:
        return {"refused": refused}
    client = Client(config)
    # Keep the JSON the SDK received, before its response model reads it.
    received = {}
    call_api = client.call_api

    def recording_call_api(*a, **kw):
        answer = call_api(*a, **kw)
        received["body"] = answer.get("body") if isinstance(answer, dict) else None
        return answer

    client.call_api = recording_call_api
    args = (request, RuntimeOptions()) if request is not None else (RuntimeOptions(),)
    try:
        resp = method(client, *args)
    except Exception as exc:  # whatever the SDK raises is the result under test
        return {"raised": True,
                "exception": type(exc).__name__,
                "exception_module": type(exc).__module__,
                "code": getattr(exc, "code", None),
                "status_code": getattr(exc, "status_code", None),
                "message": getattr(exc, "message", str(exc)),
                "data": getattr(exc, "data", None)}
    return {"raised": False, "status_code": resp.status_code,
            "body": resp.body.to_map() if resp.body is not None else None,
            "wire_body": received.get("body")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True, help="127.0.0.1:PORT")
    args = ap.parse_args()
    host = args.endpoint.rsplit(":", 1)[0]
    if host not in ("127.0.0.1", "localhost", "[::1]"):
        sys.exit(f"refusing non-loopback endpoint {args.endpoint!r}")
    methods = sdk_methods()
    for line in sys.stdin:
        if not line.strip():
            continue
        spec = json.loads(line)
        out = {"id": spec.get("id")}
        out.update(call(args.endpoint, methods, spec))
        sys.stdout.write(json.dumps(out, ensure_ascii=False, default=repr) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
