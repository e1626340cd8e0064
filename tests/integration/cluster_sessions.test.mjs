// Any replica serves any request: 3 mcpxx-demo replicas with their sessions on Redis,
// behind nginx configured like the Kubernetes ingress (round robin, no affinity), driven
// by the official TypeScript SDK 1.x client. X-Upstream-Addr (set by nginx) tells which
// replica answered each request.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../node/node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js';
import { StreamableHTTPClientTransport } from '../node/node_modules/@modelcontextprotocol/sdk/dist/esm/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '../node/node_modules/@modelcontextprotocol/sdk/dist/esm/types.js';
import { mcpNameFor, modernHeaders, modernMeta, parseSse, sseMessages } from '../node/lib/wire.mjs';
import { startCluster } from './lib/cluster.mjs';

// A client whose every HTTP exchange is recorded: method, JSON-RPC method, status and
// the replica that answered.
async function connect(url) {
  const exchanges = [];
  const recordingFetch = async (input, init = {}) => {
    const res = await fetch(input, init);
    let rpc = null;
    try {
      rpc = JSON.parse(init.body ?? 'null')?.method ?? null;
    } catch {
      // not JSON: a GET or DELETE
    }
    const upstream = (res.headers.get('x-upstream-addr') ?? '').split(',').map((s) => s.trim());
    exchanges.push({ method: init.method ?? 'GET', rpc, status: res.status, upstream: upstream.at(-1) });
    return res;
  };
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    fetch: recordingFetch,
    reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1 },
  });
  const client = new Client({ name: 'cluster-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport, exchanges };
}

// A 2026-07-28 request (stateless: it needs nothing from Redis).
const modernCall = (url, method, params) => fetch(url, {
  method: 'POST',
  headers: modernHeaders(method, mcpNameFor(method, params)),
  body: JSON.stringify({ jsonrpc: '2.0', id: 2, method, params: { ...params, _meta: modernMeta() } }),
});

// An initialize outside the SDK, to see the raw HTTP answer.
const initializeRaw = (url) => fetch(url, {
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
});

// A request of an existing 2025-11-25 session, outside the SDK.
const legacyRaw = (url, sessionId, method, params, { id = 3, signal } = {}) => fetch(url, {
  method: 'POST',
  headers: {
    'content-type': 'application/json', accept: 'application/json, text/event-stream',
    'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25',
  },
  body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
  signal,
});

// A session created on one replica directly: its creator caches it.
async function sessionOn(url) {
  const created = await initializeRaw(url);
  assert.equal(created.status, 200);
  await created.text();
  const sessionId = created.headers.get('mcp-session-id');
  assert.ok(sessionId);
  return sessionId;
}

const answered = (exchanges, rpc) => exchanges.filter((e) => e.rpc === rpc && e.status === 200);

// The session tests run on a standalone Redis and on a 3-primary Redis Cluster; the
// outage tests (one server to stop or pause) on the standalone one.
for (const topology of ['standalone', 'cluster']) describe(`legacy sessions on Redis (${topology}) through nginx with 3 replicas`, () => {
  let cluster;
  before(async () => {
    cluster = await startCluster({ replicas: 3, redis: topology, bin: 'mcpxx-demo' });
  });
  after(async () => {
    await cluster?.stop();
  });

  test("one session's requests land on different replicas", async () => {
    const { client, transport, exchanges } = await connect(cluster.url);
    const sessionId = transport.sessionId;
    assert.match(sessionId, /^[\x21-\x7e]+$/);
    for (let i = 0; i < 6; i++) {
      const r = await client.callTool({ name: 'query_users', arguments: { limit: 2 } });
      assert.equal(r.isError ?? false, false);
      assert.equal(r.structuredContent.users.length, 2);
    }
    const replicas = new Set(answered(exchanges, 'tools/call').map((e) => e.upstream));
    assert.ok(replicas.size >= 2, `all calls reached ${[...replicas]}`);
    assert.equal(transport.sessionId, sessionId);
    assert.equal(exchanges.filter((e) => e.rpc === 'initialize').length, 1);
    await transport.terminateSession();
    await client.close();
  });

  test('DELETE through one replica is 404 through the others', async () => {
    const { client, transport } = await connect(cluster.url);
    const sessionId = transport.sessionId;
    await transport.terminateSession();
    await client.close();
    // Each replica directly, not through nginx: every one of them must know. The other
    // replicas learn it from a pub/sub invalidation that is in their socket before the
    // DELETE is answered, but their reading it races with a request that arrives at once:
    // the promise is "within milliseconds", measured here.
    const started = Date.now();
    for (const replica of cluster.replicas) {
      let res;
      for (;;) {
        res = await fetch(replica.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-session-id': sessionId,
            'mcp-protocol-version': '2025-11-25',
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        });
        if (res.status === 404 || Date.now() - started > 200) break;
        await res.text();
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.equal(res.status, 404, `replica ${replica.port}`);
      assert.equal((await res.json()).error.code, -32000);
    }
  });

  test('logging/setLevel through one replica is honoured by the others', async () => {
    const { client, transport, exchanges } = await connect(cluster.url);
    const logs = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params));
    await client.setLoggingLevel('warning');
    const setOn = answered(exchanges, 'logging/setLevel')[0].upstream;
    // import_products logs at "info" once per product: below "warning", so nothing arrives,
    // whichever replica runs it. Three calls reach at least one other replica.
    for (let i = 0; i < 3; i++) {
      const r = await client.callTool({ name: 'import_products', arguments: { count: 2, category: 'cluster' } });
      assert.equal(r.isError ?? false, false);
    }
    const ran = answered(exchanges, 'tools/call').map((e) => e.upstream);
    assert.ok(ran.some((u) => u !== setOn), `every call ran on ${setOn}, where setLevel went`);
    assert.deepEqual(logs, []);
    // And back to "info": now every replica sends them.
    await client.setLoggingLevel('info');
    for (let i = 0; i < 3; i++) await client.callTool({ name: 'import_products', arguments: { count: 1, category: 'cluster' } });
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(logs.length >= 3, `${logs.length} log messages`);
    assert.ok(logs.every((l) => l.level === 'info'));
    await transport.terminateSession();
    await client.close();
  });

  test('the session survives kill -9 of two replicas, with no second initialize', async () => {
    const { client, transport, exchanges } = await connect(cluster.url);
    const sessionId = transport.sessionId;
    await client.callTool({ name: 'query_users', arguments: { limit: 1 } });
    await cluster.killReplica(0, 'SIGKILL');
    await cluster.killReplica(1, 'SIGKILL');
    for (let i = 0; i < 4; i++) {
      const r = await client.callTool({ name: 'query_users', arguments: { limit: 3 } });
      assert.equal(r.structuredContent.users.length, 3);
    }
    assert.equal(transport.sessionId, sessionId);
    assert.equal(exchanges.filter((e) => e.rpc === 'initialize').length, 1);
    const survivor = `127.0.0.1:${cluster.replicas[2].port}`;
    const after = answered(exchanges, 'tools/call').slice(-4).map((e) => e.upstream);
    assert.deepEqual([...new Set(after)], [survivor]);
    // The killed replicas come back and serve the same session.
    await cluster.restartReplica(0);
    await cluster.restartReplica(1);
    for (let i = 0; i < 6; i++) await client.callTool({ name: 'query_users', arguments: { limit: 1 } });
    const lastSix = new Set(answered(exchanges, 'tools/call').slice(-6).map((e) => e.upstream));
    assert.ok(lastSix.size >= 2, `after restart all calls reached ${[...lastSix]}`);
    await transport.terminateSession();
    await client.close();
  });

  if (topology === 'standalone') test('Redis stopped: 503 with Retry-After while down, then full recovery', async () => {
    const { client, transport } = await connect(cluster.url);
    const sessionId = transport.sessionId;
    const port = cluster.redis.ports[0];
    await cluster.redisTopology('kill', port);
    try {
      const init = await initializeRaw(cluster.url);
      assert.equal(init.status, 503);
      assert.equal(init.headers.get('retry-after'), '1');
      const body = await init.json();
      assert.equal(body.error.code, -32603);
      assert.match(body.error.message, /unavailable/);
      const ready = await fetch(cluster.replicas[0].url.replace('/mcp', '/readyz'));
      assert.equal(ready.status, 503);
      // The 2026-07-28 era keeps no shared state: it keeps working.
      const modern = await modernCall(cluster.url, 'tools/list', {});
      assert.equal(modern.status, 200);
    } finally {
      await cluster.redisTopology('revive', port);
    }
    // Recovery without a restart of the replicas; the session written before the kill is
    // still in Redis (appendonly: a killed process loses nothing the OS has).
    assert.equal(await cluster.redisCli('EXISTS', `mcpxx:mcp-session-{${sessionId}}`), '1');
    const deadline = Date.now() + 10_000;
    for (;;) {
      const states = await Promise.all(cluster.replicas.map((r) => fetch(r.url.replace('/mcp', '/readyz')).then((x) => x.status)));
      if (states.every((s) => s === 200)) break;
      assert.ok(Date.now() < deadline, `replicas not ready again: ${states}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = await client.callTool({ name: 'query_users', arguments: { limit: 1 } });
    assert.equal(r.structuredContent.users.length, 1);
    assert.equal(transport.sessionId, sessionId);
    await transport.terminateSession();
    await client.close();
  });

  if (topology === 'standalone') test('Redis paused while a reply streams: the stream goes on without storing events and ends with the result', async () => {
    // Once an SSE reply has begun its status is out: a store that fails then must not leave
    // the reply hanging (or write a 503 into it); the live connection still gets every event.
    const replica = cluster.replicas[0].url;
    const sessionId = await sessionOn(replica);
    const call = await legacyRaw(replica, sessionId, 'tools/call',
      { name: 'import_products', arguments: { count: 100, category: 'paused' }, _meta: { progressToken: 'p' } },
      { id: 7, signal: AbortSignal.timeout(20_000) });
    assert.equal(call.status, 200);
    assert.match(call.headers.get('content-type'), /text\/event-stream/);
    await new Promise((r) => setTimeout(r, 300));  // some progress is out and stored
    await cluster.redisCli('CLIENT', 'PAUSE', '3000', 'ALL');
    const body = await call.text();
    const events = sseMessages(parseSse(body));
    const progress = events.filter((e) => e.method === 'notifications/progress').map((e) => e.params.progress);
    assert.equal(progress.at(-1), 100, 'every progress event reached the live connection');
    const result = events.find((e) => e.id === 7);
    assert.ok(result, `no result in the stream: ${body.slice(-300)}`);
    assert.equal(result.result.structuredContent.imported, 100);
    // Redis is back after the pause; let it settle for the next test.
    await new Promise((r) => setTimeout(r, 3000));
  });

  if (topology === 'standalone') test('Redis paused (CLIENT PAUSE): state requests get 503 after the command timeout, modern requests go on', async () => {
    // A session cached on replica 0 (its creator): reading it needs no Redis, changing it does.
    const replica = cluster.replicas[0].url;
    const sessionId = await sessionOn(replica);
    await cluster.redisCli('CLIENT', 'PAUSE', '3500', 'ALL');
    const started = Date.now();
    const modern = await modernCall(cluster.url, 'tools/call', { name: 'query_users', arguments: { limit: 1 } });
    assert.equal(modern.status, 200);
    assert.equal((await modern.json()).result.structuredContent.users.length, 1);
    assert.ok(Date.now() - started < 1000, 'the modern request waited for Redis');
    const [init, setLevel, cached] = await Promise.all([
      initializeRaw(cluster.url),
      legacyRaw(replica, sessionId, 'logging/setLevel', { level: 'debug' }),
      // The demo's result cache is on Redis too, but only saves work: the database answers.
      modernCall(cluster.url, 'tools/call', { name: 'get_user_context', arguments: { user_id: 1 } }),
    ]);
    assert.equal(cached.status, 200);
    const context = (await cached.json()).result;
    assert.notEqual(context.isError, true, JSON.stringify(context));
    assert.equal(context.structuredContent.user.id, 1);
    assert.equal(init.status, 503);
    assert.equal(init.headers.get('retry-after'), '1');
    // Not a 200 carrying an internal error: the change was not made, and the client may retry.
    assert.equal(setLevel.status, 503, await setLevel.clone().text());
    assert.equal(setLevel.headers.get('retry-after'), '1');
    assert.equal((await setLevel.json()).error.code, -32603);
    // After the pause, service resumes by itself.
    await new Promise((r) => setTimeout(r, Math.max(0, 3500 - (Date.now() - started)) + 200));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { client, transport } = await connect(cluster.url).catch(() => ({}));
      if (client) {
        const r = await client.callTool({ name: 'query_users', arguments: { limit: 1 } });
        assert.equal(r.structuredContent.users.length, 1);
        await transport.terminateSession();
        await client.close();
        break;
      }
      assert.ok(Date.now() < deadline, 'no recovery within 10 s of the end of the pause');
      await new Promise((r) => setTimeout(r, 200));
    }
  });
});
