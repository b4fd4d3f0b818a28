#!/usr/bin/env python3
"""Throughput of the OFFICIAL Python SDK (alibabacloud_dbs20190306 on alibabacloud_tea_openapi)
against an emulator, for the throughput driver (tests/benches/throughput.rs).

    throughput_official.py --endpoint 127.0.0.1:PORT --signature v1|v3 --concurrency C \
        --n N [--warm-up W]

Makes W warm-up calls, then N CreateRestoreTask calls, C at a time (C threads, each with its own
SDK client, as a threaded application would), each with a fresh ClientToken: the same call as
the driver's own client makes. Prints one JSON line:
    {"calls_per_s", "p50_ms", "p99_ms", "n", "cpu_us_per_call"}
(cpu_us_per_call: this process's CPU time during the N calls, every thread, per call).
Any call that fails stops the run (exit 1). "v3" is the SDK's default (ACS3-HMAC-SHA256); "v1"
sets Config.signature_algorithm = 'v2', the SDK's switch to HMAC-SHA1. The SDK does not retry by
default. Only loopback endpoints are accepted.
"""
import argparse
import itertools
import json
import math
import os
import sys
import threading
import time
import uuid

for _name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_name, None)

from alibabacloud_dbs20190306 import models as dbs_models  # noqa: E402
from alibabacloud_dbs20190306.client import Client  # noqa: E402
from alibabacloud_tea_openapi.models import Config  # noqa: E402
from darabonba.runtime import RuntimeOptions  # noqa: E402

# The README's restore of the demo MySQL plan, as the driver's own client sends it.
PARAMS = {
    "BackupPlanId": "dbsdemomysql01",
    "RestoreTaskName": "bench",
    "DestinationEndpointInstanceType": "RDS",
    "DestinationEndpointRegion": "cn-hangzhou",
    "DestinationEndpointInstanceID": "rm-bp1p8c29bench",
    "DestinationEndpointUserName": "restore_user",
    "DestinationEndpointPassword": "bench-Pa55word",
    "RestoreObjects": '[{"DBName":"orders","NewDBName":"orders_restored"}]',
}


def make_client(endpoint, signature):
    config = Config(
        access_key_id="testid",
        access_key_secret="testsecret",
        endpoint=endpoint,
        protocol="http",
        region_id="cn-hangzhou",
        connect_timeout=5000,
        read_timeout=10000,
        no_proxy="127.0.0.1,localhost",
    )
    if signature == "v1":
        config.signature_algorithm = "v2"
    return Client(config)


def call(client, runtime):
    params = dict(PARAMS, ClientToken=str(uuid.uuid4()))
    request = dbs_models.CreateRestoreTaskRequest().from_map(params)
    response = client.create_restore_task_with_options(request, runtime)
    body = response.body
    if response.status_code != 200 or body is None or not body.restore_task_id:
        raise RuntimeError(f"CreateRestoreTask did not succeed: {response.status_code} "
                           f"{body.to_map() if body is not None else None}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True, help="127.0.0.1:PORT")
    ap.add_argument("--signature", choices=("v1", "v3"), required=True)
    ap.add_argument("--concurrency", type=int, required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--warm-up", type=int, default=0)
    args = ap.parse_args()
    host = args.endpoint.rsplit(":", 1)[0]
    if host not in ("127.0.0.1", "localhost", "[::1]"):
        sys.exit(f"refusing non-loopback endpoint {args.endpoint!r}")
    if args.concurrency < 1 or args.n < 1:
        sys.exit("--concurrency and --n must be at least 1")

    clients = [make_client(args.endpoint, args.signature) for _ in range(args.concurrency)]
    runtime = RuntimeOptions()
    for i in range(args.warm_up):
        call(clients[i % len(clients)], runtime)

    # next() on an itertools.count is atomic under the GIL: each call is taken once.
    taken = itertools.count()
    latencies = [[] for _ in clients]
    failures = []

    def worker(index):
        client, mine = clients[index], latencies[index]
        try:
            while next(taken) < args.n and not failures:
                at = time.perf_counter()
                call(client, runtime)
                mine.append(time.perf_counter() - at)
        except Exception as exc:  # report the first failure and stop
            failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(clients))]
    started, cpu_started = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if failures:
        sys.exit(f"a call failed: {failures[0]}")

    all_latencies = sorted(itertools.chain.from_iterable(latencies))

    def at(q):
        index = min(max(math.ceil(len(all_latencies) * q), 1), len(all_latencies))
        return all_latencies[index - 1] * 1000.0

    print(json.dumps({"calls_per_s": len(all_latencies) / elapsed, "p50_ms": at(0.5),
                      "p99_ms": at(0.99), "n": len(all_latencies),
                      "cpu_us_per_call": cpu * 1e6 / len(all_latencies)}))


if __name__ == "__main__":
    main()
