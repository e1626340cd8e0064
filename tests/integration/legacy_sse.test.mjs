// The deprecated 2024-11-05 HTTP+SSE transport (--legacy-sse), driven by the official
// TypeScript SDK 1.x SSEClientTransport; every message is schema-validated.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../node/node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js';
import { SSEClientTransport } from '../node/node_modules/@modelcontextprotocol/sdk/dist/esm/client/sse.js';
import { ElicitRequestSchema } from '../node/node_modules/@modelcontextprotocol/sdk/dist/esm/types.js';
import { validate } from '../node/lib/wire.mjs';
import { startServer } from './lib/server.mjs';

let srv;
let client;
let transport;
const received = [];
before(async () => {
  srv = await startServer('mcpxx-conformance', ['--legacy-sse']);
  transport = new SSEClientTransport(new URL(`${srv.base}/sse`));
  const onmessage = transport.onmessage;
  client = new Client({ name: 'sse-test', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { response: 'ok' } }));
  await client.connect(transport);
  // Record what arrives, after the client installed its own handler.
  const inner = transport.onmessage;
  transport.onmessage = (m) => {
    received.push(m);
    inner?.(m);
  };
  void onmessage;
});
after(async () => {
  await client?.close();
  await srv.stop();
});

describe('HTTP+SSE (2024-11-05 transport)', () => {
  test('lists and calls tools, reads resources, gets prompts', async () => {
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'test_simple_text'));
    const r = await client.callTool({ name: 'test_simple_text', arguments: {} });
    assert.equal(r.content[0].text, 'This is a simple text response for testing.');
    const res = await client.readResource({ uri: 'test://static-text' });
    assert.equal(res.contents[0].text, 'This is the content of the static text resource.');
    const p = await client.getPrompt({ name: 'test_simple_prompt' });
    assert.equal(p.messages[0].content.text, 'This is a simple prompt for testing.');
  });
  test('progress notifications and an elicitation round trip go over the stream', async () => {
    const progress = [];
    const before = received.length;
    const r = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, { onprogress: (p) => progress.push(p.progress) });
    assert.equal(r.content[0].text, 'Progress test completed');
    // On the wire: 0, 50, 100, then the result. (SDK 1.x runs progress callbacks a tick
    // after responses, so its callback may miss the last one when both arrive together.)
    const onWire = received.slice(before).filter((m) => m.method === 'notifications/progress').map((m) => m.params.progress);
    assert.deepEqual(onWire, [0, 50, 100]);
    assert.ok(progress.length >= 1, 'the callback saw progress');
    const e = await client.callTool({ name: 'test_elicitation', arguments: { message: 'go?' } });
    assert.equal(e.content[0].text, 'User response: action=accept, content={"response":"ok"}');
  });
  test('every message received validates against its revision', () => {
    const version = transport.protocolVersion ?? '2025-11-25';
    const revision = ['2025-03-26', '2025-06-18', '2025-11-25'].includes(version) ? version : '2025-11-25';
    assert.ok(received.length > 5);
    for (const m of received) assert.deepEqual(validate(revision, m), [], JSON.stringify(m));
  });
  test('POST to an unknown session is 404; the transport is off without --legacy-sse', async () => {
    const bad = await fetch(`${srv.base}/messages?sessionId=nope`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(bad.status, 404);
    const plain = await startServer('mcpxx-conformance');
    try {
      assert.equal((await fetch(`${plain.base}/sse`, { headers: { Accept: 'text/event-stream' } })).status, 404);
    } finally {
      await plain.stop();
    }
  });
});
