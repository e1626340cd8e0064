-- echo.lua -- wrk script for mcpxx's "hammer" and "modern" workloads.
--
-- Every request is a tools/call of the `echo` tool whose message is unique
-- (derived from the thread and the JSON-RPC id), and every response is checked
-- to echo exactly the message of the request that carries the same id.
--
--   hammer (legacy 2025-11-25 wire): the sessions are opened by bench/run
--     BEFORE wrk starts (initialize + notifications/initialized per session)
--     and listed one id per line in $BENCH_SESSIONS; wrk thread t uses lines
--     t, t+T, t+2T, ... round-robin (T = $BENCH_WRK_THREADS), i.e. one session
--     per connection when there are as many sessions as connections.
--   modern (2026-07-28 wire): no session; MCP-Protocol-Version, Mcp-Method and
--     Mcp-Name headers plus the _meta envelope in params, on every request.
--
-- Environment:
--   BENCH_MODE         hammer | modern
--   BENCH_SESSIONS     file of session ids (hammer)
--   BENCH_WRK_THREADS  wrk's -t (hammer: how the sessions are split)
--   BENCH_ID_BASE      first JSON-RPC id - 1 (warm-up and timed runs use
--                      different ranges so that ids never repeat in a session)
--   BENCH_STATIC       1 = the server answers a fixed body (the nginx limit):
--                      the same checks run, but a response that cannot echo
--                      its request counts as "unverified" instead of an error
--
-- done() prints one line:
--   BENCH rate=<verified-or-unverified responses/s> ok=... unverified=... errors=...
-- plus up to 5 "BENCH_ERR ..." lines describing the first failures.

local MODE = os.getenv("BENCH_MODE") or "hammer"
assert(MODE == "hammer" or MODE == "modern", "BENCH_MODE must be hammer or modern")
local MODERN = MODE == "modern"
local STATIC = os.getenv("BENCH_STATIC") == "1"
local ID_BASE = tonumber(os.getenv("BENCH_ID_BASE") or "0") or 0
local NTHREADS = tonumber(os.getenv("BENCH_WRK_THREADS") or "1") or 1
local SESSIONS_FILE = os.getenv("BENCH_SESSIONS")
local LEGACY_VERSION = "2025-11-25"
local MODERN_VERSION = "2026-07-28"
local RING = 262144 -- slots for in-flight request ids (per thread)

local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
  thread:set("tid", #threads)
end

-- ---------------------------------------------------------------- per thread
ok, unverified, bad_status, rpc_err, mismatch, unknown_id, bad_shape = 0, 0, 0, 0, 0, 0, 0
err_samples = ""
local n_samples = 0
local prefixes, nprefix = {}, 0
local slots = {}
local counter = 0
local BODY_A = '{"jsonrpc":"2.0","id":'
local BODY_B = ',"method":"tools/call","params":{"name":"echo","arguments":{"message":"'
local BODY_C

local function note(what, status, body)
  if n_samples >= 5 then return end
  n_samples = n_samples + 1
  err_samples = err_samples .. string.format("BENCH_ERR thread=%s %s status=%d body=%s\n",
    tostring(tid), what, status, string.sub(string.gsub(body or "", "[\r\n]", " "), 1, 240))
end

function init(args)
  local host = wrk.host .. (wrk.port and (":" .. wrk.port) or "")
  local common = "POST " .. wrk.path .. " HTTP/1.1\r\n"
    .. "Host: " .. host .. "\r\n"
    .. "Content-Type: application/json\r\n"
    .. "Accept: application/json, text/event-stream\r\n"
  if MODERN then
    BODY_C = '"},"_meta":{"io.modelcontextprotocol/protocolVersion":"' .. MODERN_VERSION .. '",'
      .. '"io.modelcontextprotocol/clientCapabilities":{}}}}'
    prefixes[1] = common
      .. "MCP-Protocol-Version: " .. MODERN_VERSION .. "\r\n"
      .. "Mcp-Method: tools/call\r\n"
      .. "Mcp-Name: echo\r\n"
      .. "Content-Length: "
    nprefix = 1
    return
  end
  BODY_C = '"}}}'
  assert(SESSIONS_FILE, "hammer needs BENCH_SESSIONS (bench/run opens the sessions)")
  local f = assert(io.open(SESSIONS_FILE, "r"))
  local i = 0
  for line in f:lines() do
    if line ~= "" then
      if i % NTHREADS == tid - 1 then
        nprefix = nprefix + 1
        prefixes[nprefix] = common
          .. "Mcp-Session-Id: " .. line .. "\r\n"
          .. "MCP-Protocol-Version: " .. LEGACY_VERSION .. "\r\n"
          .. "Content-Length: "
      end
      i = i + 1
    end
  end
  f:close()
  assert(nprefix > 0, "no session for thread " .. tostring(tid))
end

function request()
  counter = counter + 1
  local id = ID_BASE + counter
  local msg = "echo-" .. tid .. "-" .. id
  slots[id % RING] = msg
  local body = BODY_A .. id .. BODY_B .. msg .. BODY_C
  return prefixes[counter % nprefix + 1] .. #body .. "\r\n\r\n" .. body
end

function response(status, headers, body)
  if status ~= 200 then
    bad_status = bad_status + 1
    note("bad_status", status, body)
    return
  end
  local id = tonumber(string.match(body, '"id":(%d+)'))
  local msg = id and slots[id % RING]
  if msg then slots[id % RING] = nil end
  if string.find(body, '"error":', 1, true) then
    rpc_err = rpc_err + 1
    note("rpc_err", status, body)
  elseif msg and string.find(body, '"text":"' .. msg .. '"', 1, true) then
    if MODERN and not string.find(body, '"resultType":"complete"', 1, true) then
      bad_shape = bad_shape + 1
      note("no_resultType_complete", status, body)
    else
      ok = ok + 1
    end
  elseif STATIC then
    unverified = unverified + 1
  elseif not msg then
    unknown_id = unknown_id + 1
    note("unknown_id", status, body)
  else
    mismatch = mismatch + 1
    note("mismatch(expected " .. msg .. ")", status, body)
  end
end

function done(summary, latency, requests)
  local t = { ok = 0, unverified = 0, bad_status = 0, rpc_err = 0, mismatch = 0, unknown_id = 0, bad_shape = 0 }
  local samples = ""
  for _, th in ipairs(threads) do
    for k in pairs(t) do t[k] = t[k] + (th:get(k) or 0) end
    samples = samples .. (th:get("err_samples") or "")
  end
  local secs = summary.duration / 1e6
  local e = summary.errors
  local sock = e.connect + e.read + e.write
  local errors = t.bad_status + t.rpc_err + t.mismatch + t.unknown_id + t.bad_shape + sock + e.timeout
  io.write(string.format(
    "BENCH mode=%s rate=%.1f req_rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f responses=%d ok=%d unverified=%d "
      .. "errors=%d bad_status=%d rpc_err=%d mismatch=%d unknown_id=%d bad_shape=%d sock_err=%d timeouts=%d secs=%.2f\n",
    MODE, (t.ok + t.unverified) / secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, t.ok, t.unverified, errors, t.bad_status, t.rpc_err, t.mismatch, t.unknown_id,
    t.bad_shape, sock, e.timeout, secs))
  io.write(samples)
end
