// Starts a local cluster (Redis topology + N replicas + nginx as the ingress) with
// scripts/local-cluster in a fresh temp dir, and stops it by PID.
//   const c = await startCluster({ replicas: 3, redis: 'standalone', bin: 'mcpxx-demo', args: [] });
//   c.url                      // http://127.0.0.1:NGINXPORT/mcp (through nginx)
//   c.replicas                 // [{ port, pid, running, log, url }], refreshed by kill/restart
//   c.redis                    // { topology, url, ports, dir }
//   await c.killReplica(1, 'SIGKILL');   // waits until it has exited
//   await c.restartReplica(1);           // same port
//   await c.redisCli('SET', 'k', 'v');   // stdout of redis-cli against the topology
//   await c.redisTopology('kill', port); // scripts/redis-topology CMD <redis dir> PORT
//   await c.stop();                      // safe to call twice; also run at process exit
// redis: 'standalone' | 'sentinel' | 'cluster' | 'none'. bin: a name in MCPXX_BIN_DIR (default
// build/release) or a path. MCPXX_KEEP_CLUSTER=1 keeps the directory after stop() for debugging.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const script = path.join(root, 'scripts/local-cluster');
const binDir = process.env.MCPXX_BIN_DIR ?? path.join(root, 'build/release');

// Clusters not stopped yet: stopped synchronously if the test process exits without stop().
const live = new Set();
process.once('exit', () => {
  for (const dir of live) {
    try {
      execFileSync(script, ['stop', dir], { stdio: 'ignore', timeout: 30_000 });
      if (!process.env.MCPXX_KEEP_CLUSTER) rmSync(dir, { recursive: true, force: true });
    } catch {
      // nothing more can be done at exit
    }
  }
});

async function sh(args, { env = {}, timeout = 120_000 } = {}) {
  try {
    return await run(script, args, { env: { ...process.env, ...env }, timeout, maxBuffer: 16 << 20 });
  } catch (err) {
    throw new Error(`scripts/local-cluster ${args.join(' ')} failed (${err.code ?? err.signal}):\n${err.stderr ?? ''}${err.stdout ?? ''}`);
  }
}

export async function startCluster({
  replicas = 3, redis = 'standalone', bin = 'mcpxx-demo', args = [], basePort, env = {},
} = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcpxx-cluster-'));
  const binPath = bin.includes('/') ? path.resolve(bin) : path.join(binDir, bin);
  const startArgs = ['start', dir, '--replicas', String(replicas), '--redis', redis, '--bin', binPath];
  if (basePort !== undefined) startArgs.push('--base-port', String(basePort));
  startArgs.push('--', ...args);
  live.add(dir);
  let info;
  try {
    const { stdout } = await sh(startArgs, { env });
    info = JSON.parse(stdout);
  } catch (err) {
    live.delete(dir);   // a failed start stops what it started
    if (!process.env.MCPXX_KEEP_CLUSTER) rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const refresh = () => {
    const now = JSON.parse(readFileSync(path.join(dir, 'cluster.json'), 'utf8'));
    cluster.replicas = now.replicas;
    cluster.nginx = now.nginx;
  };

  let stopping;
  const cluster = {
    dir,
    url: info.url,
    base: info.url.replace(/\/mcp$/, ''),
    nginx: info.nginx,
    replicas: info.replicas,
    redis: info.redis,
    stateKey: info.stateKey,

    async killReplica(i, signal = 'SIGKILL') {
      await sh(['kill-replica', dir, String(i), String(signal).replace(/^SIG/, '')], { env });
      await sh(['status', dir], { env });
      refresh();
      return cluster.replicas[i];
    },

    async restartReplica(i) {
      await sh(['restart-replica', dir, String(i)], { env });
      refresh();
      return cluster.replicas[i];
    },

    // scripts/redis-topology on one instance of the topology: kill (SIGKILL by default),
    // revive, ... e.g. redisTopology('kill', port) then redisTopology('revive', port).
    async redisTopology(cmd, port, ...rest) {
      const topologyScript = path.join(root, 'scripts/redis-topology');
      const { stdout } = await run(topologyScript, [cmd, info.redis.dir, String(port), ...rest.map(String)],
        { env: { ...process.env, ...env }, timeout: 60_000 });
      return stdout.trim();
    },

    // redis-cli against the topology: the server (standalone), the current primary as the
    // Sentinels name it (sentinel), or any node with -c (cluster). Resolves to trimmed stdout.
    async redisCli(...cmd) {
      const r = info.redis;
      if (r.topology === 'none') throw new Error('this cluster has no Redis');
      const cliEnv = { ...process.env, ...env };
      const common = [];
      if (cliEnv.REDIS_TLS_DIR && r.topology === 'standalone') {
        common.push('--tls', '--cacert', path.join(cliEnv.REDIS_TLS_DIR, 'ca.crt'));
      }
      if (!cliEnv.REDIS_PASSWORD) delete cliEnv.REDISCLI_AUTH;
      else cliEnv.REDISCLI_AUTH = cliEnv.REDIS_PASSWORD;
      let target;
      if (r.topology === 'sentinel') {
        const sentinelEnv = { ...cliEnv };
        delete sentinelEnv.REDISCLI_AUTH;   // the Sentinels have no password
        const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(r.ports[2]),
          'SENTINEL', 'get-master-addr-by-name', 'mymaster'], { env: sentinelEnv });
        const [host, port] = stdout.trim().split('\n');
        target = ['-h', host, '-p', port];
      } else if (r.topology === 'cluster') {
        target = ['-c', '-h', '127.0.0.1', '-p', String(r.ports[0])];
      } else {
        target = ['-h', '127.0.0.1', '-p', String(r.ports[0])];
      }
      const { stdout } = await run('redis-cli', [...common, ...target, ...cmd.map(String)], { env: cliEnv });
      return stdout.trim();
    },

    stop() {
      stopping ??= (async () => {
        await sh(['stop', dir], { env });   // on failure the dir (pidfiles) stays, for the exit hook
        live.delete(dir);
        if (!process.env.MCPXX_KEEP_CLUSTER) rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
  return cluster;
}
