#!/usr/bin/env node
// Time to first progress event of a streaming tool (mcpxx-conformance's
// test_tool_with_progress: progress 0, 50, 100 of 100, 50 ms apart), measured from
// the client: directly, and through nginx configured like the Kubernetes ingress
// with proxy_buffering off, on (mcpxx's X-Accel-Buffering: no still streams), and on
// with X-Accel-Buffering ignored (what a buffering proxy does to SSE).
//
//   node bench/ttfp.mjs [--runs 40] [--era modern|legacy]
//   MCPXX_BIN=... to measure another binary (default build/release/mcpxx-conformance)
//
// Every server is started here on 127.0.0.1 on a free port and stopped by PID.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: opts } = parseArgs({ options: { runs: { type: 'string', default: '40' }, era: { type: 'string', default: 'modern' } } });
const runs = Number(opts.runs);
const bin = process.env.MCPXX_BIN ?? path.resolve(here, '../build/release/mcpxx-conformance');
const children = [];
const cleanup = () => children.forEach((c) => c.exitCode === null && c.kill('SIGTERM'));
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startMcpxx() {
  const child = spawn(bin, ['--host', '127.0.0.1', '--port', '0', '--threads', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  const port = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`mcpxx did not start: ${out}`)), 10000);
    const on = (d) => {
      out += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) { clearTimeout(t); resolve(Number(m[1])); }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
  });
  return port;
}

async function startNginx(upstreamPort, variant) {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcpxx-ttfp-nginx-'));
  const port = await freePort();
  const buffering = {
    'buffering off': 'proxy_buffering off;',
    'buffering on': 'proxy_buffering on;',
    'buffering on, X-Accel-Buffering ignored': 'proxy_buffering on; proxy_ignore_headers X-Accel-Buffering;',
  }[variant];
  writeFileSync(path.join(dir, 'nginx.conf'), `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream mcp { server 127.0.0.1:${upstreamPort}; keepalive 16; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://mcp;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host 127.0.0.1;
      proxy_read_timeout 3600s;
      ${buffering}
    }
  }
}
`);
  const child = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((r) => { const s = net.connect(port, '127.0.0.1', () => { s.end(); r(true); }).on('error', () => r(false)); });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, stop: () => { child.kill('SIGTERM'); rmSync(dir, { recursive: true, force: true }); } };
}

const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

async function legacySession(url) {
  const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'ttfp', version: '1' } } }) });
  await r.text();
  return r.headers.get('mcp-session-id');
}

// One call: ms to the first progress event and to the result.
async function once(url, i, session) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
  const params = { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: `p${i}` } };
  if (opts.era === 'modern') {
    Object.assign(headers, { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': 'test_tool_with_progress' });
    Object.assign(params._meta, meta);
  } else {
    Object.assign(headers, { 'MCP-Protocol-Version': '2025-11-25', 'Mcp-Session-Id': session });
  }
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params }) });
  let first;
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    text += decoder.decode(chunk, { stream: true });
    if (first === undefined && text.includes('notifications/progress')) first = performance.now() - t0;
  }
  return { first, total: performance.now() - t0 };
}

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

async function measure(label, url) {
  const session = opts.era === 'legacy' ? await legacySession(url) : undefined;
  await once(url, 0, session);  // warm-up
  const firsts = [];
  const totals = [];
  for (let i = 1; i <= runs; i++) {
    const r = await once(url, i, session);
    firsts.push(r.first);
    totals.push(r.total);
  }
  return { label, p50: pct(firsts, 0.5), p95: pct(firsts, 0.95), total: pct(totals, 0.5) };
}

const upstream = await startMcpxx();
const rows = [await measure('direct', `http://127.0.0.1:${upstream}/mcp`)];
for (const variant of ['buffering off', 'buffering on', 'buffering on, X-Accel-Buffering ignored']) {
  const ng = await startNginx(upstream, variant);
  try {
    rows.push(await measure(`nginx, proxy_${variant}`, `http://127.0.0.1:${ng.port}/mcp`));
  } finally {
    ng.stop();
  }
}
console.log(`Time to first progress event, ${opts.era} wire, ${runs} calls each (test_tool_with_progress: events at 0, 50, 100 ms)\n`);
console.log('| path | first progress p50 ms | p95 ms | whole call p50 ms |');
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.label} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} | ${r.total.toFixed(1)} |`);
cleanup();
process.exit(0);
