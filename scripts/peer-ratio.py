#!/usr/bin/env python3
"""Side by side: the official Alibaba Cloud Python SDK's signer against ours, same request.

Times, for the reference page's CreateRestoreTask example, the official tea-openapi functions
that sign a request (V1: Utils.get_rpcsignature over the stringified parameters; V3: Utils.hash of
the form body + Utils.get_authorization) and our whole preparation (build + validate + serialize
+ sign, from `cargo bench -p dbs-bench --bench request`), and prints the ratio.

Run from the repository root after the interop tests have created the venv:
    cargo test -p dbs-tests --test interop      # once: target/interop-venv
    target/interop-venv/bin/python scripts/peer-ratio.py
"""

import re
import subprocess
import sys
import timeit
from urllib.parse import quote

try:
    from alibabacloud_tea_openapi import utils as tea
    from darabonba.request import DaraRequest
except ImportError:
    sys.exit("run with target/interop-venv/bin/python (created by `cargo test -p dbs-tests --test interop`)")

PARAMS = {
    "BackupPlanId": "dbs1hvb0ww****",
    "DestinationEndpointInstanceType": "RDS",
    "DestinationEndpointRegion": "cn-hangzhou",
    "DestinationEndpointInstanceID": "rm-bp1p8c29*****",
    "DestinationEndpointPort": 3306,
    "DestinationEndpointDatabaseName": "test",
    "DestinationEndpointUserName": "test",
    "DestinationEndpointPassword": "Test",
    "RestoreObjects": '[{"DBName":"test","NewDBName":"test_new"}]',
    "RestoreTime": 1554560477000,
    "RestoreTaskName": "test",
    "DuplicateConflict": "renamenew",
    "ClientToken": "ETnLKlblzczshOTUbOC********",
}
COMMON = {
    "Action": "CreateRestoreTask", "Version": "2019-03-06", "Format": "JSON",
    "AccessKeyId": "testid", "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
    "SignatureNonce": "629be45f101c36e7fb7e405b7556b95b", "Timestamp": "2026-11-29T13:09:06Z",
}


def official_v1():
    signed = dict(COMMON)
    signed.update(tea.Utils.query(PARAMS))
    return tea.Utils.get_rpcsignature(signed, "POST", "testsecret")


def official_v3():
    body = "&".join(f"{quote(k, safe='~')}={quote(str(v), safe='~')}" for k, v in PARAMS.items())
    payload = tea.Utils.hex_encode(tea.Utils.hash(body.encode(), "ACS3-HMAC-SHA256"))
    req = DaraRequest()
    req.method, req.pathname, req.query = "POST", "/", {}
    req.headers = {
        "host": "dbs-api.cn-hangzhou.aliyuncs.com", "x-acs-action": "CreateRestoreTask",
        "x-acs-version": "2019-03-06", "x-acs-date": "2026-11-29T13:09:06Z",
        "x-acs-signature-nonce": "629be45f101c36e7fb7e405b7556b95b",
        "x-acs-content-sha256": payload, "content-type": "application/x-www-form-urlencoded",
    }
    return tea.Utils.get_authorization(req, "ACS3-HMAC-SHA256", payload, "testid", "testsecret")


def python_us(fn):
    runs, total = timeit.Timer(fn).autorange()
    best = min(timeit.repeat(fn, number=runs, repeat=5))
    return best / runs * 1e6


def ours_us():
    out = subprocess.run(
        ["cargo", "bench", "-q", "-p", "dbs-api", "--bench", "request", "--",
         "--warm-up-time", "1", "--measurement-time", "3", "prepare/full"],
        check=True, capture_output=True, text=True).stdout
    units = {"ns": 1e-3, "µs": 1.0, "us": 1.0, "ms": 1e3}
    found = {}
    for name, value, unit in re.findall(r"prepare/full_(v[13])\s+time:\s+\[\S+ \S+ (\S+) (\S+)", out):
        found[name] = float(value) * units[unit]
    return found


def main():
    ours = ours_us()
    print(f"{'':34} {'official (Python)':>18} {'dbs (Rust)':>12} {'ratio':>8}")
    for name, fn in (("v1", official_v1), ("v3", official_v3)):
        theirs = python_us(fn)
        print(f"sign CreateRestoreTask {name:<11} {theirs:>15.2f} µs {ours[name]:>9.2f} µs {theirs / ours[name]:>7.1f}×")
    print("(ours includes building and validating the input; theirs is signing alone)")


if __name__ == "__main__":
    main()
