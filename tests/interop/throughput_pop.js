#!/usr/bin/env node
// Throughput of the OFFICIAL Node RPC client (@alicloud/pop-core, pinned in node/package-lock.json)
// against an emulator, for the throughput driver (tests/benches/throughput.rs).
//
//   node throughput_pop.js --modules DIR/node_modules --endpoint http://127.0.0.1:PORT \
//       --signature v1 --concurrency C --n N [--warm-up W]
//
// Makes W warm-up calls, then N CreateRestoreTask calls (POST, parameters in a form body), C in
// flight at once on one event loop (one RPCClient, as a Node application would share it), each
// with a fresh ClientToken: the same call as the driver's own client makes. Prints one JSON line:
//   {"calls_per_s", "p50_ms", "p99_ms", "n", "cpu_us_per_call"} (this process's CPU time
// during the N calls, per call)
// pop-core signs with HMAC-SHA1 (SignatureVersion 1.0) only, and does not retry. Any call that
// fails stops the run (exit 1).
'use strict';

const crypto = require('crypto');
const path = require('path');

function args(argv) {
  const out = {};
  for (let i = 2; i < argv.length; i += 2) {
    out[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  return out;
}

// The README's restore of the demo MySQL plan, as the driver's own client sends it.
const PARAMS = {
  BackupPlanId: 'dbsdemomysql01',
  RestoreTaskName: 'bench',
  DestinationEndpointInstanceType: 'RDS',
  DestinationEndpointRegion: 'cn-hangzhou',
  DestinationEndpointInstanceID: 'rm-bp1p8c29bench',
  DestinationEndpointUserName: 'restore_user',
  DestinationEndpointPassword: 'bench-Pa55word',
  RestoreObjects: '[{"DBName":"orders","NewDBName":"orders_restored"}]',
};

async function call(client) {
  const params = Object.assign({}, PARAMS, { ClientToken: crypto.randomUUID() });
  const body = await client.request('CreateRestoreTask', params, {
    method: 'POST',
    timeout: 10000,
    formatParams: false,
  });
  if (!body || !body.RestoreTaskId) {
    throw new Error(`CreateRestoreTask did not succeed: ${JSON.stringify(body)}`);
  }
}

async function main() {
  const a = args(process.argv);
  const url = new URL(a.endpoint);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error(`refusing non-loopback endpoint ${a.endpoint}`);
  }
  if (a.signature !== 'v1') {
    throw new Error('pop-core signs with HMAC-SHA1 (v1) only');
  }
  const n = Number(a.n);
  const concurrency = Number(a.concurrency);
  const warmUp = Number(a['warm-up'] || 0);
  if (!(n >= 1) || !(concurrency >= 1)) {
    throw new Error('--n and --concurrency must be at least 1');
  }
  const { RPCClient } = require(path.join(path.resolve(a.modules), '@alicloud', 'pop-core'));
  const client = new RPCClient({
    accessKeyId: 'testid',
    accessKeySecret: 'testsecret',
    endpoint: a.endpoint.replace(/\/$/, ''),
    apiVersion: '2019-03-06',
  });
  for (let i = 0; i < warmUp; i++) {
    await call(client);
  }
  let taken = 0;
  const latencies = [];
  async function worker() {
    while (taken < n) {
      taken += 1;
      const at = process.hrtime.bigint();
      await call(client);
      latencies.push(Number(process.hrtime.bigint() - at) / 1e6);
    }
  }
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStarted);
  latencies.sort((x, y) => x - y);
  const at = (q) => latencies[Math.min(Math.max(Math.ceil(latencies.length * q), 1), latencies.length) - 1];
  process.stdout.write(JSON.stringify({
    calls_per_s: latencies.length / elapsedS,
    p50_ms: at(0.5),
    p99_ms: at(0.99),
    n: latencies.length,
    cpu_us_per_call: (cpu.user + cpu.system) / latencies.length,
  }) + '\n');
}

main().then(() => process.exit(0), (e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
