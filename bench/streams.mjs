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
      await new Promise((resolve) => {
        const poll = () => (arrived() > n ? resolve() : setImmediate(poll));
        poll();
      });
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

console.log(`Change on the producer -> notification on a legacy GET stream held by replica 0; ${runs} sequential runs, burst of ${burst} from 16 clients; mcpxx --threads 1 per replica.\n`);
console.log('| setup | p50 ms | p90 ms | p99 ms | burst events/s | each exactly once |');
console.log('|---|---:|---:|---:|---:|---|');
await measure('memory, 1 replica (producer = holder)', { replicas: 1, redis: 'none', producer: 0 });
await measure('Redis, 3 replicas, producer = holder', { replicas: 3, redis: 'standalone', producer: 0 });
await measure('Redis, 3 replicas, producer ≠ holder', { replicas: 3, redis: 'standalone', producer: 1 });
