// Asking the client for input, on both wires: 2026-07-28 multi round-trip requests
// (input_required + signed requestState) and legacy server-to-client requests on the
// request's SSE stream, answered by a POST.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACCEPT_BOTH, legacyHeaders, modernPost, parseSseStream, post, validateAll,
} from '../node/lib/wire.mjs';
import { startServer } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer('mcpxx-conformance', ['--trust-principal-header', 'X-Test-Principal']);
});
after(async () => {
  await srv.stop();
});

const caps = (c) => ({ 'io.modelcontextprotocol/clientCapabilities': c });
function call(name, extra = {}, { capabilities = { elicitation: {}, sampling: {}, roots: {} }, headers = {} } = {}) {
  return modernPost(srv.url, 'tools/call', { name, arguments: {}, ...extra, _meta: caps(capabilities) }, { headers });
}
const accept = (content) => ({ action: 'accept', content });

describe('2026-07-28: input_required rounds', () => {
  test('first round: input_required with the request and a requestState, no cache hints', async () => {
    const res = await call('test_input_required_result_elicitation');
    assert.equal(res.status, 200);
    const r = res.json.result;
    assert.equal(r.resultType, 'input_required');
    assert.equal(r.inputRequests.user_name.method, 'elicitation/create');
    assert.equal(r.inputRequests.user_name.params.requestedSchema.properties.name.type, 'string');
    assert.equal(typeof r.requestState, 'string');
    assert.equal(r.ttlMs, undefined);
    assert.deepEqual(validateAll('2026-07-28', res, 'tools/call'), []);
  });
  test('the retry with the answer completes', async () => {
    const first = (await call('test_input_required_result_elicitation')).json.result;
    const res = await call('test_input_required_result_elicitation', {
      inputResponses: { user_name: accept({ name: 'Ada' }) }, requestState: first.requestState,
    });
    assert.equal(res.json.result.resultType, 'complete');
    assert.equal(res.json.result.content[0].text, 'Hello, Ada!');
    assert.deepEqual(validateAll('2026-07-28', res, 'tools/call'), []);
  });
  test('missing or implausible answers ask again; extra keys are ignored', async () => {
    for (const inputResponses of [{ other: accept({ name: 'x' }) }, { user_name: null }, { user_name: 12345 }]) {
      const res = await call('test_input_required_result_elicitation', { inputResponses });
      assert.equal(res.json.result.resultType, 'input_required', JSON.stringify(inputResponses));
    }
    const extra = await call('test_input_required_result_elicitation', {
      inputResponses: { user_name: accept({ name: 'Bo' }), unrelated: { x: 1 } },
    });
    assert.equal(extra.json.result.content[0].text, 'Hello, Bo!');
  });
  test('inputResponses that is not an object is -32602', async () => {
    const res = await call('test_input_required_result_elicitation', { inputResponses: 12345 });
    assert.equal(res.json.error.code, -32602);
  });
  test('several questions in one round, answered together', async () => {
    const first = (await call('test_input_required_result_multiple_inputs')).json.result;
    assert.deepEqual(Object.keys(first.inputRequests).sort(), ['client_roots', 'greeting', 'user_name']);
    assert.equal(first.inputRequests.greeting.params.maxTokens, 50);
    const res = await call('test_input_required_result_multiple_inputs', {
      requestState: first.requestState,
      inputResponses: {
        user_name: accept({ name: 'Cy' }),
        greeting: { role: 'assistant', content: { type: 'text', text: 'Hi' }, model: 'm' },
        client_roots: { roots: [{ uri: 'file:///a' }, { uri: 'file:///b' }] },
      },
    });
    assert.equal(res.json.result.content[0].text, 'Hi Cy (2 root(s) visible)');
  });
  test('two rounds: the first answer travels in the requestState, which changes', async () => {
    const r1 = (await call('test_input_required_result_multi_round')).json.result;
    assert.deepEqual(Object.keys(r1.inputRequests), ['step1']);
    const r2 = (await call('test_input_required_result_multi_round', {
      requestState: r1.requestState, inputResponses: { step1: accept({ name: 'Dee' }) },
    })).json.result;
    assert.deepEqual(Object.keys(r2.inputRequests), ['step2']);
    assert.notEqual(r2.requestState, r1.requestState);
    const done = (await call('test_input_required_result_multi_round', {
      requestState: r2.requestState, inputResponses: { step2: accept({ color: 'teal' }) },
    })).json.result;
    assert.equal(done.content[0].text, 'Multi-round complete: Dee likes teal');
  });
  test('a tampered requestState is -32602', async () => {
    const first = (await call('test_input_required_result_tampered_state')).json.result;
    const [body, mac] = first.requestState.split('.');
    const flipped = body.slice(0, -2) + (body.at(-2) === 'A' ? 'B' : 'A') + body.at(-1);
    for (const state of [`${flipped}.${mac}`, `${body}.${mac.slice(1)}x`, 'garbage', '']) {
      const res = await call('test_input_required_result_tampered_state', {
        requestState: state, inputResponses: { confirm: accept({ ok: true }) },
      });
      assert.equal(res.json.error?.code, -32602, state);
    }
  });
  test('a requestState is bound to its request and to its principal', async () => {
    const first = (await call('test_input_required_result_elicitation', {}, { headers: { 'X-Test-Principal': 'alice' } })).json.result;
    const otherTool = await call('test_input_required_result_multi_round', { requestState: first.requestState }, { headers: { 'X-Test-Principal': 'alice' } });
    assert.equal(otherTool.json.error.code, -32602);
    assert.match(otherTool.json.error.message, /another request/);
    const otherUser = await call('test_input_required_result_elicitation', {
      requestState: first.requestState, inputResponses: { user_name: accept({ name: 'Eve' }) },
    }, { headers: { 'X-Test-Principal': 'mallory' } });
    assert.equal(otherUser.json.error.code, -32602);
    assert.match(otherUser.json.error.message, /another principal/);
  });
  test('a single-use requestState is accepted once', async () => {
    const first = (await call('test_single_use_state')).json.result;
    const retry = { requestState: first.requestState, inputResponses: { user_name: accept({ name: 'Flo' }) } };
    const done = await call('test_single_use_state', retry);
    assert.equal(done.json.result.content[0].text, 'Once only, Flo');
    const replay = await call('test_single_use_state', retry);
    assert.equal(replay.json.error.code, -32602);
    assert.match(replay.json.error.message, /already used/);
  });
  test('replicas sharing --state-key accept each other\'s requestState; another key does not', async () => {
    const a = await startServer('mcpxx-conformance', ['--state-key', 'shared-secret']);
    const b = await startServer('mcpxx-conformance', [], { env: { MCPXX_STATE_KEY: 'shared-secret' } });
    const c = await startServer('mcpxx-conformance', ['--state-key', 'other-secret']);
    try {
      const body = (extra = {}) => ({ name: 'test_input_required_result_elicitation', arguments: {}, ...extra, _meta: caps({ elicitation: {} }) });
      const first = (await modernPost(a.url, 'tools/call', body())).json.result;
      const retry = { requestState: first.requestState, inputResponses: { user_name: accept({ name: 'Gil' }) } };
      const onB = await modernPost(b.url, 'tools/call', body(retry));
      assert.equal(onB.json.result.content[0].text, 'Hello, Gil!');
      const onC = await modernPost(c.url, 'tools/call', body(retry));
      assert.equal(onC.json.error.code, -32602);
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()]);
    }
  });
  test('asking for an undeclared capability is 400 -32021', async () => {
    const res = await call('test_input_required_result_elicitation', {}, { capabilities: { sampling: {} } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json.error.data, { requiredCapabilities: { elicitation: {} } });
  });
  test('prompts/get may ask too', async () => {
    const first = await modernPost(srv.url, 'prompts/get', { name: 'test_input_required_result_prompt', _meta: caps({ elicitation: {} }) });
    assert.equal(first.json.result.resultType, 'input_required');
    const done = await modernPost(srv.url, 'prompts/get', {
      name: 'test_input_required_result_prompt', _meta: caps({ elicitation: {} }),
      requestState: first.json.result.requestState, inputResponses: { user_context: accept({ context: 'sales' }) },
    });
    assert.equal(done.json.result.messages[0].content.text, 'Use the following context: sales');
    assert.deepEqual(validateAll('2026-07-28', done, 'prompts/get'), []);
  });
});

// Opens a legacy session declaring `capabilities`.
async function legacySession(capabilities, principal) {
  const extra = principal ? { 'X-Test-Principal': principal } : {};
  const init = await post(srv.url, {
    jsonrpc: '2.0', id: 0, method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities, clientInfo: { name: 't', version: '1' } },
  }, { Accept: ACCEPT_BOTH, 'Content-Type': 'application/json', ...extra });
  return init.headers.get('mcp-session-id');
}

// POSTs a request and reads its SSE stream event by event; `onRequest` answers the
// server's requests. Resolves with every message once the response arrives.
async function streamCall(sid, body, onRequest, extra = {}) {
  const res = await fetch(srv.url, { method: 'POST', headers: { ...legacyHeaders(sid), ...extra }, body: JSON.stringify(body) });
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const messages = [];
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of res.body) {
    buffered += decoder.decode(chunk, { stream: true });
    const { events, trailing } = parseSseStream(buffered);
    buffered = trailing;
    for (const e of events) {
      if (e.data === undefined) continue;  // the priming event (2025-11-25+)
      messages.push(e.data);
      if (e.data.method && e.data.id !== undefined) await onRequest(e.data);
      if (e.data.id === body.id && !e.data.method) return messages;
    }
  }
  return messages;
}

describe('legacy: server-to-client requests', () => {
  test('elicitation/create goes out on the stream; the POSTed answer resumes the tool', async () => {
    const sid = await legacySession({ elicitation: {} });
    const seen = [];
    const messages = await streamCall(sid, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'test_elicitation', arguments: { message: 'Proceed?' } } }, async (req) => {
      seen.push(req);
      const ack = await post(srv.url, { jsonrpc: '2.0', id: req.id, result: accept({ response: 'yes' }) }, legacyHeaders(sid));
      assert.equal(ack.status, 202);
    });
    assert.equal(seen.length, 1);
    assert.equal(seen[0].method, 'elicitation/create');
    assert.equal(seen[0].params.message, 'Proceed?');
    const final = messages.at(-1);
    assert.equal(final.result.content[0].text, 'User response: action=accept, content={"response":"yes"}');
    for (const m of messages) assert.deepEqual(validateAll('2025-11-25', { messages: [m] }, 'tools/call'), []);
  });
  test('a JSON-RPC error answer becomes a tool error', async () => {
    const sid = await legacySession({ sampling: {} });
    const messages = await streamCall(sid, { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'test_sampling', arguments: { prompt: 'hi' } } }, async (req) => {
      assert.equal(req.method, 'sampling/createMessage');
      await post(srv.url, { jsonrpc: '2.0', id: req.id, error: { code: -1, message: 'User rejected sampling' } }, legacyHeaders(sid));
    });
    const r = messages.at(-1).result;
    assert.equal(r.isError, true);
    assert.match(r.content[0].text, /User rejected sampling/);
  });
  test('an undeclared capability is a tool error and nothing is sent to the client', async () => {
    const sid = await legacySession({});
    const res = await post(srv.url, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'test_elicitation', arguments: { message: 'x' } } }, legacyHeaders(sid));
    assert.equal(res.contentType, 'application/json');
    assert.equal(res.json.result.isError, true);
    assert.match(res.json.result.content[0].text, /elicitation/);
  });
  test('an answer posted in another session does not reach the handler', async () => {
    const sid = await legacySession({ elicitation: {} });
    const other = await legacySession({ elicitation: {} });
    const messages = await streamCall(sid, { jsonrpc: '2.0', id: 10, method: 'tools/call', params: { name: 'test_elicitation', arguments: { message: 'm' } } }, async (req) => {
      await post(srv.url, { jsonrpc: '2.0', id: req.id, result: accept({ response: 'forged' }) }, legacyHeaders(other));
      await new Promise((r) => setTimeout(r, 200));
      await post(srv.url, { jsonrpc: '2.0', id: req.id, result: accept({ response: 'real' }) }, legacyHeaders(sid));
    });
    assert.match(messages.at(-1).result.content[0].text, /"real"/);
  });
});
