#!/usr/bin/env python3
"""Calls CreateRestoreTask with the OFFICIAL Python SDK (alibabacloud_dbs20190306 on
alibabacloud_tea_openapi), for tests/tests/interop.rs.

    official_client.py --endpoint 127.0.0.1:PORT < calls.jsonl

One JSON line per call on stdin:
    {"id": .., "sig": "v3" | "v1", "access_key_id": "testid", "access_key_secret": "...",
     "params": {"BackupPlanId": ..., "DestinationEndpointPort": 3306, ...}}
and one JSON line per call on stdout, same "id":
    {"id", "raised": false, "status_code", "body": {...}}        the SDK returned
    {"id", "raised": true, "exception", "exception_module", "code", "status_code", "message",
     "data"}                                                       it raised

"v3" is the SDK's default (ACS3-HMAC-SHA256); "v1" sets Config.signature_algorithm = 'v2',
the SDK's switch to HMAC-SHA1 (SignatureVersion=1.0). The SDK does not retry by default, so
each call is exactly one request. Only loopback endpoints are accepted.
"""
import argparse
import json
import os
import sys

for _name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_name, None)

from alibabacloud_dbs20190306 import models as dbs_models  # noqa: E402
from alibabacloud_dbs20190306.client import Client  # noqa: E402
from alibabacloud_tea_openapi.models import Config  # noqa: E402
from darabonba.runtime import RuntimeOptions  # noqa: E402


def call(endpoint, spec):
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
    client = Client(config)
    request = dbs_models.CreateRestoreTaskRequest().from_map(spec["params"])
    ignored = sorted(set(spec["params"]) - set(request.to_map()))
    if ignored:
        raise ValueError(f"the SDK's request model drops {ignored}")
    try:
        resp = client.create_restore_task_with_options(request, RuntimeOptions())
    except Exception as exc:  # whatever the SDK raises is the result under test
        return {"raised": True,
                "exception": type(exc).__name__,
                "exception_module": type(exc).__module__,
                "code": getattr(exc, "code", None),
                "status_code": getattr(exc, "status_code", None),
                "message": getattr(exc, "message", str(exc)),
                "data": getattr(exc, "data", None)}
    return {"raised": False, "status_code": resp.status_code,
            "body": resp.body.to_map() if resp.body is not None else None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True, help="127.0.0.1:PORT")
    args = ap.parse_args()
    host = args.endpoint.rsplit(":", 1)[0]
    if host not in ("127.0.0.1", "localhost", "[::1]"):
        sys.exit(f"refusing non-loopback endpoint {args.endpoint!r}")
    for line in sys.stdin:
        if not line.strip():
            continue
        spec = json.loads(line)
        out = {"id": spec.get("id")}
        out.update(call(args.endpoint, spec))
        sys.stdout.write(json.dumps(out, ensure_ascii=False, default=repr) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
