// mcpxx-demo through the official TypeScript SDK 2.x client (@modelcontextprotocol/client
// 2.4.0) on the 2026-07-28 stateless wire: no initialize; every request carries the
// per-request `_meta` envelope and MCP-Protocol-Version / Mcp-Method / Mcp-Name headers.
//
//   node --test-reporter=spec clients/modern-client2.mjs http://127.0.0.1:PORT/mcp
//   MCP_URL=http://127.0.0.1:PORT/mcp node --test --test-reporter=spec clients/modern-client2.mjs
//
// The v2 Client defaults to the legacy era; `versionNegotiation: { mode: { pin } }`
// forces the modern era at exactly 2026-07-28 (connect() sends a `server/discover`
// probe and fails loudly unless the server offers that revision; no fallback).
// Every message the client receives is validated against the 2026-07-28 schema.
import { Client, ProtocolError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

import { defineDemoSuite, targetUrl } from '../lib/demo-suite.mjs';
import { recordTransport } from '../lib/recorder.mjs';

const REVISION = '2026-07-28';
const url = targetUrl('clients/modern-client2.mjs');

defineDemoSuite({
  title: `SDK 2.x client (${REVISION} stateless) against ${url}`,
  era: 'modern',
  async connect() {
    const transport = new StreamableHTTPClientTransport(url);
    const recorder = recordTransport(transport);
    const client = new Client(
      { name: 'mcpxx-tests-client2', version: '1.0.0' },
      { capabilities: { elicitation: {} }, versionNegotiation: { mode: { pin: REVISION } } }
    );
    // input_required rounds are fulfilled through this handler, then retried.
    const elicitation = { requests: [], answer: () => ({ action: 'decline' }) };
    client.setRequestHandler('elicitation/create', async (request) => {
      elicitation.requests.push(request.params);
      return elicitation.answer(request.params);
    });
    await client.connect(transport);
    if (client.getProtocolEra() !== 'modern' || client.getNegotiatedProtocolVersion() !== REVISION) {
      throw new Error(`expected the modern era at ${REVISION}, got ${client.getProtocolEra()} ${client.getNegotiatedProtocolVersion()}`);
    }
    return {
      client,
      elicitation,
      callWithProgress: (params, onprogress) => client.callTool(params, { onprogress }),
      recorder,
      revision: () => client.getNegotiatedProtocolVersion(),
      close: () => client.close()
    };
  },
  rpcError(error) {
    if (error instanceof ProtocolError) return { code: error.code, data: error.data, message: error.message };
    return error;
  }
});
