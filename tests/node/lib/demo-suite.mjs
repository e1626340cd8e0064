// The mcpxx-demo contract, as node:test tests shared by the official-client scripts
// (clients/legacy-sdk1.mjs, clients/modern-client2.mjs). Each script supplies a
// `connect()` that returns a connected SDK client plus a transport recorder; the
// tests below only use the client API both SDK lines share (listTools, callTool,
// listResources, listResourceTemplates, readResource, listPrompts, getPrompt),
// and after every test check that every message the client received validates
// against the official schema of the negotiated revision.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

/** URL from argv[2] or MCP_URL; exits with a usage message otherwise. */
export function targetUrl(script) {
  const raw = process.argv[2] ?? process.env.MCP_URL;
  if (!raw) {
    console.error(`usage: node --test-reporter=spec ${script} URL   (or MCP_URL=URL node --test ${script})`);
    process.exit(2);
  }
  try {
    return new URL(raw);
  } catch {
    console.error(`not a URL: ${raw}`);
    process.exit(2);
  }
}

const TOOLS = ['delete_product', 'get_user_context', 'import_products', 'query_users', 'search_products'];
// Per test / hook; a hung server fails the test instead of hanging the run.
const TIMEOUT_MS = Number(process.env.MCP_TEST_TIMEOUT_MS ?? 30_000);
const todayUtc = () => new Date().toISOString().slice(0, 10);
const textOf = (result) => (result.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
const isInt = (v) => Number.isInteger(v);

function hasKeyDeep(value, pattern) {
  if (Array.isArray(value)) return value.some((v) => hasKeyDeep(v, pattern));
  if (value && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => pattern.test(k) || hasKeyDeep(v, pattern));
  }
  return false;
}

function assertUser(user, where) {
  assert.ok(user && typeof user === 'object', `${where}: user object`);
  assert.ok(isInt(user.id), `${where}: id is an integer (${JSON.stringify(user.id)})`);
  assert.equal(typeof user.name, 'string', `${where}: name is a string`);
  assert.equal(typeof user.email, 'string', `${where}: email is a string`);
}

/**
 * @param {object} o
 * @param {string} o.title                suite title
 * @param {'legacy'|'modern'} o.era       expected era
 * @param {() => Promise<{client, recorder, revision: () => string, close: () => Promise<void>}>} o.connect
 * @param {(error) => {code?: number, data?: any, message: string}} [o.rpcError]  normalise a thrown JSON-RPC error
 */
export function defineDemoSuite({ title, era, connect, rpcError = (e) => e }) {
  describe(title, () => {
    let session;
    let client;
    let revision;
    let firstUsers;

    before(async () => {
      session = await connect();
      client = session.client;
      revision = session.revision();
    }, { timeout: TIMEOUT_MS });
    after(async () => {
      await session?.close().catch(() => {});
    }, { timeout: TIMEOUT_MS });

    /** Wraps a test body: runs it, then schema-checks everything received meanwhile. */
    const wireTest = (name, body) =>
      test(name, { timeout: TIMEOUT_MS }, async () => {
        try {
          await body();
        } finally {
          const errors = session ? session.recorder.check(revision) : [];
          assert.deepEqual(errors, [], `messages received that violate the ${revision} schema`);
        }
      });

    /** Expects a JSON-RPC error (not a tool result) from `promise`; returns {code, data, message}. */
    const expectRpcError = async (promise, what) => {
      let result;
      try {
        result = await promise;
      } catch (error) {
        const e = rpcError(error);
        assert.equal(typeof e.code, 'number', `${what}: expected a JSON-RPC error with a numeric code, got ${error}`);
        return e;
      }
      assert.fail(`${what}: expected a JSON-RPC error, got a result ${JSON.stringify(result).slice(0, 300)}`);
    };

    wireTest('connects on the expected era and revision', async () => {
      if (era === 'modern') {
        assert.equal(revision, '2026-07-28');
      } else {
        assert.match(revision, /^2025-/, `legacy era negotiates a 2025 revision, got ${revision}`);
      }
      const info = client.getServerVersion();
      assert.ok(info?.name, 'server reports serverInfo.name');
      assert.ok(client.getServerCapabilities()?.tools, 'server advertises tools');
      assert.ok(client.getServerCapabilities()?.resources, 'server advertises resources');
      assert.ok(client.getServerCapabilities()?.prompts, 'server advertises prompts');
    });

    wireTest('import_products reports progress up to the total, then returns the new ids', async () => {
      const progress = [];
      const r = await session.callWithProgress({ name: 'import_products', arguments: { count: 4 } }, (p) => progress.push(p));
      assert.notEqual(r.isError, true, textOf(r));
      assert.equal(r.structuredContent.imported, 4);
      assert.equal(r.structuredContent.product_ids.length, 4);
      assert.ok(progress.length >= 2, `at least the first and the last progress event, got ${JSON.stringify(progress)}`);
      assert.deepEqual(progress.at(-1), { progress: 4, total: 4, message: 'Imported 4 of 4' });
      for (let i = 1; i < progress.length; i++) assert.ok(progress[i].progress > progress[i - 1].progress, 'progress increases');
    });

    wireTest('delete_product asks for confirmation: declined keeps the product, accepted deletes it', async () => {
      const imported = await client.callTool({ name: 'import_products', arguments: { count: 1, category: 'to-delete' } });
      const id = imported.structuredContent.product_ids[0];
      session.elicitation.requests.length = 0;
      session.elicitation.answer = () => ({ action: 'decline' });
      const kept = await client.callTool({ name: 'delete_product', arguments: { product_id: id } });
      assert.match(textOf(kept), /Not deleted/);
      assert.equal(session.elicitation.requests.length, 1, 'one confirmation asked');
      assert.match(session.elicitation.requests[0].message, /Imported product 1/);
      assert.equal(session.elicitation.requests[0].requestedSchema.properties.confirm.type, 'boolean');
      const still = await client.callTool({ name: 'search_products', arguments: { query: 'Imported product', category: 'to-delete' } });
      assert.ok(still.structuredContent.products.some((p) => p.id === id), 'still there after decline');

      session.elicitation.answer = () => ({ action: 'accept', content: { confirm: true } });
      const gone = await client.callTool({ name: 'delete_product', arguments: { product_id: id } });
      assert.equal(textOf(gone), `Deleted product ${id}`);
      const after = await client.callTool({ name: 'search_products', arguments: { query: 'Imported product', category: 'to-delete' } });
      assert.ok(!after.structuredContent.products.some((p) => p.id === id), 'gone after accept');
    });

    wireTest('tools/list returns exactly the demo tools with input schemas', async () => {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), TOOLS);
      const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
      for (const t of tools) {
        assert.equal(t.inputSchema?.type, 'object', `${t.name}: inputSchema.type is object`);
        assert.equal(typeof t.description, 'string', `${t.name}: has a description`);
      }
      const limit = byName.query_users.inputSchema.properties?.limit;
      assert.equal(limit?.type, 'integer', 'query_users.limit is an integer');
      if (limit.minimum !== undefined) assert.equal(limit.minimum, 1);
      if (limit.maximum !== undefined) assert.equal(limit.maximum, 1000);
      assert.ok(!(byName.query_users.inputSchema.required ?? []).includes('limit'), 'limit is optional');
      const sp = byName.search_products.inputSchema;
      assert.equal(sp.properties?.query?.type, 'string');
      assert.ok(sp.properties?.category, 'search_products has a category property');
      assert.ok((sp.required ?? []).includes('query'), 'query is required');
      assert.ok(!(sp.required ?? []).includes('category'), 'category is optional');
      const uc = byName.get_user_context.inputSchema;
      assert.equal(uc.properties?.user_id?.type, 'integer');
      assert.ok((uc.required ?? []).includes('user_id'), 'user_id is required');
    });

    wireTest('query_users: default limit 10, limit 3 returns exactly 3 well-formed users', async () => {
      const all = await client.callTool({ name: 'query_users', arguments: {} });
      assert.notEqual(all.isError, true, textOf(all));
      assert.equal(all.structuredContent?.users?.length, 10, 'default limit is 10');
      const three = await client.callTool({ name: 'query_users', arguments: { limit: 3 } });
      assert.notEqual(three.isError, true, textOf(three));
      const users = three.structuredContent?.users;
      assert.ok(Array.isArray(users), 'structuredContent.users is an array');
      assert.equal(users.length, 3);
      users.forEach((u, i) => {
        assertUser(u, `users[${i}]`);
        assert.equal(typeof u.created_at, 'string', `users[${i}].created_at is a string`);
      });
      assert.equal(new Set(users.map((u) => u.id)).size, 3, 'distinct ids');
      const many = await client.callTool({ name: 'query_users', arguments: { limit: 1000 } });
      assert.ok(many.structuredContent.users.length >= 20, 'seeded DB has at least 20 users');
      firstUsers = many.structuredContent.users;
    });

    for (const limit of [0, 5000]) {
      wireTest(`query_users: limit ${limit} is a tool error mentioning /limit`, async () => {
        const r = await client.callTool({ name: 'query_users', arguments: { limit } });
        assert.equal(r.isError, true, `isError for limit ${limit}: ${JSON.stringify(r).slice(0, 300)}`);
        assert.match(textOf(r), /\/limit/, 'error text names the /limit pointer');
      });
    }

    wireTest('search_products: finds the seeded Laptop in electronics', async () => {
      const r = await client.callTool({ name: 'search_products', arguments: { query: 'Laptop' } });
      assert.notEqual(r.isError, true, textOf(r));
      const products = r.structuredContent?.products;
      assert.ok(Array.isArray(products) && products.length > 0, 'products found');
      for (const [i, p] of products.entries()) {
        assert.ok(isInt(p.id), `products[${i}].id integer`);
        assert.equal(typeof p.name, 'string');
        assert.equal(typeof p.category, 'string');
        assert.equal(typeof p.price, 'number', `products[${i}].price is a number`);
      }
      assert.ok(products.some((p) => p.name.includes('Laptop') && p.category === 'electronics'), 'a Laptop in electronics');
      const filtered = await client.callTool({ name: 'search_products', arguments: { query: 'Laptop', category: 'electronics' } });
      assert.notEqual(filtered.isError, true, textOf(filtered));
      assert.ok(filtered.structuredContent.products.length > 0);
      assert.ok(filtered.structuredContent.products.every((p) => p.category === 'electronics'), 'category filter applies');
    });

    wireTest('get_user_context: user + orders, cached=false then true within the TTL', async () => {
      const users = firstUsers ?? (await client.callTool({ name: 'query_users', arguments: { limit: 1000 } })).structuredContent.users;
      // Another client (or an earlier run) may have warmed some ids already: look
      // for one whose first call here is a miss, then expect a hit.
      const ids = users.map((u) => u.id).sort(() => Math.random() - 0.5);
      let verified = false;
      for (const id of ids) {
        const first = await client.callTool({ name: 'get_user_context', arguments: { user_id: id } });
        assert.notEqual(first.isError, true, textOf(first));
        const sc = first.structuredContent;
        assertUser(sc?.user, 'user');
        assert.equal(sc.user.id, id, 'the requested user');
        assert.ok(Array.isArray(sc.orders), 'orders is an array');
        assert.equal(typeof sc.cached, 'boolean', 'cached is a boolean');
        if (sc.cached) continue;
        const second = await client.callTool({ name: 'get_user_context', arguments: { user_id: id } });
        assert.notEqual(second.isError, true, textOf(second));
        assert.equal(second.structuredContent.cached, true, 'second call within the TTL is served from cache');
        assert.deepEqual(second.structuredContent.user, sc.user, 'cached user equals fresh user');
        verified = true;
        break;
      }
      assert.ok(verified, 'every user id was already cached on its first call here; no miss observed');
    });

    wireTest('get_user_context: unknown id is a tool error', async () => {
      const r = await client.callTool({ name: 'get_user_context', arguments: { user_id: 987654321 } });
      assert.equal(r.isError, true, JSON.stringify(r).slice(0, 300));
    });

    wireTest('resources/list and resources/templates/list', async () => {
      const { resources } = await client.listResources();
      const db = resources.find((r) => r.uri === 'config://database');
      assert.ok(db, `config://database listed (got ${resources.map((r) => r.uri).join(', ')})`);
      assert.equal(db.mimeType, 'application/json');
      const { resourceTemplates } = await client.listResourceTemplates();
      const logs = resourceTemplates.find((t) => t.uriTemplate === 'logs://application/{date}');
      assert.ok(logs, `logs://application/{date} listed (got ${resourceTemplates.map((t) => t.uriTemplate).join(', ')})`);
      if (logs.mimeType !== undefined) assert.equal(logs.mimeType, 'text/plain');
    });

    wireTest('resources/read config://database: sqlite, no password', async () => {
      const r = await client.readResource({ uri: 'config://database' });
      assert.equal(r.contents.length, 1);
      const [c] = r.contents;
      assert.equal(c.uri, 'config://database');
      assert.equal(c.mimeType, 'application/json');
      const config = JSON.parse(c.text);
      assert.equal(config.engine, 'sqlite');
      assert.ok(!hasKeyDeep(config, /pass(word|wd)?$/i), 'no password field');
      assert.doesNotMatch(c.text, /password/i);
    });

    wireTest("resources/read today's application log", async () => {
      const uri = `logs://application/${todayUtc()}`;
      const r = await client.readResource({ uri });
      assert.ok(r.contents.length >= 1);
      const [c] = r.contents;
      assert.equal(c.uri, uri);
      assert.equal(c.mimeType, 'text/plain');
      assert.equal(typeof c.text, 'string');
      assert.ok(c.text.length > 0, 'non-empty log text');
    });

    for (const uri of ['logs://application/../etc', 'logs://application/2024-13-45', 'logs://application/yesterday']) {
      wireTest(`resources/read ${uri} is a JSON-RPC error`, async () => {
        await expectRpcError(client.readResource({ uri }), uri);
      });
    }

    wireTest('resources/read of a well-formed date without a file: resource not found', async () => {
      const uri = 'logs://application/1999-01-01';
      const e = await expectRpcError(client.readResource({ uri }), uri);
      if (era === 'modern') {
        assert.equal(e.code, -32602, `2026-07-28 resource not found is -32602 (got ${e.code} ${e.message})`);
        assert.equal(e.data?.uri, uri, 'error.data.uri names the resource');
      } else {
        assert.equal(e.code, -32002, `legacy resource not found is -32002 (got ${e.code} ${e.message})`);
      }
    });

    wireTest('prompts/list and prompts/get user_report', async () => {
      const { prompts } = await client.listPrompts();
      const p = prompts.find((x) => x.name === 'user_report');
      assert.ok(p, `user_report listed (got ${prompts.map((x) => x.name).join(', ')})`);
      const focusArg = (p.arguments ?? []).find((a) => a.name === 'focus');
      assert.ok(focusArg, 'user_report has a focus argument');
      assert.notEqual(focusArg.required, true, 'focus is optional');

      const focused = await client.getPrompt({ name: 'user_report', arguments: { focus: 'churn-risk' } });
      assert.equal(focused.messages.length, 1);
      assert.equal(focused.messages[0].role, 'user');
      assert.equal(focused.messages[0].content.type, 'text');
      assert.match(focused.messages[0].content.text, /churn-risk/);

      const plain = await client.getPrompt({ name: 'user_report', arguments: {} });
      assert.equal(plain.messages.length, 1);
      assert.equal(plain.messages[0].role, 'user');
      assert.ok(plain.messages[0].content.text.length > 0);
    });

    wireTest('received at least one message per request and all were schema-checked', async () => {
      assert.ok(session.recorder.received.length >= 10, `recorded ${session.recorder.received.length} messages`);
    });
  });
}
