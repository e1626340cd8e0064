// Smoke test of scripts/local-cluster: 3 replicas of mcpxx-demo behind nginx configured like
// the ingress (round robin, proxy_next_upstream error timeout), no Redis yet.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { modernHeaders, modernMeta } from '../node/lib/wire.mjs';
import { startCluster } from './lib/cluster.mjs';

// node:http so that every response header is visible as sent (X-Upstream-Addr from nginx).
function httpRequest(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on('error', reject);
    req.end(body);
  });
}

const discover = (url) => httpRequest(url, {
  method: 'POST',
  headers: modernHeaders('server/discover'),
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: modernMeta() } }),
});

// "127.0.0.1:A, 127.0.0.1:B" (B answered after A failed) -> [A, B]
const upstreamPorts = (res) => (res.headers['x-upstream-addr'] ?? '').split(',').map((a) => Number(a.trim().split(':').pop()));

function assertDiscovered(res) {
  assert.equal(res.status, 200, res.text);
  const json = JSON.parse(res.text);
  assert.ok(json.result?.supportedVersions?.includes('2026-07-28'), res.text);
}

let cluster;
before(async () => {
  cluster = await startCluster({ replicas: 3, redis: 'none', bin: 'mcpxx-demo' });
});
after(async () => {
  await cluster?.stop();
  await cluster?.stop();   // a second stop is a no-op
});

test('cluster.json describes nginx and 3 running replicas', () => {
  assert.match(cluster.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  assert.equal(cluster.replicas.length, 3);
  assert.equal(new Set(cluster.replicas.map((r) => r.port)).size, 3);
  assert.ok(cluster.replicas.every((r) => r.running && r.pid > 0));
  assert.equal(cluster.redis.topology, 'none');
  assert.match(cluster.stateKey, /^[0-9a-f]{64}$/);
});

test('nginx spreads modern requests over the replicas', async () => {
  const seen = new Set();
  for (let i = 0; i < 6; i++) {
    const res = await discover(cluster.url);
    assertDiscovered(res);
    const ports = upstreamPorts(res);
    assert.equal(ports.length, 1, `no failover expected: ${res.headers['x-upstream-addr']}`);
    seen.add(ports[0]);
  }
  assert.ok(seen.size >= 2, `only ${[...seen]} answered`);
  for (const port of seen) assert.ok(cluster.replicas.some((r) => r.port === port), `unknown upstream ${port}`);
});

test('GET /healthz answers through nginx', async () => {
  const res = await httpRequest(`${cluster.base}/healthz`);
  assert.equal(res.status, 200);
  assert.equal(res.text, 'ok\n');
  assert.ok(res.headers['x-upstream-addr']);
});

test('with one replica SIGKILLed, requests go to the others (next upstream)', async () => {
  const dead = cluster.replicas[1].port;
  const gone = await cluster.killReplica(1, 'SIGKILL');
  assert.equal(gone.running, false);
  let retried = 0;
  for (let i = 0; i < 9; i++) {
    const res = await discover(cluster.url);
    assertDiscovered(res);
    const ports = upstreamPorts(res);
    assert.notEqual(ports.at(-1), dead, `answered by the killed replica: ${res.headers['x-upstream-addr']}`);
    if (ports.length > 1) retried++;
  }
  assert.ok(retried > 0, 'the killed replica stays in rotation (max_fails=0), so some requests were retried');
});

test('a restarted replica is served again on its old port', async () => {
  const oldPort = cluster.replicas[1].port;
  const back = await cluster.restartReplica(1);
  assert.equal(back.port, oldPort);
  assert.ok(back.running);
  const seen = new Set();
  for (let i = 0; i < 6; i++) {
    const res = await discover(cluster.url);
    assertDiscovered(res);
    seen.add(upstreamPorts(res).at(-1));
  }
  assert.ok(seen.has(oldPort), `replica 1 (port ${oldPort}) got no request: ${[...seen]}`);
});
