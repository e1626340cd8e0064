// Starting with Redis configured: a bad URL or a missing shared requestState key is a
// startup error (exit 1, a message that names the problem), never a silent fallback;
// SIGTERM with Redis configured drains and exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster } from './lib/cluster.mjs';
import { startServer } from './lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const binDir = process.env.MCPXX_BIN_DIR ?? path.resolve(here, '../../build/release');

function runDemo(args, env = {}) {
  const cleanEnv = { ...process.env, ...env };
  if (!('MCPXX_STATE_KEY' in env)) delete cleanEnv.MCPXX_STATE_KEY;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mcpxx-redis-config-'));
  try {
    return spawnSync(path.join(binDir, 'mcpxx-demo'), ['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, ...args], {
      env: cleanEnv, encoding: 'utf8', timeout: 10_000,
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('--redis without a shared state key refuses to start', () => {
  const r = runDemo(['--redis', 'redis://127.0.0.1:1']);
  assert.equal(r.status, 1);
  assert.match(r.stdout + r.stderr, /--redis needs --state-key \(MCPXX_STATE_KEY\)/);
});

test('a bad Redis URL refuses to start and names the problem, not the password', () => {
  const r = runDemo(['--redis', 'redis+bogus://:hunter2@127.0.0.1:1'], { MCPXX_STATE_KEY: 'k' });
  assert.equal(r.status, 1);
  assert.match(r.stdout + r.stderr, /Redis URL: unknown scheme 'redis\+bogus'/);
  assert.doesNotMatch(r.stdout + r.stderr, /hunter2/);
  const env = runDemo([], { MCPXX_STATE_KEY: 'k', MCPXX_REDIS_URL: 'redis://127.0.0.1:99999' });
  assert.equal(env.status, 1);
  assert.match(env.stdout + env.stderr, /Redis URL: bad port/);
});

test('SIGTERM with Redis configured drains and exits 0', async () => {
  const cluster = await startCluster({ replicas: 1, redis: 'standalone', bin: 'mcpxx-demo' });
  try {
    const srv = await startServer('mcpxx-demo', ['--redis', cluster.redis.url], { env: { MCPXX_STATE_KEY: 'k' } });
    const ready = await fetch(`${srv.base}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(await srv.stop(), 0);
  } finally {
    await cluster.stop();
  }
});
