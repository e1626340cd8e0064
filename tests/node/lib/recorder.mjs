// Records the JSON-RPC traffic of an MCP SDK client transport (v1 `@modelcontextprotocol/sdk`
// or v2 `@modelcontextprotocol/client`; both expose `send()` and an `onmessage` property
// that the client's Protocol assigns on connect) so that every message the client
// RECEIVES can be validated against the official schema of the negotiated revision.
//
//   const rec = recordTransport(transport);   // before client.connect(transport)
//   ... use the client ...
//   rec.protocolVersion()                     // from the initialize result (legacy era)
//   rec.check(revision)                       // errors for messages not yet checked
import { validateMessage } from './schema.mjs';

export function recordTransport(transport) {
  const outgoing = new Map(); // request id -> method
  const received = []; // { message, method }
  let checkedUpTo = 0;

  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    const list = Array.isArray(message) ? message : [message];
    for (const m of list) {
      if (m && typeof m.method === 'string' && m.id !== undefined) outgoing.set(String(m.id), m.method);
    }
    return send(message, options);
  };

  let handler;
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    enumerable: true,
    get: () => handler,
    set: (fn) => {
      handler = typeof fn === 'function'
        ? (message, extra) => {
            const method = message && typeof message === 'object' && !('method' in message) && message.id !== undefined
              ? outgoing.get(String(message.id))
              : undefined;
            received.push({ message: structuredClone(message), method });
            return fn(message, extra);
          }
        : fn;
    }
  });

  return {
    received,
    /** protocolVersion of the last initialize result received, if any. */
    protocolVersion() {
      for (let i = received.length - 1; i >= 0; i--) {
        if (received[i].method === 'initialize' && received[i].message.result?.protocolVersion) {
          return received[i].message.result.protocolVersion;
        }
      }
      return undefined;
    },
    /** Validates messages received since the last call; returns error strings. */
    check(revision) {
      const errors = [];
      for (; checkedUpTo < received.length; checkedUpTo++) {
        const { message, method } = received[checkedUpTo];
        const what = method ? `response to ${method}` : message?.method ?? `message id ${message?.id}`;
        for (const e of validateMessage(revision, message, { method })) errors.push(`${what}: ${e}`);
      }
      return errors;
    }
  };
}
