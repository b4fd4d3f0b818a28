#!/usr/bin/env python3
"""Gets temporary credentials from the emulator with the OFFICIAL credential library
(alibabacloud_credentials, its provider/ classes), then calls CreateRestoreTask with them
through the OFFICIAL DBS SDK (alibabacloud_dbs20190306), for tests/tests/interop.rs.

    official_credentials.py --endpoint 127.0.0.1:PORT < calls.jsonl

One JSON line per call on stdin:
    {"id": .., "provider": "uri" | "ecs" | "ram_role_arn" | "oidc", "sig": "v3" | "v1",
     "params": {CreateRestoreTask parameters},
     "role_arn": .., "oidc_provider_arn": .., "oidc_token_file": ..}   (as the provider needs)
and one JSON line per call on stdout, same "id":
    {"id", "provider_name", "access_key_id_prefix", "has_security_token", "expiration",
     "raised": false, "status_code", "body": {...}}
    {"id", "stage": "credentials" | "call", "raised": true, "exception", "message"}
The secret and the token are never written out.

How each provider reaches the emulator:
- "uri": natively. ALIBABA_CLOUD_CREDENTIALS_URI=http://127.0.0.1:PORT/credentials-uri is set
  before the library is imported (it reads the environment at import), and
  URLCredentialsProvider() takes it from there.
- "ecs", "ram_role_arn", "oidc": these providers build their own requests: the ECS one to the
  fixed metadata address 100.100.100.200 over http port 80, the STS ones to sts_endpoint over
  https (hard-coded). The library offers no way to point them at http://127.0.0.1:PORT, so this
  TEST SCRIPT monkeypatches Tea's TeaCore.do_action (which all of them send through): a request
  for 100.100.100.200 or 127.0.0.1 without a port is sent to 127.0.0.1:PORT over http instead.
  Any other host is refused before anything is sent, so nothing leaves the machine, the
  metadata address included. The providers' own logic (IMDSv2 token, role list, V1 signature
  of AssumeRole, anonymous AssumeRoleWithOIDC, parsing of the answers) runs unchanged.
"""
import argparse
import json
import os
import sys

for _name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_name, None)

METADATA_HOST = "100.100.100.200"
LOOPBACK = "127.0.0.1"


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True, help="127.0.0.1:PORT")
    args = ap.parse_args()
    host, _, port = args.endpoint.rpartition(":")
    if host != LOOPBACK or not port.isdigit():
        sys.exit(f"refusing non-loopback endpoint {args.endpoint!r}")
    return args.endpoint, int(port)


ENDPOINT, PORT = parse_args()
# Read by the library at import: set first.
os.environ["ALIBABA_CLOUD_CREDENTIALS_URI"] = f"http://{ENDPOINT}/credentials-uri?source=interop"
for _name in ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "ALIBABA_CLOUD_IMDSV1_DISABLED"):
    os.environ.pop(_name, None)

from Tea.core import TeaCore  # noqa: E402
from alibabacloud_credentials.provider import (  # noqa: E402
    EcsRamRoleCredentialsProvider,
    OIDCRoleArnCredentialsProvider,
    RamRoleArnCredentialsProvider,
    URLCredentialsProvider,
)
from alibabacloud_dbs20190306 import models as dbs_models  # noqa: E402
from alibabacloud_dbs20190306.client import Client  # noqa: E402
from alibabacloud_tea_openapi.models import Config  # noqa: E402
from darabonba.runtime import RuntimeOptions  # noqa: E402


def to_loopback(request):
    """Sends a provider's request to the emulator (see the module docstring), or refuses it."""
    host = request.headers.get("host")
    if host in (METADATA_HOST, LOOPBACK) and request.port in (None, 80, 443):
        request.headers["host"] = LOOPBACK
        request.port = PORT
        request.protocol = "http"
    if request.headers.get("host") != LOOPBACK:
        raise RuntimeError(f"refusing to send to {host!r}: tests talk to 127.0.0.1 only")


_do_action = TeaCore.do_action


def _loopback_do_action(request, runtime_option=None):
    to_loopback(request)
    return _do_action(request, runtime_option)


TeaCore.do_action = staticmethod(_loopback_do_action)


def provider_for(spec):
    kind = spec["provider"]
    if kind == "uri":
        return URLCredentialsProvider()
    if kind == "ecs":
        # No role name: the provider reads the role list first, as on an instance.
        return EcsRamRoleCredentialsProvider(async_update_enabled=False)
    if kind == "ram_role_arn":
        return RamRoleArnCredentialsProvider(
            access_key_id=spec.get("access_key_id", "testid"),
            access_key_secret=spec.get("access_key_secret", "testsecret"),
            role_arn=spec["role_arn"],
            role_session_name="interop-ram-role-arn",
            sts_endpoint=LOOPBACK,
        )
    if kind == "oidc":
        return OIDCRoleArnCredentialsProvider(
            role_arn=spec["role_arn"],
            oidc_provider_arn=spec["oidc_provider_arn"],
            oidc_token_file_path=spec["oidc_token_file"],
            role_session_name="interop-oidc",
            sts_endpoint=LOOPBACK,
        )
    raise ValueError(f"unknown provider {kind!r}")


def call(spec):
    try:
        credentials = provider_for(spec).get_credentials()
    except Exception as exc:  # what the library raises is the result under test
        return {"stage": "credentials", "raised": True, "exception": type(exc).__name__,
                "message": str(exc)}
    out = {
        "provider_name": credentials.get_provider_name(),
        "access_key_id_prefix": credentials.get_access_key_id()[:4],
        "has_security_token": bool(credentials.get_security_token()),
        "expiration": credentials.get_expiration(),
    }
    config = Config(
        access_key_id=credentials.get_access_key_id(),
        access_key_secret=credentials.get_access_key_secret(),
        security_token=credentials.get_security_token(),
        endpoint=ENDPOINT,
        protocol="http",
        region_id="cn-hangzhou",
        connect_timeout=5000,
        read_timeout=10000,
        no_proxy="127.0.0.1,localhost",
    )
    if spec.get("sig") == "v1":
        config.signature_algorithm = "v2"
    client = Client(config)
    request = dbs_models.CreateRestoreTaskRequest().from_map(spec["params"])
    try:
        resp = client.create_restore_task_with_options(request, RuntimeOptions())
    except Exception as exc:
        out.update({"stage": "call", "raised": True, "exception": type(exc).__name__,
                    "code": getattr(exc, "code", None),
                    "message": getattr(exc, "message", str(exc))})
        return out
    out.update({"raised": False, "status_code": resp.status_code,
                "body": resp.body.to_map() if resp.body is not None else None})
    return out


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        spec = json.loads(line)
        out = {"id": spec.get("id")}
        out.update(call(spec))
        sys.stdout.write(json.dumps(out, ensure_ascii=False, default=repr) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
