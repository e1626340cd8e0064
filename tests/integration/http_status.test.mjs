// Every HTTP status path of the Streamable HTTP endpoint, over real HTTP against
// mcpxx-conformance. Each answer is also validated against the official schema of
// the revision it speaks.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACCEPT_BOTH, legacyHeaders, legacyInit, modernHeaders, modernMeta, modernPost, post, request,
  validateAll,
} from '../node/lib/wire.mjs';
import { startServer } from './lib/server.mjs';
import http from 'node:http';

// fetch() never sends a caller's Host header, so forged-Host probes use node:http.
function postWithHost(url, host, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: { Host: host, Accept: ACCEPT_BOTH, 'Content-Type': 'application/json' },
    }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, text, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

let srv;
before(async () => {
  srv = await startServer('mcpxx-conformance', ['--max-body-bytes', '65536']);
});
after(async () => {
  assert.equal(await srv.stop(), 0, 'server exits 0 on SIGTERM');
});

const jsonHeaders = { Accept: ACCEPT_BOTH, 'Content-Type': 'application/json' };
const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };

function rpcError(res, code) {
  assert.ok(res.json?.error, `expected a JSON-RPC error, got ${res.status} ${res.text}`);
  assert.equal(res.json.error.code, code, res.text);
  assert.equal(typeof res.json.error.message, 'string');
  return res.json.error;
}

describe('request hygiene (both eras)', () => {
  test('a forged Host is 403 with a JSON-RPC error', async () => {
    const res = await postWithHost(srv.url, 'evil.example.com', ping);
    assert.equal(res.status, 403);
    rpcError(res, -32600);
    const sid = await legacyInit(srv.url);
    const ok = await post(srv.url, ping, legacyHeaders(sid));
    assert.equal(ok.status, 200, 'the real loopback Host is served');
  });
  test('a foreign Origin is 403; a loopback Origin is served', async () => {
    const bad = await post(srv.url, ping, { ...jsonHeaders, Origin: 'http://evil.example.com' });
    assert.equal(bad.status, 403);
    const sid = await legacyInit(srv.url);
    const ok = await post(srv.url, ping, { ...legacyHeaders(sid), Origin: `http://localhost:${srv.port}` });
    assert.equal(ok.status, 200);
  });
  test('a non-JSON Content-Type is 415', async () => {
    const res = await post(srv.url, JSON.stringify(ping), { Accept: ACCEPT_BOTH, 'Content-Type': 'text/plain' });
    assert.equal(res.status, 415);
    rpcError(res, -32600);
  });
  test('an Accept without text/event-stream is 406', async () => {
    const res = await post(srv.url, ping, { Accept: 'application/json', 'Content-Type': 'application/json' });
    assert.equal(res.status, 406);
    rpcError(res, -32600);
  });
  test('malformed JSON is 400 with -32700', async () => {
    const res = await post(srv.url, '{"jsonrpc": "2.0", "id": 1,', jsonHeaders);
    assert.equal(res.status, 400);
    rpcError(res, -32700);
  });
  test('a message that is not JSON-RPC is 400 with -32600 echoing the id', async () => {
    const res = await post(srv.url, { jsonrpc: '1.0', id: 'x', method: 'ping' }, jsonHeaders);
    assert.equal(res.status, 400);
    rpcError(res, -32600);
    assert.equal(res.json.id, 'x');
  });
  test('a body over the limit is 413', async () => {
    const big = { jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(70000) } };
    const res = await post(srv.url, big, jsonHeaders);
    assert.equal(res.status, 413);
  });
  test('headers over the limit are 431', async () => {
    const status = await new Promise((resolve, reject) => {
      const req = http.request(srv.url, { method: 'POST', headers: { ...jsonHeaders, 'X-Big': 'x'.repeat(20000) } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end(JSON.stringify(ping));
    });
    assert.equal(status, 431);
  });
  test('health probes answer; other paths are 404', async () => {
    assert.equal((await fetch(`${srv.base}/healthz`)).status, 200);
    assert.equal((await fetch(`${srv.base}/readyz`)).status, 200);
    assert.equal((await fetch(`${srv.base}/nope`)).status, 404);
  });
});

describe('legacy era (initialize + Mcp-Session-Id)', () => {
  test('initialize negotiates and returns a 128-bit visible-ASCII session id', async () => {
    const sid = await legacyInit(srv.url, '2025-06-18');
    assert.match(sid, /^[0-9a-f]{32}$/);
    const init = (await import('../node/lib/wire.mjs')).legacyInit.last;
    assert.equal(init.json.result.protocolVersion, '2025-06-18');
    assert.deepEqual(validateAll('2025-06-18', init, 'initialize'), []);
  });
  test('an unknown version is answered with our latest', async () => {
    const res = await post(srv.url, {
      jsonrpc: '2.0', id: 1, method: 'initialize',
      params: { protocolVersion: '1999-01-01', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    }, jsonHeaders);
    assert.equal(res.status, 200);
    assert.equal(res.json.result.protocolVersion, '2025-11-25');
  });
  test('a request without a session is 400', async () => {
    const res = await post(srv.url, ping, jsonHeaders);
    assert.equal(res.status, 400);
    rpcError(res, -32000);
  });
  test('an unknown session is 404 with -32000', async () => {
    const res = await post(srv.url, ping, legacyHeaders('0123456789abcdef0123456789abcdef'));
    assert.equal(res.status, 404);
    rpcError(res, -32000);
  });
  test('ping answers {} and notifications and responses are 202', async () => {
    const sid = await legacyInit(srv.url);
    const res = await post(srv.url, ping, legacyHeaders(sid));
    assert.equal(res.status, 200);
    assert.deepEqual(res.json.result, {});
    const note = await post(srv.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 9 } }, legacyHeaders(sid));
    assert.equal(note.status, 202);
    assert.equal(note.text, '');
    const resp = await post(srv.url, { jsonrpc: '2.0', id: 'srv-1', result: {} }, legacyHeaders(sid));
    assert.equal(resp.status, 202);
  });
  test('an unknown method is HTTP 200 with -32601 (a 404 would mean "session gone")', async () => {
    const sid = await legacyInit(srv.url);
    const res = await post(srv.url, { jsonrpc: '2.0', id: 2, method: 'no/such' }, legacyHeaders(sid));
    assert.equal(res.status, 200);
    rpcError(res, -32601);
    assert.deepEqual(validateAll('2025-11-25', res), []);
  });
  test('an unsupported MCP-Protocol-Version header is 400', async () => {
    const sid = await legacyInit(srv.url);
    const res = await post(srv.url, ping, legacyHeaders(sid, '2019-01-01'));
    assert.equal(res.status, 400);
  });
  test('DELETE ends the session; then it is 404', async () => {
    const sid = await legacyInit(srv.url);
    const del = await request(srv.url, { method: 'DELETE', headers: legacyHeaders(sid) });
    assert.equal(del.status, 200);
    const res = await post(srv.url, ping, legacyHeaders(sid));
    assert.equal(res.status, 404);
    const again = await request(srv.url, { method: 'DELETE', headers: legacyHeaders(sid) });
    assert.equal(again.status, 404);
  });
  test('resource not found is -32002 with data.uri', async () => {
    const sid = await legacyInit(srv.url);
    const res = await post(srv.url, { jsonrpc: '2.0', id: 3, method: 'resources/read', params: { uri: 'test://missing' } }, legacyHeaders(sid));
    assert.equal(res.status, 200);
    assert.equal(rpcError(res, -32002).data.uri, 'test://missing');
  });
  test('batches are answered on 2025-03-26 and refused on later revisions', async () => {
    const old = await legacyInit(srv.url, '2025-03-26');
    const batch = [ping, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { jsonrpc: '2.0', method: 'notifications/initialized' }];
    const res = await post(srv.url, batch, legacyHeaders(old, '2025-03-26'));
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.json));
    assert.deepEqual(res.json.map((m) => m.id), [1, 2]);
    assert.ok(res.json[1].result.tools.length > 5);
    const sid = await legacyInit(srv.url, '2025-11-25');
    const refused = await post(srv.url, batch, legacyHeaders(sid));
    assert.equal(refused.status, 400);
    assert.match(rpcError(refused, -32600).message, /batch/i);
  });
});

describe('2026-07-28 era (stateless)', () => {
  test('server/discover carries versions, capabilities, cache hints and serverInfo', async () => {
    const res = await modernPost(srv.url, 'server/discover');
    assert.equal(res.status, 200);
    const r = res.json.result;
    assert.deepEqual(r.supportedVersions, ['2026-07-28']);
    assert.equal(r.resultType, 'complete');
    assert.equal(typeof r.ttlMs, 'number');
    assert.ok(['public', 'private'].includes(r.cacheScope));
    assert.equal(r._meta['io.modelcontextprotocol/serverInfo'].name, 'mcpxx-conformance');
    assert.deepEqual(validateAll('2026-07-28', res, 'server/discover'), []);
  });
  test('missing MCP-Protocol-Version header: 400 -32020', async () => {
    const res = await modernPost(srv.url, 'tools/list', {}, { headers: { 'MCP-Protocol-Version': null } });
    assert.equal(res.status, 400);
    rpcError(res, -32020);
  });
  test('missing _meta fields: 400 -32602, echoing the id', async () => {
    const res = await post(srv.url, { jsonrpc: '2.0', id: 'm1', method: 'tools/list', params: {} }, modernHeaders('tools/list'));
    assert.equal(res.status, 400);
    rpcError(res, -32602);
    assert.equal(res.json.id, 'm1');
    const noCaps = await post(srv.url, {
      jsonrpc: '2.0', id: 2, method: 'tools/list',
      params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
    }, modernHeaders('tools/list'));
    assert.equal(noCaps.status, 400);
    rpcError(noCaps, -32602);
  });
  test('header and _meta versions differ: 400 -32020', async () => {
    const res = await post(srv.url, {
      jsonrpc: '2.0', id: 3, method: 'tools/list', params: { _meta: modernMeta({ 'io.modelcontextprotocol/protocolVersion': '2026-07-28' }) },
    }, modernHeaders('tools/list', undefined, '2099-01-01'));
    assert.equal(res.status, 400);
    rpcError(res, -32020);
  });
  test('an unsupported version: 400 -32022 with supported and requested', async () => {
    const res = await post(srv.url, {
      jsonrpc: '2.0', id: 4, method: 'tools/list', params: { _meta: modernMeta({ 'io.modelcontextprotocol/protocolVersion': '2099-01-01' }) },
    }, modernHeaders('tools/list', undefined, '2099-01-01'));
    assert.equal(res.status, 400);
    const e = rpcError(res, -32022);
    assert.deepEqual(e.data, { supported: ['2026-07-28'], requested: '2099-01-01' });
  });
  test('header values tolerate surrounding whitespace', async () => {
    const res = await modernPost(srv.url, 'tools/call', { name: 'test_simple_text' }, {
      headers: { 'MCP-Protocol-Version': ' 2026-07-28 ', 'Mcp-Method': ' tools/call', 'Mcp-Name': 'test_simple_text ' },
    });
    assert.equal(res.status, 200, res.text);
  });
  test('Mcp-Method missing or different: 400 -32020', async () => {
    const missing = await modernPost(srv.url, 'tools/list', {}, { headers: { 'Mcp-Method': null } });
    assert.equal(missing.status, 400);
    rpcError(missing, -32020);
    const other = await modernPost(srv.url, 'tools/list', {}, { headers: { 'Mcp-Method': 'prompts/list' } });
    assert.equal(other.status, 400);
    rpcError(other, -32020);
  });
  test('Mcp-Name missing, different, or bad base64: 400 -32020; a good sentinel is decoded', async () => {
    const missing = await modernPost(srv.url, 'tools/call', { name: 'test_simple_text' }, { headers: { 'Mcp-Name': null } });
    assert.equal(missing.status, 400);
    rpcError(missing, -32020);
    const other = await modernPost(srv.url, 'tools/call', { name: 'test_simple_text' }, { headers: { 'Mcp-Name': 'echo' } });
    assert.equal(other.status, 400);
    const bad = await modernPost(srv.url, 'tools/call', { name: 'test_simple_text' }, { headers: { 'Mcp-Name': '=?base64?!!!?=' } });
    assert.equal(bad.status, 400);
    const b64 = Buffer.from('test_simple_text').toString('base64');
    const good = await modernPost(srv.url, 'tools/call', { name: 'test_simple_text' }, { headers: { 'Mcp-Name': `=?base64?${b64}?=` } });
    assert.equal(good.status, 200, good.text);
  });
  test('unknown and legacy-only methods are 404 -32601', async () => {
    for (const method of ['no/such', 'initialize', 'ping', 'logging/setLevel', 'resources/subscribe']) {
      const res = await modernPost(srv.url, method, method === 'resources/subscribe' ? { uri: 'test://static-text' } : {});
      assert.equal(res.status, 404, method);
      rpcError(res, -32601);
    }
  });
  test('a stale Mcp-Session-Id on a modern request is ignored', async () => {
    const res = await modernPost(srv.url, 'tools/list', {}, { headers: { 'Mcp-Session-Id': 'deadbeef' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('mcp-session-id'), null);
  });
  test('GET and DELETE are 405', async () => {
    const get = await request(srv.url, { method: 'GET', headers: { Accept: 'text/event-stream', 'MCP-Protocol-Version': '2026-07-28' } });
    assert.equal(get.status, 405);
    const del = await request(srv.url, { method: 'DELETE', headers: { 'MCP-Protocol-Version': '2026-07-28' } });
    assert.equal(del.status, 405);
  });
  test('a tool needing an undeclared capability: 400 -32021 with requiredCapabilities', async () => {
    const res = await modernPost(srv.url, 'tools/call', { name: 'test_missing_capability' });
    assert.equal(res.status, 400);
    assert.deepEqual(rpcError(res, -32021).data, { requiredCapabilities: { sampling: {} } });
  });
  test('resource not found is -32602 with data.uri (HTTP 200)', async () => {
    const res = await modernPost(srv.url, 'resources/read', { uri: 'test://missing' });
    assert.equal(res.status, 200);
    assert.equal(rpcError(res, -32602).data.uri, 'test://missing');
  });
  test('Mcp-Param-* headers must mirror x-mcp-header arguments', async () => {
    const call = (region, header) => modernPost(srv.url, 'tools/call', { name: 'test_x_mcp_header', arguments: region === undefined ? {} : { region } }, {
      headers: header === undefined ? {} : { 'Mcp-Param-Region': header },
    });
    const ok = await call('us-west', 'us-west');
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.result.content[0].text, 'region=us-west');
    assert.equal((await call(undefined, undefined)).status, 200, 'no value, no header');
    const b64 = await call('Hello', `=?base64?${Buffer.from('Hello').toString('base64')}?=`);
    assert.equal(b64.status, 200, b64.text);
    for (const [region, header] of [['us-west', 'eu-central'], ['us-west', undefined], [undefined, 'us-west'], ['Hello', '=?base64?SGVsbG8?='], ['Hello', '=?base64?SGVs!!!bG8=?=']]) {
      const res = await call(region, header);
      assert.equal(res.status, 400, `${region} / ${header}`);
      rpcError(res, -32020);
    }
  });
  test('a notification is 202', async () => {
    const res = await post(srv.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, _meta: modernMeta() } }, modernHeaders('notifications/cancelled'));
    assert.equal(res.status, 202);
  });
});

describe('limits and identity', () => {
  test('the session cap refuses new sessions with 503 and Retry-After', async () => {
    const small = await startServer('mcpxx-conformance', ['--max-sessions', '2']);
    try {
      await legacyInit(small.url);
      await legacyInit(small.url);
      const res = await post(small.url, {
        jsonrpc: '2.0', id: 1, method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }, jsonHeaders);
      assert.equal(res.status, 503);
      assert.ok(res.headers.get('retry-after'));
      assert.ok(res.json.error);
    } finally {
      await small.stop();
    }
  });
  test('a session belongs to the principal that opened it', async () => {
    const s = await startServer('mcpxx-conformance', ['--trust-principal-header', 'X-Test-Principal']);
    try {
      const init = await post(s.url, {
        jsonrpc: '2.0', id: 1, method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }, { ...jsonHeaders, 'X-Test-Principal': 'alice' });
      const sid = init.headers.get('mcp-session-id');
      const mine = await post(s.url, ping, { ...legacyHeaders(sid), 'X-Test-Principal': 'alice' });
      assert.equal(mine.status, 200);
      const theirs = await post(s.url, ping, { ...legacyHeaders(sid), 'X-Test-Principal': 'bob' });
      assert.equal(theirs.status, 404);
    } finally {
      await s.stop();
    }
  });
});
