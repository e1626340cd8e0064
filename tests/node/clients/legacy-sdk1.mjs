// mcpxx-demo through the official TypeScript SDK 1.x client (@modelcontextprotocol/sdk):
// legacy era, `initialize` handshake + Mcp-Session-Id over Streamable HTTP.
//
//   node --test-reporter=spec clients/legacy-sdk1.mjs http://127.0.0.1:PORT/mcp
//   MCP_URL=http://127.0.0.1:PORT/mcp node --test --test-reporter=spec clients/legacy-sdk1.mjs
//
// Every message the client receives is validated against the official JSON schema
// of the protocol version the server negotiated (tests/node/schema/<rev>/schema.json).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';

import { defineDemoSuite, targetUrl } from '../lib/demo-suite.mjs';
import { recordTransport } from '../lib/recorder.mjs';

const url = targetUrl('clients/legacy-sdk1.mjs');

defineDemoSuite({
  title: `SDK 1.x client (legacy era) against ${url}`,
  era: 'legacy',
  async connect() {
    // maxRetries 0: SDK 1.32.2 resumes (GET + Last-Event-ID, after the server's
    // `retry` interval) any POST SSE stream that carried a priming event but no
    // *result*; a JSON-RPC *error* response does not count as an answer there, so
    // every error test would leave a reconnection timer behind (close() cancels
    // only the last one), hitting the server after the session ended and keeping
    // the process alive for seconds. None of these tests needs resumption.
    const transport = new StreamableHTTPClientTransport(url, {
      reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 30000, reconnectionDelayGrowFactor: 1.5 }
    });
    const recorder = recordTransport(transport);
    const client = new Client({ name: 'mcpxx-tests-sdk1', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    const elicitation = { requests: [], answer: () => ({ action: 'decline' }) };
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      elicitation.requests.push(request.params);
      return elicitation.answer(request.params);
    });
    await client.connect(transport);
    return {
      client,
      elicitation,
      callWithProgress: (params, onprogress) => client.callTool(params, undefined, { onprogress }),
      recorder,
      revision: () => recorder.protocolVersion() ?? transport.protocolVersion,
      async close() {
        // Close first (aborts the SSE streams), then end the session with a plain
        // DELETE: terminateSession() before close() makes the server end the
        // standalone GET stream while the transport is still live, which it
        // answers with a reconnection attempt.
        const sessionId = transport.sessionId;
        const protocolVersion = transport.protocolVersion;
        await client.close();
        if (sessionId) {
          const headers = { 'mcp-session-id': sessionId };
          if (protocolVersion) headers['mcp-protocol-version'] = protocolVersion;
          await fetch(url, { method: 'DELETE', headers, signal: AbortSignal.timeout(5000) })
            .then((r) => r.body?.cancel())
            .catch(() => {});
        }
      }
    };
  },
  rpcError(error) {
    if (error instanceof McpError) return { code: error.code, data: error.data, message: error.message };
    return error;
  }
});
