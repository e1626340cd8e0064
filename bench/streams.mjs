#!/usr/bin/env node
// Cross-replica delivery through the Redis event store: a change made on one replica
// (a resource update, by mcpxx-conformance's test_trigger_resource_update) reaching a
// legacy GET stream held by another. The path: XADD to the change log, PUBLISH a
// wake-up, the holder reads the log (XRANGE) and writes the SSE event.
//
//   node bench/streams.mjs [--runs 200] [--burst 2000]
//   MCPXX_BIN_DIR=... for other binaries (default build/release)
//
// Setups, each a fresh scripts/local-cluster (stopped by PID at the end):
//   memory, 1 replica     producer = holder, no Redis (the floor)
//   Redis, 3 replicas     producer = holder (replica 0 both)
//   Redis, 3 replicas     producer = replica 1, holder = replica 0
// Then live progress with the stream on another replica than the tool (below).
// Measures, from the client:
//   latency: POST of the trigger sent -> its notification read on the GET stream, one at
//            a time (--runs), p50 / p90 / p99 ms
//   events/s: --burst triggers sent by 16 concurrent clients; notifications per second
//            arriving on the GET stream, and whether every one arrived exactly once
import { parseArgs } from 'node:util';
import { startCluster } from '../tests/integration/lib/cluster.mjs';
import { collectSse, legacyHeaders, legacyInit, modernPost, post, sseMessages, until } from '../tests/node/lib/wire.mjs';

const { values: opts } = parseArgs({ options: { runs: { type: 'string', default: '200' }, burst: { type: 'string', default: '2000' } } });
const runs = Number(opts.runs);
const burst = Number(opts.burst);
const uri = 'test://watched-resource';

// Polls on every turn of the event loop (wire.mjs's until() polls every 20 ms).
const waitFor = (pred) => new Promise((resolve) => {
  const poll = () => (pred() ? resolve() : setImmediate(poll));
  poll();
});
const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function measure(name, { replicas, redis, producer }) {
  const cluster = await startCluster({ replicas, redis, bin: 'mcpxx-conformance', args: ['--threads', '1'] });
  try {
    const at = (i) => cluster.replicas[i].url;
    const sid = await legacyInit(at(0));
    await post(at(0), { jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri } }, legacyHeaders(sid));
    const ctl = new AbortController();
    const get = await fetch(at(0), { headers: { ...legacyHeaders(sid), Accept: 'text/event-stream' }, signal: ctl.signal });
    const stream = collectSse(get);
    await until(() => stream.events.length >= 1);
    const arrived = () => sseMessages(stream.events).length;
    const trigger = () => modernPost(at(producer), 'tools/call', { name: 'test_trigger_resource_update', arguments: { uri } });

    for (let i = 0; i < 20; i++) await trigger();   // warm-up
    await until(() => arrived() === 20, 10000);
    const latencies = [];
    for (let i = 0; i < runs; i++) {
      const n = arrived();
      const t0 = process.hrtime.bigint();
      void trigger();
      await waitFor(() => arrived() > n);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    await until(() => arrived() === 20 + runs, 10000);

    const before = arrived();
    const t0 = process.hrtime.bigint();
    let sent = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (sent < burst) {
        sent++;
        await trigger();
      }
    }));
    await until(() => arrived() >= before + burst, 60000);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    await new Promise((r) => setTimeout(r, 300));
    const extra = arrived() - before - burst;
    ctl.abort();
    await stream.done;
    const ids = stream.events.map((e) => e.id);
    const line = `| ${name} | ${pct(latencies, 0.5).toFixed(2)} | ${pct(latencies, 0.9).toFixed(2)} | ${pct(latencies, 0.99).toFixed(2)} | ${(burst / secs).toFixed(0)} | ${extra === 0 && new Set(ids).size === ids.length ? 'yes' : `NO (${extra} extra)`} |`;
    console.log(line);
  } finally {
    await cluster.stop();
  }
}

// Live progress on a legacy request stream held by another replica than the tool's:
// test_tool_with_progress reports 0, 50 and 100 of 100, 50 ms apart. Measured: from
// sending the call to reading the progress produced at ~50 ms, (a) on the replica running
// the tool, (b) on another one: the client drops its stream once it has the priming
// event and resumes through nginx with Last-Event-ID (nginx's round robin sends it to
// the next replica; runs that landed on the tool's replica are not counted). The
// difference is what crossing replicas (XADD, PUBLISH, XRANGE) adds to a live event.
async function firstProgress() {
  const cluster = await startCluster({ replicas: 3, redis: 'standalone', bin: 'mcpxx-conformance', args: ['--threads', '1'] });
  try {
    const at = (i) => cluster.replicas[i].url;
    const call = (id) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: `p${id}` } } });
    const progressIn = (events) => sseMessages(events).some((m) => m.method === 'notifications/progress' && m.params.progress === 50);
    const same = [];
    const moved = [];
    const samples = Math.min(runs, 100);
    for (let i = 0; moved.length < samples && i < 10 * samples; i++) {
      const sid = await legacyInit(at(0));
      let t0 = process.hrtime.bigint();
      const direct = collectSse(await fetch(at(0), { method: 'POST', headers: legacyHeaders(sid), body: call(2 * i) }));
      await waitFor(() => progressIn(direct.events));
      if (same.length < samples) same.push(Number(process.hrtime.bigint() - t0) / 1e6);
      await direct.done;

      const ctl = new AbortController();
      t0 = process.hrtime.bigint();
      const cut = collectSse(await fetch(at(0), { method: 'POST', headers: legacyHeaders(sid), body: call(2 * i + 1), signal: ctl.signal }));
      await waitFor(() => cut.events.length >= 1);   // the priming event, then away
      ctl.abort();
      await cut.done;
      const resumed = await fetch(cluster.url, { headers: { ...legacyHeaders(sid), Accept: 'text/event-stream', 'Last-Event-ID': cut.events.at(-1).id } });
      const elsewhere = !resumed.headers.get('x-upstream-addr')?.endsWith(`:${cluster.replicas[0].port}`);
      const rest = collectSse(resumed);
      await waitFor(() => progressIn(rest.events));
      if (elsewhere) moved.push(Number(process.hrtime.bigint() - t0) / 1e6);   // else nginx chose the tool's replica
      await rest.done;
    }
    console.log(`\nFrom sending the call to reading the progress event produced at ~50 ms, ${samples} calls each:\n`);
    console.log('| stream read on | p50 ms | p90 ms | p99 ms |');
    console.log('|---|---:|---:|---:|');
    for (const [name, xs] of [['the replica running the tool', same], ['another replica (dropped after priming, resumed through nginx)', moved]])
      console.log(`| ${name} | ${pct(xs, 0.5).toFixed(2)} | ${pct(xs, 0.9).toFixed(2)} | ${pct(xs, 0.99).toFixed(2)} |`);
  } finally {
    await cluster.stop();
  }
}

console.log(`Change on the producer -> notification on a legacy GET stream held by replica 0; ${runs} sequential runs, burst of ${burst} from 16 clients; mcpxx --threads 1 per replica.\n`);
console.log('| setup | p50 ms | p90 ms | p99 ms | burst events/s | each exactly once |');
console.log('|---|---:|---:|---:|---:|---|');
await measure('memory, 1 replica (producer = holder)', { replicas: 1, redis: 'none', producer: 0 });
await measure('Redis, 3 replicas, producer = holder', { replicas: 3, redis: 'standalone', producer: 0 });
await measure('Redis, 3 replicas, producer ≠ holder', { replicas: 3, redis: 'standalone', producer: 1 });
await firstProgress();
