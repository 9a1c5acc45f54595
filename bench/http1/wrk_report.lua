-- wrk report hook for bench/http1/run.py: prints one machine-readable line at the end of a run.
-- Only done() is defined, so wrk keeps its fast path (one pre-built request, no per-request Lua).
-- Latencies are microseconds, as wrk records them. "grid" holds the percentiles 1..99, 99.1..99.9
-- and 99.91..99.99 (QUANTILE_GRID in run.py): run.py computes every percentile it reports from
-- these grids, pooled over the runs of a target.

done = function(summary, latency, requests)
  local e = summary.errors
  local function p(q)
    return math.floor(latency:percentile(q))
  end
  local grid = {}
  for i = 1, 99 do grid[#grid + 1] = p(i) end
  for i = 991, 999 do grid[#grid + 1] = p(i / 10) end
  for i = 9991, 9999 do grid[#grid + 1] = p(i / 100) end
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"grid":[%s]}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, table.concat(grid, ",")))
end
