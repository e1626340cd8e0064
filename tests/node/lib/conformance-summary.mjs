// Verdict for one `conformance server --requirements REV -o DIR` run (used by
// scripts/conformance). Reads the tool's own requirement list and the per-scenario
// checks.json files; prints one line per scenario and, as the very last line,
//
//   conformance: N passed, M failed
//
// Exit status 0 iff M is 0 (2 on a usage / input error, which also prints a
// closing line counting one failure).
//
//   node conformance-summary.mjs --list LIST_TXT --results DIR
//        [--baseline YAML] [--require-unscored a,b,c] [--not-run REASON]
//
//   --list              output of `conformance list --requirements REV`
//   --results           the -o directory (server-<scenario>-<timestamp>/checks.json)
//   --baseline          expected failures: YAML `server: [scenario, "scenario:check-id", ...]`
//   --require-unscored  unscored scenarios (pending / extension / added-after-release)
//                       that must nevertheless pass; they are judged like required ones
//   --not-run           the suite was not run (e.g. nothing answered); every enforced
//                       scenario fails with this reason
//
// Per enforced scenario (checks statuses: SUCCESS FAILURE WARNING SKIPPED INFO):
//   PASS   >= 1 SUCCESS and no FAILURE (WARNINGs are SHOULD-level misses: shown only)
//   FAIL   a FAILURE, no SUCCESS at all, or no checks.json
//   XFAIL  every FAILURE is listed in the baseline (not counted either way);
//          a baseline entry whose scenario / check no longer fails => FAIL (stale)
//   With a baseline, WARNINGs count as failing, as the suite itself counts them then:
//   a listed scenario that only warns is XFAIL, an unlisted one FAIL. The verdict
//   thus agrees with the suite's own exit status.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';

const CLOSING = (passed, failed) => `conformance: ${passed} passed, ${failed} failed`;

function die(message) {
  console.log(`ERROR ${message}`);
  console.log(CLOSING(0, 1));
  process.exit(2);
}

let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      list: { type: 'string' },
      results: { type: 'string' },
      baseline: { type: 'string' },
      'require-unscored': { type: 'string' },
      'not-run': { type: 'string' }
    }
  }));
} catch (error) {
  die(error.message);
}
if (!opts.list || !opts.results) die('usage: conformance-summary.mjs --list FILE --results DIR [--baseline YAML] [--require-unscored a,b] [--not-run REASON]');

/** `conformance list --requirements REV` → { required: [..], unscored: Map(name → reason) } (server only). */
function parseList(text) {
  const required = [];
  const unscored = new Map();
  let mode = 'none';
  let reason = '';
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('Server scenarios')) { mode = 'server'; continue; }
    if (line.startsWith('Client scenarios')) { mode = 'none'; continue; }
    if (line.startsWith('Run and reported, but never scored')) { mode = 'unscored'; continue; }
    if (mode === 'server') {
      const m = /^ {2}- (\S+)\s*$/.exec(line);
      if (m) required.push(m[1]);
    } else if (mode === 'unscored') {
      const head = /^ {2}([^\s-][^(]*?)\s*\(\d+\):\s*$/.exec(line);
      if (head) { reason = head[1]; continue; }
      const m = /^ {4}- (\S+) \[server\]\s*$/.exec(line);
      if (m) unscored.set(m[1], reason);
    }
  }
  return { required, unscored };
}

/** scenario → checks[]; a later run of the same scenario (timestamp sort) wins. */
function loadChecks(dir) {
  const out = new Map();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const m = /^server-(.+)-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(?:-\d+)?Z)$/.exec(name);
    if (!m) continue;
    const file = join(dir, name, 'checks.json');
    if (!existsSync(file)) continue;
    try {
      const checks = JSON.parse(readFileSync(file, 'utf8'));
      out.set(m[1], Array.isArray(checks) ? checks : [{ id: 'checks-json-shape', status: 'FAILURE', errorMessage: 'checks.json is not an array' }]);
    } catch (error) {
      out.set(m[1], [{ id: 'checks-json-unreadable', status: 'FAILURE', errorMessage: String(error) }]);
    }
  }
  return out;
}

/** YAML baseline → Map(scenario → true (whole scenario) | Set(check ids)). */
function loadBaseline(file) {
  const out = new Map();
  if (!file) return out;
  const doc = parseYaml(readFileSync(file, 'utf8')) ?? {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file}: expected a mapping with a 'server' list`);
  const list = doc.server ?? [];
  if (!Array.isArray(list)) throw new Error(`${file}: 'server' must be a list`);
  for (const entry of list) {
    if (typeof entry !== 'string') {
      throw new Error(`${file}: every entry must be a string; write "scenario:check-id" quoted, without a space after the colon`);
    }
    const at = entry.indexOf(':');
    if (at < 0) { out.set(entry, true); continue; }
    const scenario = entry.slice(0, at);
    const prev = out.get(scenario);
    if (prev === true) continue;
    out.set(scenario, (prev ?? new Set()).add(entry.slice(at + 1)));
  }
  return out;
}

const squash = (s) => String(s ?? '').replace(/\s+/g, ' ').trim().slice(0, 240);
const firstWords = (c) => `${c.id}: ${squash(c.errorMessage ?? c.description ?? c.name ?? '')}`;

function judge(checks, excuse, notRun, warningsFail) {
  if (notRun) return { verdict: 'FAIL', why: `not run: ${notRun}` };
  if (!checks) {
    const why = 'no checks.json (did not run, crashed or timed out; see conformance.log)';
    return excuse === true ? { verdict: 'XFAIL', why: `${why}; listed in expected failures` } : { verdict: 'FAIL', why };
  }
  const n = (status) => checks.filter((c) => c.status === status).length;
  const failures = checks.filter((c) => c.status === 'FAILURE');
  const tally = `${n('SUCCESS')} ok, ${failures.length} failed, ${n('WARNING')} warn` + (n('SKIPPED') ? `, ${n('SKIPPED')} skipped` : '');
  if (excuse) {
    if (excuse === true) {
      if (failures.length === 0 && n('WARNING') === 0 && n('SUCCESS') > 0) return { verdict: 'FAIL', why: `${tally}; stale baseline: scenario no longer fails` };
      return { verdict: 'XFAIL', why: `${tally}; listed in expected failures${failures[0] ? `; first: ${firstWords(failures[0])}` : ''}` };
    }
    const stale = [...excuse].filter((id) => !failures.some((c) => c.id === id));
    if (stale.length) return { verdict: 'FAIL', why: `${tally}; stale baseline: ${stale.join(', ')} no longer fails` };
    const unexcused = failures.filter((c) => !excuse.has(c.id));
    if (unexcused.length) return { verdict: 'FAIL', why: `${tally}; ${firstWords(unexcused[0])}` };
    return { verdict: 'XFAIL', why: `${tally}; failing checks listed in expected failures: ${[...excuse].join(', ')}` };
  }
  if (failures.length) return { verdict: 'FAIL', why: `${tally}; ${firstWords(failures[0])}` };
  if (warningsFail && n('WARNING') > 0) {
    const w = checks.find((c) => c.status === 'WARNING');
    return { verdict: 'FAIL', why: `${tally}; a WARNING counts as failing under a baseline: ${firstWords(w)}` };
  }
  if (n('SUCCESS') === 0) {
    const skipped = checks.find((c) => c.status === 'SKIPPED');
    return { verdict: 'FAIL', why: `${tally}; no check succeeded${skipped ? ` (${firstWords(skipped)})` : ''}` };
  }
  const real = checks.filter((c) => c.status === 'SUCCESS' && !String(c.id).startsWith('wire-schema'));
  if (real.length === 0 && n('WARNING') > 0) return { verdict: 'PASS', why: `${tally}; only the wire-schema check succeeded, the rest warned` };
  return { verdict: 'PASS', why: tally };
}

let list;
let checks;
let baseline;
try {
  list = parseList(readFileSync(opts.list, 'utf8'));
  if (list.required.length === 0) throw new Error(`${opts.list}: names no required server scenario`);
  checks = loadChecks(opts.results);
  baseline = loadBaseline(opts.baseline);
} catch (error) {
  die(error.message);
}

const extraRequired = (opts['require-unscored'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
let passed = 0;
let failed = 0;
let xfailed = 0;
const count = (verdict) => {
  if (verdict === 'PASS') passed++;
  else if (verdict === 'FAIL') failed++;
  else xfailed++;
};
const line = (verdict, name, why) => console.log(`${verdict.padEnd(5)} ${name} (${why})`);

console.log(`# required server scenarios: ${list.required.length}`);
for (const name of list.required) {
  const { verdict, why } = judge(checks.get(name), baseline.get(name), opts['not-run'], Boolean(opts.baseline));
  count(verdict);
  line(verdict, name, why);
}

const enforced = new Set();
if (extraRequired.length) {
  console.log(`# unscored scenarios required by --require-unscored: ${extraRequired.length}`);
  for (const name of extraRequired) {
    if (list.required.includes(name)) {
      console.log(`# note: ${name} is already a required scenario`);
      continue;
    }
    if (!list.unscored.has(name)) {
      count('FAIL');
      line('FAIL', name, 'this revision does not run it (not in `conformance list --requirements`)');
      continue;
    }
    enforced.add(name);
    const { verdict, why } = judge(checks.get(name), baseline.get(name), opts['not-run']);
    count(verdict);
    line(verdict, `${name} [${list.unscored.get(name)}, required here]`, why);
  }
}

const rest = [...list.unscored].filter(([name]) => !enforced.has(name));
if (rest.length) {
  console.log(`# run but not scored: ${rest.length} (never counted)`);
  for (const [name, reason] of rest) {
    const c = checks.get(name);
    const selfSkipped = c && !c.some((x) => x.status === 'SUCCESS' || x.status === 'FAILURE');
    const { verdict, why } = judge(c, undefined, opts['not-run']);
    console.log(`info  ${name} [${reason}] ${selfSkipped ? 'skip' : verdict.toLowerCase()} (${why})`);
  }
}

const foreign = [...baseline.keys()].filter((s) => !list.required.includes(s) && !enforced.has(s));
if (foreign.length) console.log(`# expected-failures entries not enforced for this revision (ignored): ${foreign.join(', ')}`);
if (xfailed) console.log(`# ${xfailed} scenario(s) failed as expected (XFAIL); not counted`);
console.log(CLOSING(passed, failed));
process.exit(failed === 0 ? 0 : 1);
