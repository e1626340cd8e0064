// Notification streams: the legacy GET stream (event ids, priming, Last-Event-ID,
// list changes, resource updates for subscribed URIs) and 2026-07-28
// subscriptions/listen; cancellation on both wires.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACCEPT_BOTH, collectSse, legacyHeaders, legacyInit, modernHeaders, modernMeta, modernPost, parseSseStream, post,
  sseMessages, until, validate,
} from '../node/lib/wire.mjs';
import { startServer } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer('mcpxx-conformance');
});
after(async () => {
  await srv.stop();
});

const collect = collectSse;
const messages = sseMessages;

describe('legacy GET stream', () => {
  test('priming event, list_changed and subscribed resource updates, with unique ids', async () => {
    const sid = await legacyInit(srv.url);
    const ctl = new AbortController();
    const res = await fetch(srv.url, { headers: { ...legacyHeaders(sid), Accept: 'text/event-stream' }, signal: ctl.signal });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const { events, done } = collect(res);
    await until(() => events.length >= 1);
    assert.ok(events[0].id, 'priming event has an id');
    assert.equal(events[0].data, undefined, 'priming event has empty data');
    assert.ok(events[0].retry > 0);

    // Subscribe to one resource, then make changes.
    await post(srv.url, { jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri: 'test://watched-resource' } }, legacyHeaders(sid));
    await post(srv.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'test_trigger_resource_update', arguments: { uri: 'test://watched-resource' } } }, legacyHeaders(sid));
    await post(srv.url, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'test_trigger_resource_update', arguments: { uri: 'test://static-text' } } }, legacyHeaders(sid));
    await post(srv.url, { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'test_trigger_tool_change', arguments: {} } }, legacyHeaders(sid));
    await until(() => messages(events).some((m) => m.method === 'notifications/tools/list_changed'));
    const got = messages(events).map((m) => [m.method, m.params?.uri]);
    assert.deepEqual(got, [['notifications/resources/updated', 'test://watched-resource'], ['notifications/tools/list_changed', undefined]]);
    for (const m of messages(events)) assert.deepEqual(validate('2025-11-25', m), []);
    const ids = events.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'event ids are unique');

    // A second GET stream for the same session is refused while this one is open.
    const second = await fetch(srv.url, { headers: { ...legacyHeaders(sid), Accept: 'text/event-stream' } });
    assert.equal(second.status, 409);

    ctl.abort();
    await done;

    // Reconnect with Last-Event-ID after the priming event: the missed events come back.
    await new Promise((r) => setTimeout(r, 100));
    const ctl2 = new AbortController();
    const again = await fetch(srv.url, { headers: { ...legacyHeaders(sid), Accept: 'text/event-stream', 'Last-Event-ID': events[0].id }, signal: ctl2.signal });
    assert.equal(again.status, 200);
    const replayed = collect(again);
    await until(() => messages(replayed.events).length >= 2);
    assert.deepEqual(messages(replayed.events).map((m) => m.method), ['notifications/resources/updated', 'notifications/tools/list_changed']);
    ctl2.abort();
    await replayed.done;
  });
  test('GET without a session is 400, with an unknown one 404, without text/event-stream 406', async () => {
    assert.equal((await fetch(srv.url, { headers: { Accept: 'text/event-stream' } })).status, 400);
    assert.equal((await fetch(srv.url, { headers: { ...legacyHeaders('f'.repeat(32)), Accept: 'text/event-stream' } })).status, 404);
    const sid = await legacyInit(srv.url);
    assert.equal((await fetch(srv.url, { headers: { ...legacyHeaders(sid), Accept: 'application/json' } })).status, 406);
  });
});

describe('subscriptions/listen', () => {
  test('acknowledges first, then only the requested kinds, each with the subscription id', async () => {
    const ctl = new AbortController();
    const body = { jsonrpc: '2.0', id: 'sub-1', method: 'subscriptions/listen', params: {
      notifications: { toolsListChanged: true, resourceSubscriptions: ['test://watched-resource'], unknownKind: true },
      _meta: modernMeta(),
    } };
    const res = await fetch(srv.url, { method: 'POST', headers: modernHeaders('subscriptions/listen'), body: JSON.stringify(body), signal: ctl.signal });
    assert.equal(res.status, 200);
    const { events, done } = collect(res);
    await until(() => events.length >= 1);
    const ack = events[0].data;
    assert.equal(ack.method, 'notifications/subscriptions/acknowledged');
    assert.deepEqual(ack.params.notifications, { toolsListChanged: true, resourceSubscriptions: ['test://watched-resource'] });
    assert.equal(ack.params._meta['io.modelcontextprotocol/subscriptionId'], 'sub-1');

    await modernPost(srv.url, 'tools/call', { name: 'test_trigger_prompt_change', arguments: {} });
    await modernPost(srv.url, 'tools/call', { name: 'test_trigger_resource_update', arguments: { uri: 'test://static-text' } });
    await modernPost(srv.url, 'tools/call', { name: 'test_trigger_resource_update', arguments: { uri: 'test://watched-resource' } });
    await modernPost(srv.url, 'tools/call', { name: 'test_trigger_tool_change', arguments: {} });
    await until(() => messages(events).some((m) => m.method === 'notifications/tools/list_changed'));
    const got = messages(events).slice(1);
    assert.deepEqual(got.map((m) => [m.method, m.params.uri]), [['notifications/resources/updated', 'test://watched-resource'], ['notifications/tools/list_changed', undefined]]);
    for (const m of messages(events)) {
      assert.equal(m.params._meta['io.modelcontextprotocol/subscriptionId'], 'sub-1');
      assert.deepEqual(validate('2026-07-28', m), []);
    }
    ctl.abort();
    await done;
  });
  test('the server ends listen streams with a final result on shutdown', async () => {
    const s = await startServer('mcpxx-conformance');
    const body = { jsonrpc: '2.0', id: 42, method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: modernMeta() } };
    const res = await fetch(s.url, { method: 'POST', headers: modernHeaders('subscriptions/listen'), body: JSON.stringify(body) });
    const { events, done } = collect(res);
    await until(() => events.length >= 1);
    const exit = s.stop();
    await done;
    assert.equal(await exit, 0);
    const last = events.at(-1).data;
    assert.equal(last.id, 42);
    assert.equal(last.result.resultType, 'complete');
    assert.equal(last.result._meta['io.modelcontextprotocol/subscriptionId'], 42);
    assert.deepEqual(validate('2026-07-28', last, 'subscriptions/listen'), []);
  });
});

describe('legacy request streams survive their connection', () => {
  test('a stream closed mid-call (polling) resumes with GET + Last-Event-ID and gets the result', async () => {
    const sid = await legacyInit(srv.url);
    const res = await fetch(srv.url, { method: 'POST', headers: legacyHeaders(sid), body: JSON.stringify({ jsonrpc: '2.0', id: 77, method: 'tools/call', params: { name: 'test_reconnection', arguments: {} } }) });
    const first = parseSseStream(await res.text()).events;
    assert.ok(first[0].id && first[0].data === undefined && first[0].retry > 0, 'priming event first');
    assert.ok(!messages(first).some((m) => m.id === 77), 'the result is not on the closed stream');
    const lastId = first.at(-1).id;
    const resumed = await fetch(srv.url, { headers: { ...legacyHeaders(sid), Accept: 'text/event-stream', 'Last-Event-ID': lastId } });
    assert.equal(resumed.status, 200);
    const rest = parseSseStream(await resumed.text()).events;
    const result = messages(rest).find((m) => m.id === 77);
    assert.equal(result.result.content[0].text, 'Reconnection test completed successfully.');
    assert.ok(rest.every((e) => e.id), 'resumed events carry ids');
    assert.ok(!rest.some((e) => e.id === lastId), 'nothing before Last-Event-ID is replayed');
  });
  test("another session cannot resume this session's stream", async () => {
    const sid = await legacyInit(srv.url);
    const res = await fetch(srv.url, { method: 'POST', headers: legacyHeaders(sid), body: JSON.stringify({ jsonrpc: '2.0', id: 78, method: 'tools/call', params: { name: 'test_reconnection', arguments: {} } }) });
    const lastId = parseSseStream(await res.text()).events.at(-1).id;
    const other = await legacyInit(srv.url);
    const ctl = new AbortController();
    const resumed = await fetch(srv.url, { headers: { ...legacyHeaders(other), Accept: 'text/event-stream', 'Last-Event-ID': lastId }, signal: ctl.signal });
    const { events, done } = collect(resumed);
    await new Promise((r) => setTimeout(r, 400));
    ctl.abort();
    await done;
    assert.ok(!messages(events).some((m) => m.id === 78), 'no foreign events');
  });
  test('a legacy client going away does not cancel the request', async () => {
    const sid = await legacyInit(srv.url);
    const ctl = new AbortController();
    const running = fetch(srv.url, { method: 'POST', headers: legacyHeaders(sid), signal: ctl.signal, body: JSON.stringify({ jsonrpc: '2.0', id: 79, method: 'tools/call', params: { name: 'test_cancellable', arguments: { ms: 400 } } }) }).catch(() => null);
    await new Promise((r) => setTimeout(r, 100));
    ctl.abort();
    await running;
    await new Promise((r) => setTimeout(r, 600));
    const seen = await post(srv.url, { jsonrpc: '2.0', id: 80, method: 'tools/call', params: { name: 'test_cancellable_last', arguments: {} } }, legacyHeaders(sid));
    assert.match(seen.json.result.content[0].text, /cancelled=false/);
  });
});

describe('SIGTERM drain', () => {
  test('in-flight work ends first; then 2025-11-25 GET streams get a retry hint, older ones end plainly; exit 0', async () => {
    const s = await startServer('mcpxx-conformance');
    const open = async (sid, version) => {
      const r = await fetch(s.url, { headers: { ...legacyHeaders(sid, version), Accept: 'text/event-stream' } });
      assert.equal(r.status, 200);
      const c = collectSse(r);
      c.endedAt = c.done.then(() => Date.now());
      return c;
    };
    const current = await legacyInit(s.url);
    const old = await legacyInit(s.url, '2025-03-26');
    const currentStream = await open(current, '2025-11-25');
    const oldStream = await open(old, '2025-03-26');
    await until(() => currentStream.events.length === 1);   // priming
    const call = post(s.url, { jsonrpc: '2.0', id: 'busy', method: 'tools/call', params: { name: 'test_cancellable', arguments: { ms: 800 } } }, legacyHeaders(current))
      .then((res) => ({ res, at: Date.now() }));
    await new Promise((r) => setTimeout(r, 150));
    const exitCode = s.stop();

    const { res, at } = await call;
    assert.equal(res.messages.find((m) => m.id === 'busy')?.result?.content?.[0]?.text, 'finished', 'the call in flight completed');
    const [currentEnd, oldEnd] = await Promise.all([currentStream.endedAt, oldStream.endedAt]);
    assert.ok(currentEnd >= at - 50 && oldEnd >= at - 50, 'the streams ended after the in-flight call');
    const last = currentStream.events.at(-1);
    assert.ok(currentStream.events.length === 2 && last.retry > 0 && last.id, 'a retry hint ends the 2025-11-25 stream');
    assert.ok(oldStream.events.every((e) => e.retry === undefined), 'no retry hint for 2025-03-26');
    assert.equal(await exitCode, 0);
  });
});

describe('cancellation', () => {
  test('legacy notifications/cancelled stops the handler and no response is sent', async () => {
    const sid = await legacyInit(srv.url);
    const running = post(srv.url, { jsonrpc: '2.0', id: 'slow-1', method: 'tools/call', params: { name: 'test_cancellable', arguments: { ms: 5000 } } }, legacyHeaders(sid));
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    const ack = await post(srv.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'slow-1', reason: 'user' } }, legacyHeaders(sid));
    assert.equal(ack.status, 202);
    const res = await running;
    assert.ok(Date.now() - t0 < 2000, 'the handler stopped early');
    assert.equal(res.messages.filter((m) => m.id === 'slow-1').length, 0, 'no response for a cancelled request');
    const seen = await post(srv.url, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'test_cancellable_last', arguments: {} } }, legacyHeaders(sid));
    assert.match(seen.json.result.content[0].text, /cancelled=true/);
  });
  test('2026-07-28: closing the response stream cancels the request', async () => {
    const ctl = new AbortController();
    const body = { jsonrpc: '2.0', id: 'c1', method: 'tools/call', params: { name: 'test_cancellable', arguments: { ms: 5000 }, _meta: modernMeta() } };
    const running = fetch(srv.url, { method: 'POST', headers: modernHeaders('tools/call', 'test_cancellable'), body: JSON.stringify(body), signal: ctl.signal })
      .then((r) => r.text()).catch(() => null);
    await new Promise((r) => setTimeout(r, 200));
    ctl.abort();
    await running;
    await new Promise((r) => setTimeout(r, 300));
    const seen = await modernPost(srv.url, 'tools/call', { name: 'test_cancellable_last', arguments: {} });
    assert.match(seen.json.result.content[0].text, /cancelled=true/);
  });
});
