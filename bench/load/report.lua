-- wrk script for bench/load/run.py: optional POST body (WRK_METHOD, WRK_BODY_FILE),
-- optional think time per request (WRK_THINK_MS, uniform 0..2x) or a fixed offered rate
-- (WRK_THREAD_RATE requests/s per wrk thread), and one JSON line at the end with requests,
-- errors, latency percentiles and a count per HTTP status.
local method = os.getenv("WRK_METHOD")
if method and method ~= "" then wrk.method = method end
local body_file = os.getenv("WRK_BODY_FILE")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
end
local think_ms = tonumber(os.getenv("WRK_THINK_MS") or "0") or 0
local thread_rate = tonumber(os.getenv("WRK_THREAD_RATE") or "0") or 0

-- A millisecond clock: wrk's Lua is LuaJIT, whose os.clock() is CPU time, not wall time.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock_id, bench_timespec *tp);
]]
local timespec = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, timespec) -- CLOCK_MONOTONIC
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

if thread_rate > 0 then
  -- Open-loop pacing: the thread's k-th request is due at start + k / rate, whichever of
  -- its connections is free claims the next slot. A server that keeps up sees exactly the
  -- offered rate; one that falls behind gets the missed requests as soon as connections
  -- free up (they are not silently dropped), and its latency shows it.
  local interval = 1000 / thread_rate
  local next_slot = nil
  function delay()
    local now = now_ms()
    next_slot = next_slot or now
    local slot = next_slot
    next_slot = next_slot + interval
    return math.max(0, math.floor(slot - now + 0.5))
  end
elseif think_ms > 0 then
  function delay()
    return math.random(0, 2 * think_ms)
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses") or {}
    for status, n in pairs(counts) do
      merged[status] = (merged[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(merged) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "mean_us": %.1f, "statuses": {%s}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, table.concat(parts, ", ")))
end
