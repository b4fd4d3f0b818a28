#!/usr/bin/env node
// Calls CreateRestoreTask with the OFFICIAL Node RPC client (@alicloud/pop-core, pinned in
// node/package-lock.json beside this file), for tests/tests/interop.rs.
//
//   node pop_client.js --endpoint http://127.0.0.1:PORT --modules DIR/node_modules < calls.jsonl
//
// One JSON line per call on stdin:
//   {"id": .., "method": "GET" | "POST", "access_key_secret": "...", "params": {...}}
// and one JSON line per call on stdout, same "id":
//   {"id", "threw": false, "status_code", "body"}                     pop-core returned
//   {"id", "threw": true, "name", "code", "message", "status_code", "data"}   it threw
//
// pop-core signs with HMAC-SHA1 (SignatureVersion 1.0) only. GET puts every parameter in the
// query; POST sends them all, Signature included, as a form body. It has no retries.
'use strict';

const fs = require('fs');
const path = require('path');

function args(argv) {
  const out = {};
  for (let i = 2; i < argv.length; i += 2) {
    out[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  return out;
}

async function call(RPCClient, endpoint, spec) {
  const client = new RPCClient({
    accessKeyId: spec.access_key_id || 'testid',
    accessKeySecret: spec.access_key_secret,
    endpoint,
    apiVersion: '2019-03-06',
  }, true);
  try {
    const [body, entry] = await client.request('CreateRestoreTask', spec.params, {
      method: spec.method,
      timeout: 10000,
      formatParams: false,
    });
    return { threw: false, status_code: entry.response.statusCode, body };
  } catch (err) {
    return {
      threw: true,
      name: err.name,
      code: err.code,
      message: err.message,
      status_code: err.entry && err.entry.response ? err.entry.response.statusCode : null,
      data: err.data === undefined ? null : err.data,
    };
  }
}

async function main() {
  const a = args(process.argv);
  const url = new URL(a.endpoint);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error(`refusing non-loopback endpoint ${a.endpoint}`);
  }
  const { RPCClient } = require(path.join(path.resolve(a.modules), '@alicloud', 'pop-core'));
  const endpoint = a.endpoint.replace(/\/$/, '');
  const lines = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l.trim());
  for (const line of lines) {
    const spec = JSON.parse(line);
    const out = Object.assign({ id: spec.id }, await call(RPCClient, endpoint, spec));
    process.stdout.write(JSON.stringify(out) + '\n');
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
