// Raw-HTTP helpers for MCP Streamable HTTP integration tests (no SDK in between).
//
//   import { post, modernHeaders, modernMeta, modernPost, legacyInit, legacyHeaders,
//            validate, validateAll, messagesOf } from '../lib/wire.mjs';
//
//   const res = await post(url, { jsonrpc: '2.0', id: 1, method: 'tools/list',
//                                 params: { _meta: modernMeta() } },
//                          modernHeaders('tools/list'));
//   res.status, res.headers.get('content-type'), res.json or res.events
//   validate('2026-07-28', res.json, 'tools/list')       // -> [] when schema-valid
//
// Response shape of post()/request():
//   { status, headers (a Headers), contentType, text (raw body),
//     json    (parsed body when it was application/json; undefined otherwise),
//     events  (text/event-stream: [{ id, event, data, retry }], data parsed as JSON
//              when it is JSON, the raw string otherwise, undefined when empty),
//     sseTrailing (text after the last complete event; '' for a well-formed stream),
//     messages (the JSON-RPC messages: json as an array, or the events' data objects) }
import { validateMessage } from './schema.mjs';

export const MODERN_VERSION = '2026-07-28';
export const LEGACY_VERSION = '2025-11-25';
export const ACCEPT_BOTH = 'application/json, text/event-stream';
export const CLIENT_INFO = Object.freeze({ name: 'mcpxx-wire-tests', version: '1.0.0' });

const DEFAULT_TIMEOUT_MS = Number(process.env.MCP_WIRE_TIMEOUT_MS ?? 30_000);

/**
 * Parses a text/event-stream body into events (WHATWG SSE field rules). As in
 * EventSource, an event is dispatched only at a blank line: trailing text without
 * one is not an event; it is returned separately as `trailing`.
 * @returns {{events: {id?: string, event?: string, data: any, retry?: number}[], trailing: string}}
 */
export function parseSseStream(text) {
  const events = [];
  const lines = text.split(/\r\n|\r|\n/);
  // The last element is whatever followed the final line break (maybe '').
  const tail = lines.pop();
  let cur = null;
  let pending = [];
  for (const line of lines) {
    pending.push(line);
    if (line === '') {
      if (cur) {
        const raw = cur.data.join('\n');
        let data;
        if (raw !== '') {
          try {
            data = JSON.parse(raw);
          } catch {
            data = raw;
          }
        }
        events.push({ id: cur.id, event: cur.event, data, retry: cur.retry });
      }
      cur = null;
      pending = [];
      continue;
    }
    if (line.startsWith(':')) continue; // comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    cur ??= { id: undefined, event: undefined, data: [], retry: undefined };
    if (field === 'data') cur.data.push(value);
    else if (field === 'id') cur.id = value;
    else if (field === 'event') cur.event = value;
    else if (field === 'retry' && /^\d+$/.test(value)) cur.retry = Number(value);
  }
  const trailing = [...pending, tail].join('\n');
  return { events, trailing: trailing.trim() === '' ? '' : trailing };
}

/** Events of a text/event-stream body (see parseSseStream). */
export const parseSse = (text) => parseSseStream(text).events;

const isResponseTo = (msg, id) =>
  msg && typeof msg === 'object' && !('method' in msg) && ('result' in msg || 'error' in msg) && msg.id === id;

/**
 * Reads an SSE body incrementally; stops at the end of the stream or, when
 * `stopAtId` is given, right after the JSON-RPC response with that id (then
 * cancels the stream, so servers that keep it open do not hang the test).
 */
async function readSse(response, stopAtId, signal) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let events = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (stopAtId !== undefined) {
        // Only complete events (terminated by a blank line) are considered.
        ({ events } = parseSseStream(text));
        if (events.some((e) => isResponseTo(e.data, stopAtId))) {
          await reader.cancel().catch(() => {});
          return { text, ...parseSseStream(text) };
        }
      }
      if (signal?.aborted) break;
    }
    text += decoder.decode();
  } finally {
    try {
      reader.releaseLock();
    } catch {
      // already released by cancel()
    }
  }
  return { text, ...parseSseStream(text) };
}

/** Lower-cased header map; a header whose value is null/undefined is removed. */
function mergeHeaders(...sets) {
  const out = {};
  for (const set of sets) {
    for (const [k, v] of Object.entries(set ?? {})) {
      const key = k.toLowerCase();
      if (v === null || v === undefined) delete out[key];
      else out[key] = String(v);
    }
  }
  return out;
}

/**
 * Any HTTP request to an MCP endpoint.
 * @param {string|URL} url
 * @param {{method?: string, body?: any, headers?: object, timeoutMs?: number, untilResponse?: boolean}} [o]
 *   body: an object/array (sent as JSON) or a string (sent verbatim, e.g. malformed JSON)
 *   untilResponse (default true): for a request body, stop reading an SSE answer once
 *   its response arrived
 */
export async function request(url, o = {}) {
  const method = o.method ?? (o.body === undefined ? 'GET' : 'POST');
  const body = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  const defaults = method === 'POST' ? { accept: ACCEPT_BOTH, 'content-type': 'application/json' } : { accept: 'text/event-stream' };
  const headers = mergeHeaders(defaults, o.headers);
  const signal = AbortSignal.timeout(o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const response = await fetch(url, { method, headers, body, signal });
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  const out = { status: response.status, headers: response.headers, contentType, text: '', json: undefined, events: undefined, messages: [] };
  if (contentType === 'text/event-stream' && response.body) {
    const stopAtId = o.untilResponse !== false && o.body && typeof o.body === 'object' && !Array.isArray(o.body) && 'method' in o.body
      ? o.body.id
      : undefined;
    const { text, events, trailing } = await readSse(response, stopAtId, signal);
    out.text = text;
    out.events = events;
    out.sseTrailing = trailing;
    out.messages = events.map((e) => e.data).filter((d) => d && typeof d === 'object');
  } else {
    out.text = await response.text();
    if (contentType === 'application/json' || /^\s*[[{]/.test(out.text)) {
      try {
        out.json = JSON.parse(out.text);
        out.messages = Array.isArray(out.json) ? out.json : [out.json];
      } catch {
        out.json = undefined;
      }
    }
  }
  return out;
}

/** POST `body` (object → JSON, string → verbatim) with extra `headers`. */
export function post(url, body, headers = {}, opts = {}) {
  return request(url, { ...opts, method: 'POST', body, headers });
}

/** The 2026-07-28 request headers; `name` → Mcp-Name (tool / prompt name or resource URI). */
export function modernHeaders(method, name, version = MODERN_VERSION) {
  const h = {
    Accept: ACCEPT_BOTH,
    'Content-Type': 'application/json',
    'MCP-Protocol-Version': version,
    'Mcp-Method': method
  };
  if (name !== undefined && name !== null) h['Mcp-Name'] = String(name);
  return h;
}

/** The 2026-07-28 per-request `_meta` envelope; `extra` keys are merged over it. */
export function modernMeta(extra = {}) {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': { ...CLIENT_INFO },
    ...extra
  };
}

/** The Mcp-Name value the 2026-07-28 wire expects for a request, or undefined. */
export function mcpNameFor(method, params = {}) {
  if (method === 'tools/call' || method === 'prompts/get') return params.name;
  if (method === 'resources/read') return params.uri;
  return undefined;
}

let nextId = 1;

/**
 * One 2026-07-28 request: body with `_meta` envelope (params._meta merged over it)
 * and matching headers. o.headers overrides/removes headers (null removes).
 */
export function modernPost(url, method, params = {}, o = {}) {
  const { _meta, ...rest } = params;
  const id = o.id ?? nextId++;
  const body = { jsonrpc: '2.0', id, method, params: { ...rest, _meta: modernMeta(_meta) } };
  const headers = mergeHeaders(modernHeaders(method, mcpNameFor(method, params)), o.headers);
  return post(url, body, headers, o);
}

/** Headers of a legacy (2025) request inside a session. */
export function legacyHeaders(sessionId, version = LEGACY_VERSION) {
  const h = { Accept: ACCEPT_BOTH, 'Content-Type': 'application/json', 'MCP-Protocol-Version': version };
  if (sessionId) h['Mcp-Session-Id'] = sessionId;
  return h;
}

/**
 * Legacy handshake: initialize at `version`, then notifications/initialized.
 * Returns the Mcp-Session-Id (throws when the server sends none or errors).
 * The initialize response is kept in `legacyInit.last` for tests that inspect it.
 */
export async function legacyInit(url, version = LEGACY_VERSION, capabilities = {}) {
  const init = await post(url, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: version, capabilities, clientInfo: { ...CLIENT_INFO } }
  }, { Accept: ACCEPT_BOTH, 'Content-Type': 'application/json' });
  legacyInit.last = init;
  const answer = init.messages.find((m) => m.id === 0);
  if (init.status !== 200 || !answer?.result) {
    throw new Error(`initialize failed: HTTP ${init.status} ${init.text.slice(0, 300)}`);
  }
  const sessionId = init.headers.get('mcp-session-id');
  if (!sessionId) throw new Error('initialize answered without an Mcp-Session-Id header');
  const negotiated = answer.result.protocolVersion ?? version;
  const ack = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, legacyHeaders(sessionId, negotiated));
  if (ack.status !== 202) throw new Error(`notifications/initialized: expected HTTP 202, got ${ack.status} ${ack.text.slice(0, 200)}`);
  return sessionId;
}
legacyInit.last = undefined;

/**
 * Schema-validates one JSON-RPC message at `revision`.
 * @param {string} revision     '2025-03-26' | '2025-06-18' | '2025-11-25' | '2026-07-28'
 * @param {object} message      request, notification, result or error response
 * @param {string|{method?: string}} [method]  for a response: the request's method
 *   (tools/list → ListToolsResult, server/discover → DiscoverResult, ping → EmptyResult...)
 * @returns {string[]} errors; [] when valid
 */
export function validate(revision, message, method) {
  return validateMessage(revision, message, typeof method === 'string' ? { method } : method ?? {});
}

/** Validates every JSON-RPC message of a post() answer; responses are checked as answers to `method`. */
export function validateAll(revision, res, method) {
  return res.messages.flatMap((m, i) => validate(revision, m, 'method' in m ? undefined : method).map((e) => `[${i}] ${e}`));
}

/** The JSON-RPC messages of a post() answer (convenience). */
export const messagesOf = (res) => res.messages;

/**
 * Reads the SSE events of an open (long-lived) response into `events` as they arrive,
 * until the stream ends or the caller aborts its fetch; `done` settles then.
 *   const { events, done } = collectSse(await fetch(url, { signal: ctl.signal, ... }));
 */
export function collectSse(response) {
  const events = [];
  const decoder = new TextDecoder();
  let buffered = '';
  const done = (async () => {
    try {
      for await (const chunk of response.body) {
        buffered += decoder.decode(chunk, { stream: true });
        const parsed = parseSseStream(buffered);
        buffered = parsed.trailing;
        events.push(...parsed.events);
      }
    } catch {
      // aborted
    }
  })();
  return { events, done };
}

/** Resolves once pred() is true; rejects after ms. */
export async function until(pred, ms = 3000) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The JSON-RPC messages among SSE events (priming events and comments left out). */
export const sseMessages = (events) => events.map((e) => e.data).filter((d) => d && typeof d === 'object');
