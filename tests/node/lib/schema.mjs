// Validation of JSON-RPC messages against the official MCP JSON schema of one
// protocol revision (copies in tests/node/schema/<revision>/schema.json).
//
//   import { validateMessage, revisions } from './schema.mjs';
//   const errors = validateMessage('2026-07-28', message, { method: 'tools/list' });
//   // [] when valid, else human-readable strings
//
// What a message is checked against:
//   request / notification   JSONRPCMessage + the def whose `method` const matches
//                            (e.g. CallToolRequest, ProgressNotification)
//   result response          JSONRPCMessage + the result def of the request's method
//                            (`opts.method`, or message.method is absent so it must
//                            be passed): tools/list -> ListToolsResult, ping ->
//                            EmptyResult, ...; a 2026 `resultType: "input_required"`
//                            result -> InputRequiredResult. Unknown method: Result.
//   error response           JSONRPCMessage + (for codes with a dedicated def, e.g.
//                            -32602 InvalidParamsError on 2026-07-28) that def
// 2025-03-26 and 2025-06-18 are draft-07 schemas (`definitions`); 2025-11-25 and
// 2026-07-28 are 2020-12 (`$defs`). Each gets the matching Ajv flavour.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Ajv07 = require('ajv').default;
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;

const SCHEMA_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema');

/** Revisions that have a schema copy, oldest first. */
export const revisions = existsSync(SCHEMA_ROOT)
  ? readdirSync(SCHEMA_ROOT).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && existsSync(join(SCHEMA_ROOT, d, 'schema.json'))).sort()
  : [];

// Result defs whose name does not follow <X>Request -> <X>Result.
const RESULT_OVERRIDES = {
  ping: 'EmptyResult',
  'logging/setLevel': 'EmptyResult',
  'resources/subscribe': 'EmptyResult',
  'resources/unsubscribe': 'EmptyResult',
  'notifications/cancelled': null
};

const cache = new Map();

function load(revision) {
  if (cache.has(revision)) return cache.get(revision);
  const file = join(SCHEMA_ROOT, revision, 'schema.json');
  if (!existsSync(file)) throw new Error(`no schema for revision ${revision} (have: ${revisions.join(', ')})`);
  const schema = JSON.parse(readFileSync(file, 'utf8'));
  const is2020 = String(schema.$schema ?? '').includes('2020-12');
  const defsKey = schema.$defs ? '$defs' : 'definitions';
  const defs = schema[defsKey];
  const ajv = is2020
    ? new Ajv2020({ strict: false, allErrors: true, validateFormats: true })
    : new Ajv07({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  const id = `urn:mcpxx:mcp-schema:${revision}`;
  ajv.addSchema({ ...schema, $id: id });

  // method -> request/notification def; method -> result def; error code -> def.
  const methodDefs = new Map();
  const resultDefs = new Map();
  for (const [name, def] of Object.entries(defs)) {
    const method = def?.properties?.method?.const;
    if (typeof method !== 'string') continue;
    if (name.endsWith('Request') || name.endsWith('Notification')) methodDefs.set(method, name);
    if (name.endsWith('Request')) {
      const override = RESULT_OVERRIDES[method];
      const guess = name.replace(/Request$/, 'Result');
      resultDefs.set(method, override !== undefined ? override : defs[guess] ? guess : 'Result');
    }
  }
  for (const [method, name] of Object.entries(RESULT_OVERRIDES)) {
    if (name && defs[name] && !resultDefs.has(method) && methodDefs.has(method)) resultDefs.set(method, name);
  }
  const codeCount = new Map();
  for (const def of Object.values(defs)) {
    const code = def?.properties?.code?.const;
    if (typeof code === 'number') codeCount.set(code, (codeCount.get(code) ?? 0) + 1);
  }
  const errorDefs = new Map();
  for (const [name, def] of Object.entries(defs)) {
    const code = def?.properties?.code?.const;
    if (typeof code === 'number' && codeCount.get(code) === 1) errorDefs.set(code, name);
  }

  const compiled = new Map();
  const validator = (defName) => {
    if (!compiled.has(defName)) {
      if (!defs[defName]) return null;
      compiled.set(defName, ajv.compile({ $ref: `${id}#/${defsKey}/${defName}` }));
    }
    return compiled.get(defName);
  };
  const entry = { revision, defs, methodDefs, resultDefs, errorDefs, validator };
  cache.set(revision, entry);
  return entry;
}

function run(entry, defName, value, label) {
  const v = entry.validator(defName);
  if (!v) return [`${label}: schema ${entry.revision} has no definition ${defName}`];
  if (v(value)) return [];
  return (v.errors ?? []).slice(0, 8).map((e) => {
    const extra = e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : '';
    return `${label} (${defName})${e.instancePath || ''} ${e.message}${extra}`;
  });
}

/** The result def name used for `method` at `revision` (for tests and callers). */
export function resultDefFor(revision, method) {
  return load(revision).resultDefs.get(method) ?? 'Result';
}

/**
 * Validates one JSON-RPC message (request, notification, result or error
 * response, or a batch array on revisions that allow it).
 * @param {string} revision  e.g. '2025-11-25'
 * @param {object} message   the parsed JSON-RPC message
 * @param {{method?: string}} [opts]  for responses: the method of the request it answers
 * @returns {string[]} errors (empty = valid)
 */
export function validateMessage(revision, message, opts = {}) {
  const entry = load(revision);
  if (Array.isArray(message)) {
    return message.flatMap((m, i) => validateMessage(revision, m, opts).map((e) => `[${i}] ${e}`));
  }
  const errors = run(entry, 'JSONRPCMessage', message, 'message');
  if (message === null || typeof message !== 'object') return errors.length ? errors : ['message: not an object'];
  // anyOf errors are noisy; when the specific check below finds the cause, prefer it.
  let specific = [];
  if (typeof message.method === 'string') {
    const def = entry.methodDefs.get(message.method);
    if (def) specific = run(entry, def, message, message.method);
  } else if ('result' in message) {
    const method = opts.method;
    let def = method ? entry.resultDefs.get(method) ?? 'Result' : 'Result';
    if (message.result?.resultType === 'input_required' && entry.defs.InputRequiredResult) def = 'InputRequiredResult';
    if (def) specific = run(entry, def, message.result, `result of ${method ?? '(unknown method)'}`);
  } else if ('error' in message) {
    const def = entry.errorDefs.get(message.error?.code);
    if (def) specific = run(entry, def, message.error, `error ${message.error?.code}`);
  }
  if (specific.length) return specific.concat(errors.length ? ['message (JSONRPCMessage) does not match any JSON-RPC shape'] : []);
  return errors.length ? errors.slice(0, 1).concat(errors.length > 1 ? [`(${errors.length - 1} more anyOf branch errors)`] : []) : [];
}

/** Validates an arbitrary value against a named definition of a revision. */
export function validateDef(revision, defName, value) {
  return run(load(revision), defName, value, 'value');
}
