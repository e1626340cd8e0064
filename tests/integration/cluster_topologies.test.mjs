// Sessions on Redis Sentinel and Redis Cluster, through nginx with 3 mcpxx-demo replicas:
// a primary killed under traffic (Sentinel) and a slot migrated while a session is in use
// (Cluster). Acknowledged sessions are never lost.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from '../node/node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js';
import { StreamableHTTPClientTransport } from '../node/node_modules/@modelcontextprotocol/sdk/dist/esm/client/streamableHttp.js';
import { startCluster } from './lib/cluster.mjs';

const run = promisify(execFile);
const cli = async (port, ...args) =>
  (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args.map(String)])).stdout.trim();
const sessionKey = (id) => `mcpxx:mcp-session-{${id}}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The slot of `key` (or channel), the Cluster's primaries ({id, port, slots}), the one
// serving the slot and another one to move it to.
async function slotOwners(seed, key) {
  const slot = Number(await cli(seed, 'CLUSTER', 'KEYSLOT', key));
  const nodes = (await cli(seed, 'CLUSTER', 'NODES')).split('\n').map((l) => l.split(' '));
  const masters = nodes.filter((n) => n[2].includes('master')).map((n) => ({
    id: n[0],
    port: Number(n[1].split(':')[1].split('@')[0]),
    slots: n.slice(8),
  }));
  const owns = (m) => m.slots.some((r) => {
    const [a, b] = r.split('-').map(Number);
    return slot >= a && slot <= (b ?? a);
  });
  const source = masters.find(owns);
  return { slot, masters, source, target: masters.find((m) => m !== source) };
}

const jsonHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

async function initialize(url) {
  const res = await fetch(url, {
    method: 'POST',
    headers: jsonHeaders,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'load', version: '1' } } }),
    signal: AbortSignal.timeout(5000),
  });
  await res.text();
  return res.status === 200 ? res.headers.get('mcp-session-id') : null;
}

async function callTool(url, sessionId) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...jsonHeaders, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'query_users', arguments: { limit: 1 } } }),
    signal: AbortSignal.timeout(5000),
  });
  await res.text();
  return res.status;
}

async function sdkClient(url) {
  const transport = new StreamableHTTPClientTransport(new URL(url), { reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1 } });
  const client = new Client({ name: 'topology-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

describe('Sentinel: the Redis primary is killed under traffic', () => {
  let cluster;
  before(async () => {
    cluster = await startCluster({ replicas: 3, redis: 'sentinel', bin: 'mcpxx-demo' });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('acknowledged sessions survive the failover, and service recovers by itself', async (t) => {
    const primary = cluster.redis.ports[0];
    assert.match(await cli(primary, 'ROLE'), /^master/);
    // The replicas learn that the primary has a replica (sessions then wait for WAIT 1).
    await sleep(500);
    const acknowledged = [];
    let killedAt = 0;
    let firstFailureAt = 0;  // after the kill
    let recoveredAt = 0;     // the first success after that failure
    let failures = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        try {
          const id = await initialize(cluster.url);
          if (!id) throw new Error('initialize refused');
          acknowledged.push(id);
          if (firstFailureAt && !recoveredAt) recoveredAt = Date.now();
        } catch {
          failures++;
          if (killedAt && !firstFailureAt) firstFailureAt = Date.now();
          await sleep(50);
        }
      }
    };
    const workers = [worker(), worker(), worker()];
    await sleep(1000);
    const before = acknowledged.length;
    assert.ok(before > 10, `only ${before} sessions before the kill`);
    await cluster.redisTopology('kill', primary);
    killedAt = Date.now();
    // Traffic goes on until new sessions are acknowledged again (or 30 s pass).
    const deadline = Date.now() + 30_000;
    while (!recoveredAt && Date.now() < deadline) await sleep(100);
    await sleep(1000);
    stop = true;
    await Promise.all(workers);
    assert.ok(firstFailureAt, 'no request failed after the kill: was the primary killed?');
    assert.ok(recoveredAt, 'no session was acknowledged within 30 s of the kill');
    const recovery = recoveredAt - killedAt;
    t.diagnostic(`recovered ${recovery} ms after SIGKILL of the primary (first failure after ${firstFailureAt - killedAt} ms); ${failures} requests failed meanwhile; ${acknowledged.length} sessions acknowledged`);
    assert.ok(recovery < 20_000, `recovery took ${recovery} ms`);

    // Every acknowledged session is on the new primary, and usable through any replica.
    const sentinelSays = async () => Number((await run('redis-cli', ['-h', '127.0.0.1', '-p', String(cluster.redis.ports[2]), 'SENTINEL', 'get-master-addr-by-name', 'mymaster'])).stdout.trim().split('\n')[1]);
    const newPrimary = await sentinelSays();
    assert.notEqual(newPrimary, primary);
    // One redis-cli for all of them: commands on stdin, one reply per line.
    const exists = await new Promise((resolve, reject) => {
      const child = execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(newPrimary)], (err, stdout) =>
        (err ? reject(err) : resolve(stdout.trim().split('\n'))));
      child.stdin.end(acknowledged.map((id) => `EXISTS ${sessionKey(id)}\n`).join(''));
    });
    const missing = acknowledged.filter((id, i) => exists[i] !== '1');
    assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged sessions lost`);
    for (const id of acknowledged.slice(0, 20)) assert.equal(await callTool(cluster.url, id), 200);
  });
});

describe('Cluster: sessions spread over the primaries, a slot migrates during use', () => {
  let cluster;
  before(async () => {
    cluster = await startCluster({ replicas: 3, redis: 'cluster', bin: 'mcpxx-demo' });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('keys of different sessions live on at least two primaries', async () => {
    const ids = [];
    for (let i = 0; i < 12; i++) ids.push(await initialize(cluster.url));
    assert.ok(ids.every(Boolean));
    const owners = new Set();
    for (const port of cluster.redis.ports.slice(0, 3)) {
      const keys = (await cli(port, 'KEYS', 'mcpxx:mcp-session-*')).split('\n').filter(Boolean);
      if (keys.length) owners.add(port);
    }
    assert.ok(owners.size >= 2, `all sessions on ${[...owners]}`);
    for (const id of ids) assert.equal(await callTool(cluster.url, id), 200);
  });

  test("a session keeps working while its slot migrates to another primary", async () => {
    const { client, transport } = await sdkClient(cluster.url);
    const id = transport.sessionId;
    const key = sessionKey(id);
    const { slot, masters, source, target } = await slotOwners(cluster.redis.ports[0], key);
    assert.equal(await cli(source.port, 'EXISTS', key), '1');

    const use = async (level) => {
      await client.setLoggingLevel(level);  // a write: goes to Redis whatever the caches hold
      const r = await client.callTool({ name: 'query_users', arguments: { limit: 1 } });
      assert.equal(r.structuredContent.users.length, 1);
      // Fresh sessions too, so that loads (not only writes) cross the migration.
      const other = await initialize(cluster.url);
      assert.ok(other);
      for (let i = 0; i < 3; i++) assert.equal(await callTool(cluster.url, other), 200);
    };

    await use('info');
    assert.equal(await cli(target.port, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id), 'OK');
    assert.equal(await cli(source.port, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id), 'OK');
    await use('warning');
    assert.equal(await cli(source.port, 'MIGRATE', '127.0.0.1', target.port, '', 0, 5000, 'KEYS', key), 'OK');
    await use('error');  // the key is on the target now: ASK redirections
    for (const m of masters) await cli(m.port, 'CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
    await use('debug');  // the slot belongs to the target: MOVED, then a new slot map
    assert.equal(await cli(target.port, 'EXISTS', key), '1');
    assert.equal(await cli(target.port, 'HGET', key, 'log_level'), 'debug');

    await transport.terminateSession();
    await client.close();
    for (const replica of cluster.replicas) {
      const status = await callTool(replica.url, id);
      assert.equal(status, 404, `replica ${replica.port}`);
    }
  });

  // Sharded pub/sub: a channel lives on the primary of its slot. Moving the slot of the
  // session-invalidation channel makes Redis drop its subscribers there; every replica must
  // subscribe again on the new owner, and invalidations must keep arriving.
  test('a sharded channel whose slot migrates is followed by every replica', async () => {
    const channel = 'mcpxx:session-invalidate';
    const { slot, masters, source, target } = await slotOwners(cluster.redis.ports[0], channel);
    const subscribers = async (port) => Number((await cli(port, 'PUBSUB', 'SHARDNUMSUB', channel)).split('\n')[1]);
    assert.equal(await subscribers(source.port), 3, 'every replica listens on the owner');

    assert.equal(await cli(target.port, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id), 'OK');
    assert.equal(await cli(source.port, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id), 'OK');
    for (const key of (await cli(source.port, 'CLUSTER', 'GETKEYSINSLOT', slot, 1000)).split('\n').filter(Boolean))
      await cli(source.port, 'MIGRATE', '127.0.0.1', target.port, key, 0, 5000);
    for (const m of masters) await cli(m.port, 'CLUSTER', 'SETSLOT', slot, 'NODE', target.id);

    const deadline = Date.now() + 5000;
    while (await subscribers(target.port) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await subscribers(target.port), 3, 'every replica follows the channel to its new owner');
    assert.equal(await subscribers(source.port), 0);

    // And invalidations flow: a session used on every replica, deleted through one.
    const id = await initialize(cluster.url);
    for (const replica of cluster.replicas) assert.equal(await callTool(replica.url, id), 200);
    const del = await fetch(cluster.replicas[0].url, { method: 'DELETE', headers: { 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' } });
    assert.equal(del.status, 200);
    for (const replica of cluster.replicas.slice(1)) {
      let status;
      const until = Date.now() + 200;
      do status = await callTool(replica.url, id); while (status !== 404 && Date.now() < until);
      assert.equal(status, 404, `replica ${replica.port}`);
    }
  });
});
