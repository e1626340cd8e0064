// Preload that lets @modelcontextprotocol/conformance 0.2.0-alpha.x start on Node 20.
//
//   node --import ./lib/node20-compat.mjs node_modules/@modelcontextprotocol/conformance/dist/index.js ...
//
// Why: the published bundle has `import { ..., globSync, ... } from "fs"` at the top.
// fs.globSync only exists from Node 22, so on Node 20 linking fails before the CLI
// runs ("The requested module 'fs' does not provide an export named 'globSync'").
//
// How: this one file plays two roles.
//   * Main thread (as the --import preload): if node:fs lacks globSync, register this
//     same file as module customization hooks. On Node >= 22 it does nothing at all.
//   * Hooks thread: `resolve` redirects "fs"/"node:fs" imported by the conformance
//     package (and only by it) to a synthetic module, served by `load`, that
//     re-exports node:fs and adds `globSync` (implemented below; the synthetic module
//     imports it from this file, which the main thread already has loaded).
import fs from 'node:fs';
import path from 'node:path';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const SHIM_URL = 'mcpxx-node20-compat:fs';
const TARGET_PACKAGE = '/node_modules/@modelcontextprotocol/conformance/';
const REGISTERED = Symbol.for('mcpxx.node20-compat.registered');

if (isMainThread && typeof fs.globSync !== 'function' && !globalThis[REGISTERED]) {
  globalThis[REGISTERED] = true;
  register(import.meta.url);
}

// ---------------------------------------------------------------------------
// Hooks (run in the loader thread; harmless if never registered).
// ---------------------------------------------------------------------------

export async function resolve(specifier, context, nextResolve) {
  if ((specifier === 'fs' || specifier === 'node:fs') && context.parentURL?.includes(TARGET_PACKAGE)) {
    return { url: SHIM_URL, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url === SHIM_URL) {
    const source = [
      "import fs from 'node:fs';",
      "export * from 'node:fs';",
      'export default fs;',
      `export { globSync } from ${JSON.stringify(import.meta.url)};`
    ].join('\n');
    return { format: 'module', source, shortCircuit: true };
  }
  return nextLoad(url, context);
}

// ---------------------------------------------------------------------------
// A small fs.globSync (Node 22 signature: globSync(pattern | pattern[], {cwd, exclude})).
// Supports `**`, `*`, `?`, `[...]` and `{a,b}`; returns paths relative to cwd
// (or absolute ones for absolute patterns), files and directories alike.
// ---------------------------------------------------------------------------

function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const atSegmentStart = i === 0 || glob[i - 1] === '/';
        const endsSegment = glob[i + 2] === '/' || i + 2 === glob.length;
        if (atSegmentStart && endsSegment) {
          i += 1;
          if (glob[i + 1] === '/') {
            i += 1;
            re += '(?:.*/)?';
          } else {
            re += '.*';
          }
          continue;
        }
      }
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close === -1) { re += '\\['; continue; }
      let body = glob.slice(i + 1, close).replace(/\\/g, '\\\\');
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body}]`;
      i = close;
    } else if (c === '{') {
      const close = glob.indexOf('}', i + 1);
      if (close === -1) { re += '\\{'; continue; }
      const alternatives = glob.slice(i + 1, close).split(',').map((a) => globToRegExp(a).source.slice(1, -1));
      re += `(?:${alternatives.join('|')})`;
      i = close;
    } else {
      re += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

/** Directory part of the pattern that contains no glob characters. */
function literalPrefix(pattern) {
  const parts = pattern.split('/');
  const fixed = [];
  for (const part of parts.slice(0, -1)) {
    if (/[*?[{]/.test(part)) break;
    fixed.push(part);
  }
  return fixed.join('/');
}

export function globSync(patterns, options = {}) {
  const cwd = options.cwd ? String(options.cwd instanceof URL ? options.cwd.pathname : options.cwd) : process.cwd();
  const exclude = typeof options.exclude === 'function' ? options.exclude : () => false;
  const results = new Set();
  for (const raw of Array.isArray(patterns) ? patterns : [patterns]) {
    const pattern = raw.split(path.sep).join('/');
    const absolute = path.isAbsolute(pattern);
    const matcher = globToRegExp(absolute ? pattern : pattern.replace(/^\.\//, ''));
    const start = literalPrefix(pattern);
    const root = absolute ? (start || '/') : start;
    const seen = new Set();
    const visit = (rel) => {
      const full = absolute ? rel : path.join(cwd, rel);
      let entries;
      try {
        const real = fs.realpathSync(full);
        if (seen.has(real)) return;
        seen.add(real);
        entries = fs.readdirSync(full, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const child = rel && rel !== '/' ? `${rel}/${entry.name}` : (rel === '/' ? `/${entry.name}` : entry.name);
        if (exclude(child)) continue;
        if (matcher.test(child)) results.add(child);
        if (entry.isDirectory()) visit(child);
      }
    };
    if (!/[*?[{]/.test(pattern)) {
      if (fs.existsSync(absolute ? pattern : path.join(cwd, pattern))) results.add(pattern);
      continue;
    }
    visit(root);
  }
  return [...results];
}
