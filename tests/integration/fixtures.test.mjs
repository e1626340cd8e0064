// The exact outputs of mcpxx-conformance's fixtures, on both eras. The official suite
// mostly checks shapes (a missing fixture can still pass), so the texts, progress
// sequence and log filtering are asserted here. Every message is schema-validated.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { legacyHeaders, legacyInit, modernPost, post, validateAll } from '../node/lib/wire.mjs';
import { startServer } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer('mcpxx-conformance');
});
after(async () => {
  await srv.stop();
});

let nextId = 100;
async function legacyCall(sid, method, params, version = '2025-11-25') {
  const res = await post(srv.url, { jsonrpc: '2.0', id: nextId++, method, params }, legacyHeaders(sid, version));
  assert.deepEqual(validateAll(version, res, method), [], res.text);
  return res;
}
async function modernCall(method, params) {
  const res = await modernPost(srv.url, method, params);
  assert.deepEqual(validateAll('2026-07-28', res, method), [], res.text);
  return res;
}
const resultOf = (res) => res.messages.find((m) => 'result' in m || 'error' in m);

const eras = {
  legacy: async () => {
    const sid = await legacyInit(srv.url);
    return (method, params) => legacyCall(sid, method, params);
  },
  modern: async () => (method, params) => modernCall(method, params),
};

for (const [era, open] of Object.entries(eras)) {
  describe(`fixtures on the ${era} wire`, () => {
    let call;
    before(async () => {
      call = await open();
    });
    test('test_simple_text', async () => {
      const r = resultOf(await call('tools/call', { name: 'test_simple_text', arguments: {} })).result;
      assert.deepEqual(r.content, [{ type: 'text', text: 'This is a simple text response for testing.' }]);
      assert.equal(r.isError, undefined);
    });
    test('test_error_handling is an isError result', async () => {
      const r = resultOf(await call('tools/call', { name: 'test_error_handling', arguments: {} })).result;
      assert.equal(r.isError, true);
      assert.equal(r.content[0].text, 'This tool intentionally returns an error for testing');
    });
    test('test_image_content and test_audio_content', async () => {
      const img = resultOf(await call('tools/call', { name: 'test_image_content' })).result.content[0];
      assert.equal(img.type, 'image');
      assert.equal(img.mimeType, 'image/png');
      assert.equal(Buffer.from(img.data, 'base64').subarray(1, 4).toString(), 'PNG');
      const audio = resultOf(await call('tools/call', { name: 'test_audio_content' })).result.content[0];
      assert.equal(audio.type, 'audio');
      assert.equal(audio.mimeType, 'audio/wav');
      assert.equal(Buffer.from(audio.data, 'base64').subarray(0, 4).toString(), 'RIFF');
    });
    test('test_embedded_resource and test_multiple_content_types', async () => {
      const e = resultOf(await call('tools/call', { name: 'test_embedded_resource' })).result.content[0];
      assert.deepEqual(e, { type: 'resource', resource: { uri: 'test://embedded-resource', text: 'This is an embedded resource content.', mimeType: 'text/plain' } });
      const m = resultOf(await call('tools/call', { name: 'test_multiple_content_types' })).result.content;
      assert.deepEqual(m.map((c) => c.type), ['text', 'image', 'resource']);
      assert.equal(m[2].resource.uri, 'test://mixed-content-resource');
      assert.equal(m[2].resource.mimeType, 'application/json');
    });
    test('test_tool_with_progress streams 0, 50, 100 of 100 for the request token, then the result', async () => {
      const res = await call('tools/call', { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: `tok-${era}` } });
      assert.equal(res.contentType, 'text/event-stream');
      assert.equal(res.headers.get('x-accel-buffering'), 'no');
      const progress = res.messages.filter((m) => m.method === 'notifications/progress').map((m) => m.params);
      assert.deepEqual(progress.map((p) => [p.progressToken, p.progress, p.total]), [[`tok-${era}`, 0, 100], [`tok-${era}`, 50, 100], [`tok-${era}`, 100, 100]]);
      assert.ok('result' in res.messages.at(-1), 'the result is the last event');
    });
    test('without a progress token nothing streams: plain JSON', async () => {
      const res = await call('tools/call', { name: 'test_tool_with_progress', arguments: {} });
      assert.equal(res.contentType, 'application/json');
      assert.equal(res.json.result.content[0].text, 'Progress test completed');
    });
    test('resources: static text, binary, template', async () => {
      const t = resultOf(await call('resources/read', { uri: 'test://static-text' })).result.contents[0];
      assert.deepEqual([t.uri, t.mimeType, t.text], ['test://static-text', 'text/plain', 'This is the content of the static text resource.']);
      const b = resultOf(await call('resources/read', { uri: 'test://static-binary' })).result.contents[0];
      assert.equal(b.mimeType, 'image/png');
      assert.ok(b.blob.length > 20);
      const d = resultOf(await call('resources/read', { uri: 'test://template/123/data' })).result.contents[0];
      assert.equal(d.mimeType, 'application/json');
      assert.deepEqual(JSON.parse(d.text), { id: '123', templateTest: true, data: 'Data for ID: 123' });
    });
    test('prompts: simple, with arguments, embedded resource, image', async () => {
      const s = resultOf(await call('prompts/get', { name: 'test_simple_prompt' })).result.messages;
      assert.deepEqual(s, [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }]);
      const a = resultOf(await call('prompts/get', { name: 'test_prompt_with_arguments', arguments: { arg1: 'hello', arg2: 'world' } })).result.messages;
      assert.equal(a[0].content.text, "Prompt with arguments: arg1='hello', arg2='world'");
      const missing = resultOf(await call('prompts/get', { name: 'test_prompt_with_arguments', arguments: { arg1: 'x' } }));
      assert.equal(missing.error.code, -32602);
      const e = resultOf(await call('prompts/get', { name: 'test_prompt_with_embedded_resource', arguments: { resourceUri: 'test://static-text' } })).result.messages;
      assert.equal(e[0].content.type, 'resource');
      assert.equal(e[0].content.resource.uri, 'test://static-text');
      assert.equal(e[1].content.text, 'Please process the embedded resource above.');
      const i = resultOf(await call('prompts/get', { name: 'test_prompt_with_image' })).result.messages;
      assert.equal(i[0].content.type, 'image');
      assert.equal(i[1].content.text, 'Please analyze the image above.');
    });
    test('completion/complete filters arg1 values by prefix', async () => {
      const r = resultOf(await call('completion/complete', {
        ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'par' },
      })).result.completion;
      assert.deepEqual(r.values, ['paris', 'park', 'party']);
      assert.equal(r.hasMore, false);
    });
    test('tools/list: descriptions, valid names, deterministic order, echo schema', async () => {
      const a = resultOf(await call('tools/list', {})).result.tools;
      const b = resultOf(await call('tools/list', {})).result.tools;
      assert.deepEqual(a.map((t) => t.name), b.map((t) => t.name));
      assert.deepEqual(a.map((t) => t.name), [...a.map((t) => t.name)].sort());
      for (const t of a) {
        assert.match(t.name, /^[A-Za-z0-9_.-]{1,64}$/);
        assert.ok(t.description, `${t.name} has a description`);
        assert.equal(t.inputSchema.type, 'object');
      }
      const echo = a.find((t) => t.name === 'echo');
      assert.deepEqual(echo.inputSchema.required, ['message']);
      const r = resultOf(await call('tools/call', { name: 'echo', arguments: { message: 'héllo' } })).result;
      assert.deepEqual(r.content, [{ type: 'text', text: 'héllo' }]);
    });
  });
}

describe('logging', () => {
  test('legacy: all three info messages; logging/setLevel filters them', async () => {
    const sid = await legacyInit(srv.url);
    const res = await legacyCall(sid, 'tools/call', { name: 'test_tool_with_logging', arguments: {} });
    const logs = res.messages.filter((m) => m.method === 'notifications/message').map((m) => [m.params.level, m.params.data]);
    assert.deepEqual(logs, [['info', 'Tool execution started'], ['info', 'Tool processing data'], ['info', 'Tool execution completed']]);
    const set = await legacyCall(sid, 'logging/setLevel', { level: 'warning' });
    assert.deepEqual(set.json.result, {});
    const quiet = await legacyCall(sid, 'tools/call', { name: 'test_tool_with_logging', arguments: {} });
    assert.equal(quiet.contentType, 'application/json', 'nothing at warning or above: no stream');
    const bad = await legacyCall(sid, 'logging/setLevel', { level: 'loud' });
    assert.equal(bad.json.error.code, -32602);
  });
  test('modern: no logLevel, no logs; logLevel info sends info and not debug', async () => {
    const none = await modernCall('tools/call', { name: 'test_logging_tool', arguments: {} });
    assert.equal(none.contentType, 'application/json');
    const info = await modernCall('tools/call', { name: 'test_logging_tool', arguments: {}, _meta: { 'io.modelcontextprotocol/logLevel': 'info' } });
    const logs = info.messages.filter((m) => m.method === 'notifications/message').map((m) => m.params.level);
    assert.deepEqual(logs, ['info']);
    const debug = await modernCall('tools/call', { name: 'test_logging_tool', arguments: {}, _meta: { 'io.modelcontextprotocol/logLevel': 'debug' } });
    assert.deepEqual(debug.messages.filter((m) => m.method === 'notifications/message').map((m) => m.params.level), ['info', 'debug']);
  });
});
