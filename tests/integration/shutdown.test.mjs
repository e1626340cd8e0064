// SIGTERM while a request outlives --shutdown-grace: the request is cancelled, and the
// server still exits 0 (a handler waiting for the client's answer used to keep it alive
// until the 5-minute client-request timeout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCEPT_BOTH, legacyHeaders, legacyInit } from '../node/lib/wire.mjs';
import { startServer } from './lib/server.mjs';

test('SIGTERM cancels a request still waiting for the client after the grace period; exit 0', async () => {
  const srv = await startServer('mcpxx-demo', ['--shutdown-grace', '1']);
  let stopped = false;
  try {
    const sessionId = await legacyInit(srv.url, '2025-11-25', { elicitation: { form: {} } });
    // delete_product asks the user to confirm (an elicitation on the reply's stream), and
    // nobody answers.
    const call = await fetch(srv.url, {
      method: 'POST',
      headers: { ...legacyHeaders(sessionId), Accept: ACCEPT_BOTH, 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'delete_product', arguments: { product_id: 1 } } }),
    });
    assert.equal(call.status, 200);
    const reader = call.body.getReader();
    let text = '';
    while (!text.includes('elicitation/create')) {
      const { value, done } = await reader.read();
      assert.ok(!done, `the stream ended before the elicitation: ${text}`);
      text += new TextDecoder().decode(value);
    }
    const started = Date.now();
    const code = await srv.stop();  // SIGTERM; SIGKILL after 5 s
    stopped = true;
    assert.equal(code, 0, `exit code ${code} after ${Date.now() - started} ms:\n${srv.output().slice(-600)}`);
    assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
    assert.match(srv.output(), /still running after 1 s; cancelling/);
    reader.cancel().catch(() => {});
  } finally {
    if (!stopped) await srv.stop();
  }
});
