// Streams and conversations across replicas: 3 mcpxx-conformance replicas on one Redis
// (standalone, then a 3-primary Cluster) behind nginx. Each test sends the parts of one
// exchange straight to different replicas (their own ports), so that "lands on another
// replica" is certain rather than likely:
// a resumed request stream, a cancellation, a client's answers (elicitation, sampling, roots),
// resource updates to notification streams, the 2024-11-05 HTTP+SSE transport, and a legacy GET
// stream resumed through nginx after the replica holding it was killed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  collectSse, legacyHeaders, legacyInit, modernHeaders, modernMeta, modernPost, parseSseStream, post,
  sseMessages, until, validate,
} from '../node/lib/wire.mjs';
import { startCluster } from './lib/cluster.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const toolCall = (id, name, args = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

for (const topology of ['standalone', 'cluster']) describe(`streams and conversations across 3 replicas on Redis (${topology})`, () => {
  let cluster;
  let at;   // at(i): replica i's /mcp, bypassing nginx
  before(async () => {
    cluster = await startCluster({ replicas: 3, redis: topology, bin: 'mcpxx-conformance', args: ['--legacy-sse'] });
    at = (i) => cluster.replicas[i].url;
  });
  after(async () => {
    await cluster?.stop();
  });

  test('a legacy request stream cut on replica A resumes on replica B with Last-Event-ID', async () => {
    const sid = await legacyInit(at(0));
    const res = await fetch(at(0), { method: 'POST', headers: legacyHeaders(sid), body: JSON.stringify(toolCall(77, 'test_reconnection')) });
    const first = parseSseStream(await res.text()).events;
    assert.ok(first[0].id && first[0].retry > 0, 'priming event first');
    assert.ok(!sseMessages(first).some((m) => m.id === 77), 'the result is not on the closed stream');
    const lastId = first.at(-1).id;

    const resumed = await fetch(at(1), { headers: { ...legacyHeaders(sid), Accept: 'text/event-stream', 'Last-Event-ID': lastId } });
    assert.equal(resumed.status, 200);
    const rest = parseSseStream(await resumed.text()).events;
    const result = sseMessages(rest).find((m) => m.id === 77);
    assert.equal(result?.result?.content?.[0]?.text, 'Reconnection test completed successfully.');
    const ids = [...first, ...rest].map((e) => e.id);
    assert.ok(ids.every(Boolean), 'every event has an id');
    assert.equal(new Set(ids).size, ids.length, 'nothing is replayed twice');
  });

  test('a client that drops its request stream on A gets the rest of it, progress and result, from B', async () => {
    const sid = await legacyInit(at(0));
    const ctl = new AbortController();
    const body = { ...toolCall(31, 'test_tool_with_progress'), params: { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: 'p31' } } };
    const res = await fetch(at(0), { method: 'POST', headers: legacyHeaders(sid), body: JSON.stringify(body), signal: ctl.signal });
    const first = collectSse(res);
    await until(() => sseMessages(first.events).some((m) => m.method === 'notifications/progress'));
    ctl.abort();   // the client goes away; the handler goes on, into the event store
    await first.done;
    const lastId = first.events.at(-1).id;
    const seen = sseMessages(first.events).length;

    const resumed = await fetch(at(1), { headers: { ...legacyHeaders(sid), Accept: 'text/event-stream', 'Last-Event-ID': lastId } });
    assert.equal(resumed.status, 200);
    const rest = parseSseStream(await resumed.text()).events;
    const all = [...sseMessages(first.events), ...sseMessages(rest)];
    assert.deepEqual(all.filter((m) => m.method === 'notifications/progress').map((m) => m.params.progress), [0, 50, 100]);
    assert.equal(all.at(-1).id, 31);
    assert.equal(all.at(-1).result.content[0].text, 'Progress test completed');
    assert.ok(seen >= 1 && all.length === 4, 'three progress events and the result, each once');
  });

  test("another session's Last-Event-ID gets nothing on any replica", async () => {
    const sid = await legacyInit(at(0));
    const res = await fetch(at(0), { method: 'POST', headers: legacyHeaders(sid), body: JSON.stringify(toolCall(78, 'test_reconnection')) });
    const lastId = parseSseStream(await res.text()).events.at(-1).id;
    const other = await legacyInit(at(2));
    const ctl = new AbortController();
    const resumed = await fetch(at(2), { headers: { ...legacyHeaders(other), Accept: 'text/event-stream', 'Last-Event-ID': lastId }, signal: ctl.signal });
    const { events, done } = collectSse(resumed);
    await sleep(400);
    ctl.abort();
    await done;
    assert.ok(!sseMessages(events).some((m) => m.id === 78), 'no foreign events');
  });

  test('notifications/cancelled posted to B stops the handler running on A', async () => {
    const sid = await legacyInit(at(0));
    const running = post(at(0), toolCall('slow-1', 'test_cancellable', { ms: 5000 }), legacyHeaders(sid));
    await sleep(300);
    const t0 = Date.now();
    const ack = await post(at(1), { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'slow-1', reason: 'user' } }, legacyHeaders(sid));
    assert.equal(ack.status, 202);
    const res = await running;
    assert.ok(Date.now() - t0 < 2000, `the handler stopped early (after ${Date.now() - t0} ms)`);
    assert.equal(res.messages.filter((m) => m.id === 'slow-1').length, 0, 'no response for a cancelled request');
    const seen = await post(at(0), toolCall(5, 'test_cancellable_last'), legacyHeaders(sid));
    assert.match(seen.json.result.content[0].text, /cancelled=true/);
  });

  // The client's answers to our requests: elicitation, sampling and roots.
  const asks = [
    { tool: 'test_elicitation', args: { message: 'Your name?' }, capabilities: { elicitation: {} }, method: 'elicitation/create',
      answer: { action: 'accept', content: { response: 'from B' } }, expect: /action=accept.*from B/ },
    { tool: 'test_sampling', args: { prompt: 'Say hi' }, capabilities: { sampling: {} }, method: 'sampling/createMessage',
      answer: { role: 'assistant', content: { type: 'text', text: 'hi from B' }, model: 'test-model', stopReason: 'endTurn' }, expect: /hi from B/ },
    { tool: 'test_input_required_result_list_roots', args: {}, capabilities: { roots: {} }, method: 'roots/list',
      answer: { roots: [{ uri: 'file:///from-b', name: 'b' }] }, expect: /Client exposed 1 root\(s\): file:\/\/\/from-b/ },
  ];
  for (const ask of asks) test(`a client's answer to ${ask.method} posted to B reaches the handler waiting on A`, async () => {
    const sid = await legacyInit(at(0), undefined, ask.capabilities);
    const res = await fetch(at(0), { method: 'POST', headers: legacyHeaders(sid), body: JSON.stringify(toolCall(9, ask.tool, ask.args)) });
    assert.equal(res.status, 200);
    const { events, done } = collectSse(res);
    await until(() => sseMessages(events).some((m) => m.method === ask.method), 5000);
    const request = sseMessages(events).find((m) => m.method === ask.method);
    assert.deepEqual(validate('2025-11-25', request), []);
    const answer = await post(at(1), { jsonrpc: '2.0', id: request.id, result: ask.answer }, legacyHeaders(sid));
    assert.equal(answer.status, 202);
    await until(() => sseMessages(events).some((m) => m.id === 9), 5000);
    await done;
    const result = sseMessages(events).find((m) => m.id === 9);
    assert.match(result.result.content[0].text, ask.expect);
  });

  test("a resource update triggered on B reaches A's legacy GET stream and listeners on A and C", async () => {
    const uri = 'test://watched-resource';
    const sid = await legacyInit(at(0));
    const sub = await post(at(1), { jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri } }, legacyHeaders(sid));
    assert.equal(sub.status, 200);

    const ctl = new AbortController();
    const get = await fetch(at(0), { headers: { ...legacyHeaders(sid), Accept: 'text/event-stream' }, signal: ctl.signal });
    assert.equal(get.status, 200);
    const getStream = collectSse(get);
    const listen = async (i, id) => {
      const body = { jsonrpc: '2.0', id, method: 'subscriptions/listen', params: { notifications: { resourceSubscriptions: [uri], toolsListChanged: true }, _meta: modernMeta() } };
      const r = await fetch(at(i), { method: 'POST', headers: modernHeaders('subscriptions/listen'), body: JSON.stringify(body), signal: ctl.signal });
      assert.equal(r.status, 200);
      const c = collectSse(r);
      await until(() => sseMessages(c.events).some((m) => m.method === 'notifications/subscriptions/acknowledged'));
      return c;
    };
    const onA = await listen(0, 'listen-a');
    const onC = await listen(2, 'listen-c');
    await until(() => getStream.events.length >= 1);   // priming: the GET stream is live

    const trigger = await modernPost(at(1), 'tools/call', { name: 'test_trigger_resource_update', arguments: { uri } });
    assert.equal(trigger.status, 200);
    const updated = (c) => sseMessages(c.events).filter((m) => m.method === 'notifications/resources/updated' && m.params.uri === uri);
    await until(() => updated(getStream).length === 1 && updated(onA).length === 1 && updated(onC).length === 1, 5000);
    assert.equal(updated(onA)[0].params._meta['io.modelcontextprotocol/subscriptionId'], 'listen-a');
    assert.equal(updated(onC)[0].params._meta['io.modelcontextprotocol/subscriptionId'], 'listen-c');
    ctl.abort();
    await Promise.all([getStream.done, onA.done, onC.done]);
  });

  test('HTTP+SSE (2024-11-05): POSTs to B and C are answered on the /sse stream held by A', async () => {
    const base = (i) => at(i).replace(/\/mcp$/, '');
    const ctl = new AbortController();
    const sse = await fetch(`${base(0)}/sse`, { headers: { Accept: 'text/event-stream' }, signal: ctl.signal });
    assert.equal(sse.status, 200);
    const stream = collectSse(sse);
    await until(() => stream.events.some((e) => e.event === 'endpoint'));
    const endpoint = stream.events.find((e) => e.event === 'endpoint').data;
    assert.match(endpoint, /^\/messages\?sessionId=/);
    const send = (i, message) => fetch(base(i) + endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });

    const init = await send(1, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
    assert.equal(init.status, 202);
    await until(() => sseMessages(stream.events).some((m) => m.id === 1));
    assert.equal((await send(2, { jsonrpc: '2.0', method: 'notifications/initialized' })).status, 202);
    assert.equal((await send(2, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'test_simple_text', arguments: {} } })).status, 202);
    assert.equal((await send(1, { jsonrpc: '2.0', id: 3, method: 'tools/list' })).status, 202);
    await until(() => [2, 3].every((id) => sseMessages(stream.events).some((m) => m.id === id)), 5000);
    const byId = (id) => sseMessages(stream.events).find((m) => m.id === id);
    assert.equal(byId(1).result.protocolVersion, '2024-11-05');
    assert.ok(byId(2).result.content.length > 0);
    assert.ok(byId(3).result.tools.some((t) => t.name === 'test_simple_text'));

    // An unknown session is 404 on every replica.
    const unknown = await fetch(`${base(1)}/messages?sessionId=${'0'.repeat(32)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
    assert.equal(unknown.status, 404);

    // Closing the stream ends the session everywhere.
    ctl.abort();
    await stream.done;
    let status;
    for (let i = 0; i < 50 && status !== 404; i++) {
      await sleep(20);
      status = (await send(2, { jsonrpc: '2.0', id: 4, method: 'ping' })).status;
    }
    assert.equal(status, 404, 'the session is gone with its stream');
  });

  test('through nginx (round robin): an elicitation answer and a cancellation land on other replicas than their handlers', async () => {
    const upstream = (res) => res.headers.get('x-upstream-addr')?.split(',').at(-1).trim();
    const sid = await legacyInit(cluster.url, undefined, { elicitation: {} });

    const call = await fetch(cluster.url, { method: 'POST', headers: legacyHeaders(sid), body: JSON.stringify(toolCall(21, 'test_elicitation', { message: 'Name?' })) });
    const { events, done } = collectSse(call);
    await until(() => sseMessages(events).some((m) => m.method === 'elicitation/create'), 5000);
    const ask = sseMessages(events).find((m) => m.method === 'elicitation/create');
    const answer = await fetch(cluster.url, { method: 'POST', headers: legacyHeaders(sid), body: JSON.stringify({ jsonrpc: '2.0', id: ask.id, result: { action: 'accept', content: { response: 'via nginx' } } }) });
    assert.equal(answer.status, 202);
    assert.notEqual(upstream(answer), upstream(call), 'the answer landed on another replica');
    await until(() => sseMessages(events).some((m) => m.id === 21), 5000);
    await done;
    assert.match(sseMessages(events).find((m) => m.id === 21).result.content[0].text, /via nginx/);

    const slow = fetch(cluster.url, { method: 'POST', headers: legacyHeaders(sid), body: JSON.stringify(toolCall('slow-2', 'test_cancellable', { ms: 5000 })) });
    await sleep(300);
    const t0 = Date.now();
    const cancel = await fetch(cluster.url, { method: 'POST', headers: legacyHeaders(sid), body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'slow-2' } }) });
    assert.equal(cancel.status, 202);
    const slowRes = await slow;
    const body = await slowRes.text();
    assert.notEqual(upstream(cancel), upstream(slowRes), 'the cancellation landed on another replica');
    assert.ok(Date.now() - t0 < 2000, 'the handler stopped early');
    assert.ok(!body.includes('"id":"slow-2"'), 'no response for a cancelled request');
  });

  test('through nginx: HTTP+SSE (2024-11-05) messages land on other replicas than the /sse stream', async () => {
    const base = cluster.url.replace(/\/mcp$/, '');
    const ctl = new AbortController();
    const sse = await fetch(`${base}/sse`, { headers: { Accept: 'text/event-stream' }, signal: ctl.signal });
    const holder = sse.headers.get('x-upstream-addr');
    const stream = collectSse(sse);
    await until(() => stream.events.some((e) => e.event === 'endpoint'));
    const endpoint = stream.events.find((e) => e.event === 'endpoint').data;
    const landed = new Set();
    const send = async (message) => {
      const r = await fetch(base + endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
      assert.equal(r.status, 202);
      landed.add(r.headers.get('x-upstream-addr'));
    };
    await send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
    await until(() => sseMessages(stream.events).some((m) => m.id === 1));
    await send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    for (let id = 2; id <= 4; id++) await send({ jsonrpc: '2.0', id, method: 'ping' });
    await until(() => [2, 3, 4].every((id) => sseMessages(stream.events).some((m) => m.id === id)), 5000);
    assert.equal(landed.size, 3, 'the POSTs went to all three replicas');
    assert.ok(landed.has(holder));
    ctl.abort();
    await stream.done;
  });

  // Last: it kills replica 0.
  test('kill -9 of the replica holding a legacy GET stream: resuming through nginx loses and repeats nothing', async () => {
    const uri = 'test://watched-resource';
    const sid = await legacyInit(at(0));
    await post(at(1), { jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri } }, legacyHeaders(sid));
    const get = await fetch(at(0), { headers: { ...legacyHeaders(sid), Accept: 'text/event-stream' } });
    assert.equal(get.status, 200);
    const before = collectSse(get);
    await until(() => before.events.length >= 1);   // priming
    const trigger = (i) => modernPost(at(i), 'tools/call', { name: 'test_trigger_resource_update', arguments: { uri } });
    await trigger(1);
    await until(() => sseMessages(before.events).length === 1);
    const lastId = before.events.at(-1).id;

    // A listener on the same replica, for the next test.
    const listenBody = { jsonrpc: '2.0', id: 'on-a', method: 'subscriptions/listen', params: { notifications: { promptsListChanged: true }, _meta: modernMeta() } };
    const onA = collectSse(await fetch(at(0), { method: 'POST', headers: modernHeaders('subscriptions/listen'), body: JSON.stringify(listenBody) }));
    await until(() => sseMessages(onA.events).length === 1);

    await cluster.killReplica(0, 'SIGKILL');
    await before.done;
    await onA.done;   // cut
    // Made while nobody holds the stream.
    await trigger(1);
    await trigger(2);
    await modernPost(at(2), 'tools/call', { name: 'test_trigger_tool_change', arguments: {} });

    const ctl = new AbortController();
    const again = await fetch(cluster.url, { headers: { ...legacyHeaders(sid), Accept: 'text/event-stream', 'Last-Event-ID': lastId }, signal: ctl.signal });
    assert.equal(again.status, 200);
    assert.notEqual(again.headers.get('x-upstream-addr')?.split(',').at(-1).trim(), `127.0.0.1:${cluster.replicas[0].port}`);
    const after = collectSse(again);
    const methods = () => sseMessages(after.events).map((m) => m.method);
    await until(() => methods().length >= 3, 5000);
    await trigger(1);   // and live again
    await until(() => methods().length >= 4, 5000);
    await sleep(200);
    ctl.abort();
    await after.done;
    assert.deepEqual(methods(), ['notifications/resources/updated', 'notifications/resources/updated',
      'notifications/tools/list_changed', 'notifications/resources/updated']);
    const ids = [...before.events, ...after.events].map((e) => e.id).filter(Boolean);
    assert.equal(new Set(ids).size, ids.length, 'no event twice');
  });

  test('subscriptions/listen cut by the kill: re-listening through nginx misses no change after the new acknowledgement', async () => {
    const ctl = new AbortController();
    const body = { jsonrpc: '2.0', id: 'relisten', method: 'subscriptions/listen', params: { notifications: { promptsListChanged: true }, _meta: modernMeta() } };
    const r = await fetch(cluster.url, { method: 'POST', headers: modernHeaders('subscriptions/listen'), body: JSON.stringify(body), signal: ctl.signal });
    assert.equal(r.status, 200);
    const listening = collectSse(r);
    await until(() => sseMessages(listening.events).some((m) => m.method === 'notifications/subscriptions/acknowledged'));
    // Replica 0 is dead (previous test): nginx sent this to 1 or 2; the change comes from the other.
    const holder = cluster.replicas.findIndex((rep) => r.headers.get('x-upstream-addr')?.endsWith(`:${rep.port}`));
    assert.ok(holder === 1 || holder === 2, `listening on replica ${holder}`);
    await modernPost(at(3 - holder), 'tools/call', { name: 'test_trigger_prompt_change', arguments: {} });
    await until(() => sseMessages(listening.events).some((m) => m.method === 'notifications/prompts/list_changed'), 5000);
    ctl.abort();
    await listening.done;
  });
});
