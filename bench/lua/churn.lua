-- churn.lua -- wrk script for mcpxx's "churn" workload (legacy 2025-11-25 wire).
--
-- Each connection loops over whole session lifecycles, one request at a time:
--   1. POST initialize                 -> 200 + Mcp-Session-Id
--   2. POST notifications/initialized  -> 2xx (202)
--   3. POST tools/call echo            -> 200, echoing this session's own message
--   4. DELETE                          -> 2xx
-- The state machine lives in the wrk thread, so run it with one connection per
-- thread (wrk -tN -cN; bench/run does).  A failed step abandons the session
-- (a session whose tools/call failed is still DELETEd) and starts a new one.
--
-- Environment:
--   BENCH_STATIC        1 = the server answers fixed bodies (the nginx limit):
--                       a tools/call answer that cannot echo counts as
--                       "unverified", not as an error
--   BENCH_CHURN_DELETE  0 = never DELETE (bench/run --memory): sessions pile up
--                       on the server; a refused initialize (the server's
--                       session cap) counts as "refused", not as an error
--
-- done() prints one line:
--   BENCH mode=churn rate=<sessions/s> req_rps=... sessions=... errors=...
-- plus up to 5 "BENCH_ERR ..." lines describing the first failures.

local STATIC = os.getenv("BENCH_STATIC") == "1"
local DELETE = os.getenv("BENCH_CHURN_DELETE") ~= "0"
local VERSION = "2025-11-25"

local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
  thread:set("tid", #threads)
end

-- ---------------------------------------------------------------- per thread
sessions, unverified, refused, init_err, notify_err, call_err, delete_err = 0, 0, 0, 0, 0, 0, 0
refused_status = 0
err_samples = ""
local n_samples = 0
local step = 1
local sid = nil
local call_ok = false
local counter = 0
local n_session = 0
local msg = ""
local base

local function note(what, status, body)
  if n_samples >= 5 then return end
  n_samples = n_samples + 1
  err_samples = err_samples .. string.format("BENCH_ERR thread=%s %s status=%d body=%s\n",
    tostring(tid), what, status, string.sub(string.gsub(body or "", "[\r\n]", " "), 1, 240))
end

function init(args)
  base = "Host: " .. wrk.host .. (wrk.port and (":" .. wrk.port) or "") .. "\r\n"
    .. "Content-Type: application/json\r\n"
    .. "Accept: application/json, text/event-stream\r\n"
end

local function post(extra, body)
  return "POST " .. wrk.path .. " HTTP/1.1\r\n" .. base .. extra
    .. "Content-Length: " .. #body .. "\r\n\r\n" .. body
end

local function session_headers()
  return "Mcp-Session-Id: " .. sid .. "\r\nMCP-Protocol-Version: " .. VERSION .. "\r\n"
end

function request()
  counter = counter + 1
  if step == 1 then
    return post("", '{"jsonrpc":"2.0","id":' .. counter .. ',"method":"initialize","params":{"protocolVersion":"'
      .. VERSION .. '","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}')
  elseif step == 2 then
    return post(session_headers(), '{"jsonrpc":"2.0","method":"notifications/initialized"}')
  elseif step == 3 then
    n_session = n_session + 1
    msg = "churn-" .. tid .. "-" .. n_session
    return post(session_headers(), '{"jsonrpc":"2.0","id":' .. counter
      .. ',"method":"tools/call","params":{"name":"echo","arguments":{"message":"' .. msg .. '"}}}')
  else
    return "DELETE " .. wrk.path .. " HTTP/1.1\r\n" .. base .. session_headers() .. "Content-Length: 0\r\n\r\n"
  end
end

local function header(headers, lname)
  for k, v in pairs(headers) do
    if string.lower(k) == lname then return v end
  end
  return nil
end

local function finish_session(success)
  if success then sessions = sessions + 1 end
  call_ok = false
  sid = nil
  step = 1
end

function response(status, headers, body)
  if step == 1 then
    local s = header(headers, "mcp-session-id")
    if status == 200 and s and s ~= "" and string.find(body, '"protocolVersion":"' .. VERSION .. '"', 1, true) then
      sid = s
      step = 2
    elseif status == 503 and not DELETE then
      refused = refused + 1
      refused_status = status
    else
      init_err = init_err + 1
      note("init_err", status, body)
    end
  elseif step == 2 then
    if status >= 200 and status < 300 then
      step = 3
    else
      notify_err = notify_err + 1
      note("notify_err", status, body)
      step = 4
      call_ok = false
      if not DELETE then finish_session(false) end
    end
  elseif step == 3 then
    call_ok = false
    if status == 200 and not string.find(body, '"error":', 1, true) and string.find(body, '"result":', 1, true) then
      if string.find(body, '"text":"' .. msg .. '"', 1, true) then
        call_ok = true
      elseif STATIC then
        call_ok = true
        unverified = unverified + 1
      end
    end
    if not call_ok then
      call_err = call_err + 1
      note("call_err(expected " .. msg .. ")", status, body)
    end
    step = 4
    if not DELETE then finish_session(call_ok) end
  else
    if status >= 200 and status < 300 then
      finish_session(call_ok)
    else
      delete_err = delete_err + 1
      note("delete_err", status, body)
      finish_session(false)
    end
  end
end

function done(summary, latency, requests)
  local t = { sessions = 0, unverified = 0, refused = 0, init_err = 0, notify_err = 0, call_err = 0, delete_err = 0 }
  local samples, rstatus = "", 0
  for _, th in ipairs(threads) do
    for k in pairs(t) do t[k] = t[k] + (th:get(k) or 0) end
    samples = samples .. (th:get("err_samples") or "")
    rstatus = math.max(rstatus, th:get("refused_status") or 0)
  end
  local secs = summary.duration / 1e6
  local e = summary.errors
  local sock = e.connect + e.read + e.write
  local errors = t.init_err + t.notify_err + t.call_err + t.delete_err + sock + e.timeout
  io.write(string.format(
    "BENCH mode=churn rate=%.1f req_rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f responses=%d sessions=%d "
      .. "unverified=%d refused=%d errors=%d init_err=%d notify_err=%d call_err=%d delete_err=%d sock_err=%d "
      .. "timeouts=%d secs=%.2f delete=%s\n",
    t.sessions / secs, summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests, t.sessions, t.unverified, t.refused, errors, t.init_err, t.notify_err,
    t.call_err, t.delete_err, sock, e.timeout, secs, DELETE and "yes" or "no"))
  io.write(samples)
end
