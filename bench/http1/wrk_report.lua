-- wrk report hook for bench/http1/run.py: prints one machine-readable line at the end of a run.
-- Only done() is defined, so wrk keeps its fast path (one pre-built request, no per-request Lua).
-- Latencies are microseconds, as wrk records them.

done = function(summary, latency, requests)
  local e = summary.errors
  local function p(q)
    return math.floor(latency:percentile(q))
  end
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,' ..
    '"p50":%d,"p75":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev, latency.max,
    p(50), p(75), p(90), p(99), p(99.9)))
end
