// Starts an mcpxx binary on a free loopback port and stops it by PID.
//   const srv = await startServer('mcpxx-conformance', ['--max-sessions', '2']);
//   srv.url  // http://127.0.0.1:PORT/mcp
//   await srv.stop();
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const binDir = process.env.MCPXX_BIN_DIR ?? path.resolve(here, '../../../build/release');

export async function startServer(name, args = [], { env = {} } = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mcpxx-it-'));
  const extra = name === 'mcpxx-demo' ? ['--data-dir', dataDir] : [];
  const child = spawn(path.join(binDir, name), ['--host', '127.0.0.1', '--port', '0', ...extra, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output}`)), 10_000);
    const onData = (chunk) => {
      output += chunk;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    port,
    url: `http://127.0.0.1:${port}/mcp`,
    base: `http://127.0.0.1:${port}`,
    dataDir,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
      return child.exitCode;
    },
  };
}
