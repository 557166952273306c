-- ingest_wrk.lua -- wrk script for bench_ingest.sh: POST /events with DISTINCT pre-signed
-- events (one per line of $WA_BENCH_EVENTS); wrk thread k of n sends lines k, k+n, ...
-- so no event is sent twice; counts answers by status (202 expected).
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  local n = tonumber(os.getenv("WA_BENCH_WRK_THREADS") or "1")
  events, codes, i = {}, {}, 0
  local k = 0
  for line in io.lines(os.getenv("WA_BENCH_EVENTS")) do
    k = k + 1
    if k % n == tid - 1 then events[#events + 1] = line end
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  i = i + 1
  if i > #events then i = 1 end   -- exhausted: replays answer 409 and are reported
  return wrk.format(nil, "/events", nil, events[i])
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    local c = t:get("codes")
    for s, n in pairs(c) do all[s] = (all[s] or 0) + n end
  end
  for s, n in pairs(all) do io.write(string.format("status %d %d\n", s, n)) end
  io.write(string.format("p50_ms %.2f\np99_ms %.2f\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
