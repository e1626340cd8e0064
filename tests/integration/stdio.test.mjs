// The stdio transport of the real binary: `mcpxx-conformance --stdio`, driven by the
// official TypeScript SDK 1.x client (StdioClientTransport, legacy era) and by raw lines
// (2026-07-28 requests, bad input, cancellation). Every line on stdout must be one JSON
// object; every message the SDK client receives is checked against the official schema.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Client } from '../node/node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js';
import { StdioClientTransport } from '../node/node_modules/@modelcontextprotocol/sdk/dist/esm/client/stdio.js';
import { ElicitRequestSchema } from '../node/node_modules/@modelcontextprotocol/sdk/dist/esm/types.js';
import { recordTransport } from '../node/lib/recorder.mjs';
import { validateMessage } from '../node/lib/schema.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const binDir = process.env.MCPXX_BIN_DIR ?? path.resolve(here, '../../build/release');
const binary = path.join(binDir, 'mcpxx-conformance');
const LEGACY = '2025-11-25';
const MODERN = '2026-07-28';

// A missing binary or flag is a failure, never a skip.
const help = spawnSync(binary, ['--help'], { encoding: 'utf8' });
if (help.error || !(help.stdout ?? '').includes('--stdio')) {
  throw new Error(`${binary} is missing or has no --stdio flag`);
}

describe('stdio: official SDK 1.x client (legacy era)', () => {
  let client;
  let transport;
  let recorder;
  let stderr = '';
  const elicitations = [];

  before(async () => {
    transport = new StdioClientTransport({ command: binary, args: ['--stdio'], stderr: 'pipe' });
    transport.stderr.on('data', (chunk) => { stderr += chunk; });
    recorder = recordTransport(transport);
    client = new Client({ name: 'mcpxx-stdio-tests', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      elicitations.push(request.params);
      return { action: 'accept', content: { response: 'from stdio' } };
    });
    await client.connect(transport);
  });
  after(async () => {
    await client?.close();
  });

  test('connects and negotiates the latest legacy revision', () => {
    assert.equal(recorder.protocolVersion() ?? transport.protocolVersion, LEGACY);
    assert.equal(client.getServerVersion().name, 'mcpxx-conformance');
    assert.ok(client.getServerCapabilities().tools);
  });
  test('listTools', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of ['test_simple_text', 'test_tool_with_progress', 'test_elicitation']) assert.ok(names.includes(n), n);
  });
  test('callTool test_simple_text', async () => {
    const r = await client.callTool({ name: 'test_simple_text', arguments: {} });
    assert.deepEqual(r.content, [{ type: 'text', text: 'This is a simple text response for testing.' }]);
  });
  test('callTool with progress: three notifications, then the result', async () => {
    const seen = [];
    const r = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, {
      onprogress: (p) => seen.push(p),
    });
    assert.equal(r.content[0].text, 'Progress test completed');
    // On the wire: 0, 50, 100 of 100, all before the result.
    const wire = recorder.received.map((x) => x.message);
    const end = wire.findLastIndex((m) => m.result?.content?.[0]?.text === 'Progress test completed');
    const progress = wire.slice(0, end).filter((m) => m.method === 'notifications/progress');
    assert.deepEqual(progress.map((m) => [m.params.progress, m.params.total]), [[0, 100], [50, 100], [100, 100]]);
    // SDK 1.x runs notification handlers a microtask later but responses at once, so
    // when the last progress line and the result arrive in one read it drops that
    // progress (its handler is gone). The callback sees the others, in order.
    const expected = [[0, 100], [50, 100], [100, 100]];
    assert.ok(seen.length >= 2, JSON.stringify(seen));
    assert.deepEqual(seen.map((p) => [p.progress, p.total]), expected.slice(0, seen.length));
  });
  test('callTool test_elicitation: the server asks on stdout, the answer goes back on stdin', async () => {
    const r = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Proceed?' } });
    assert.equal(elicitations.length, 1);
    assert.equal(elicitations[0].message, 'Proceed?');
    assert.equal(r.content[0].text, 'User response: action=accept, content={"response":"from stdio"}');
  });
  test('readResource test://static-text', async () => {
    const r = await client.readResource({ uri: 'test://static-text' });
    assert.deepEqual(r.contents, [
      { uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' },
    ]);
  });
  test('getPrompt', async () => {
    const r = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'a', arg2: 'b' } });
    assert.deepEqual(r.messages, [
      { role: 'user', content: { type: 'text', text: "Prompt with arguments: arg1='a', arg2='b'" } },
    ]);
    const simple = await client.getPrompt({ name: 'test_simple_prompt' });
    assert.equal(simple.messages[0].content.text, 'This is a simple prompt for testing.');
  });
  test('an unknown resource is a JSON-RPC error, and the session goes on', async () => {
    await assert.rejects(client.readResource({ uri: 'test://nope' }), /not found/i);
    assert.ok(await client.ping());
  });
  test('every message received matches the official schema; logs stay on stderr', () => {
    assert.deepEqual(recorder.check(LEGACY), []);
    assert.match(stderr, /serving MCP on stdio/);
  });
});

// A raw line client: writes lines to the binary's stdin, collects the lines of stdout.
function startRaw() {
  const child = spawn(binary, ['--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let buffer = '';
  let stderr = '';
  const lines = [];
  const waiters = [];
  child.stderr.on('data', (c) => { stderr += c; });
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      lines.push(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
    }
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const messages = () => lines.map((l) => JSON.parse(l));
  return {
    child,
    exited,
    lines,
    stderr: () => stderr,
    send: (m) => child.stdin.write((typeof m === 'string' ? m : JSON.stringify(m)) + '\n'),
    // Resolves with the first message matching `pred`, or rejects after `ms`.
    async waitFor(pred, ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = messages().find(pred);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`timed out; got:\n${lines.join('\n')}\nstderr:\n${stderr}`);
        await new Promise((r) => { waiters.push(r); setTimeout(r, 100); });
      }
    },
    messages,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

const meta = (extra = {}) => ({
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': {},
  ...extra,
});

describe('stdio: raw lines', () => {
  test('2026-07-28 requests need no initialize and carry resultType and serverInfo', async () => {
    const s = startRaw();
    try {
      s.send({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: meta() } });
      s.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'test_simple_text', arguments: {}, _meta: meta() } });
      s.send({ jsonrpc: '2.0', id: 3, method: 'tools/list', params: { _meta: { ...meta(), 'io.modelcontextprotocol/protocolVersion': '2030-01-01' } } });
      const discover = await s.waitFor((m) => m.id === 1);
      assert.deepEqual(discover.result.supportedVersions, [MODERN]);
      const call = await s.waitFor((m) => m.id === 2);
      assert.equal(call.result.resultType, 'complete');
      assert.equal(call.result.content[0].text, 'This is a simple text response for testing.');
      assert.equal(call.result._meta['io.modelcontextprotocol/serverInfo'].name, 'mcpxx-conformance');
      assert.deepEqual(validateMessage(MODERN, call, { method: 'tools/call' }), []);
      const bad = await s.waitFor((m) => m.id === 3);
      assert.equal(bad.error.code, -32022);
    } finally {
      await s.stop();
    }
  });

  test('bad lines get errors, legacy requests before initialize are refused, the loop goes on', async () => {
    const s = startRaw();
    try {
      s.send('{"jsonrpc": "2.0", "id": 1, "method": ');
      s.send('"just a string"');
      s.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
      s.send({ jsonrpc: '2.0', id: 3, method: 'ping' });
      s.send({ jsonrpc: '2.0', id: 'nobody-asked', result: {} });
      await s.waitFor((m) => m.id === 3);
      const msgs = s.messages();
      assert.deepEqual(msgs[0], { jsonrpc: '2.0', id: null, error: { code: -32700, message: msgs[0].error.message } });
      assert.equal(msgs[1].error.code, -32600);
      assert.deepEqual(msgs.find((m) => m.id === 2).error, { code: -32600, message: 'Server not initialized' });
      assert.deepEqual(msgs.find((m) => m.id === 3).result, {});
    } finally {
      await s.stop();
    }
    assert.equal((await s.exited).code, 0);
  });

  test('notifications/cancelled stops an elicitation in flight and nothing more is sent for it', async () => {
    const s = startRaw();
    try {
      s.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: LEGACY, capabilities: { elicitation: {} }, clientInfo: { name: 'raw', version: '1' } } });
      await s.waitFor((m) => m.id === 0);
      s.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      s.send({ jsonrpc: '2.0', id: 'call-1', method: 'tools/call', params: { name: 'test_elicitation', arguments: { message: 'wait' } } });
      const ask = await s.waitFor((m) => m.method === 'elicitation/create');
      s.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'call-1', reason: 'test' } });
      s.send({ jsonrpc: '2.0', id: 'after', method: 'ping' });
      await s.waitFor((m) => m.id === 'after');
      // The late answer is ignored, and the cancelled call is never answered.
      s.send({ jsonrpc: '2.0', id: ask.id, result: { action: 'accept', content: { response: 'late' } } });
      s.send({ jsonrpc: '2.0', id: 'last', method: 'ping' });
      await s.waitFor((m) => m.id === 'last');
    } finally {
      await s.stop();
    }
    assert.equal(s.messages().filter((m) => m.id === 'call-1').length, 0);
    for (const line of s.lines) assert.doesNotThrow(() => JSON.parse(line), line);
  });

  test('end of input with a request in flight: it is answered, then the process exits', async () => {
    const s = startRaw();
    s.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'test_tool_with_progress', arguments: {}, _meta: meta({ progressToken: 'p' }) } });
    s.child.stdin.end();
    const { code } = await s.exited;
    assert.equal(code, 0);
    const msgs = s.messages();
    assert.equal(msgs.filter((m) => m.method === 'notifications/progress').length, 3);
    assert.equal(msgs.at(-1).id, 1);
    assert.equal(msgs.at(-1).result.content[0].text, 'Progress test completed');
  });

  test('SIGTERM ends the loop', async () => {
    const s = startRaw();
    s.send({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: meta() } });
    await s.waitFor((m) => m.id === 1);
    s.child.kill('SIGTERM');
    const { code } = await s.exited;
    assert.equal(code, 0);
  });
});
