-- wrk script of bench/scale.sh: the query mix of bench/scale_queries.txt (or $SCALE_QUERIES)
-- against /api/search?limit=10, plus /healthz and /api/documents?limit=20 (one request in
-- ~20 each), in a fixed round-robin order. Run from the repository root. Non-2xx answers
-- count as errors; done() prints a summary and one machine-readable `scale-wrk:` line.
local file = os.getenv("SCALE_QUERIES") or "bench/scale_queries.txt"
local queries = {}
for line in io.lines(file) do
  if line:match("%S") and not line:match("^%s*#") then
    queries[#queries + 1] = line
  end
end

local function encode(s)
  return (s:gsub("[^%w]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local paths = {}
for i, q in ipairs(queries) do
  paths[#paths + 1] = "/api/search?q=" .. encode(q) .. "&limit=10"
  if i % 20 == 0 then
    paths[#paths + 1] = "/healthz"
    paths[#paths + 1] = "/api/documents?limit=20"
  end
end
paths[#paths + 1] = "/healthz"
paths[#paths + 1] = "/api/documents?limit=20"

local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "requests %d in %.1f s: %.0f req/s; latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("errors: connect %d, read %d, write %d, timeout %d, non-2xx %d\n",
    e.connect, e.read, e.write, e.timeout, e.status))
  io.write(string.format(
    "scale-wrk: %.1f %.2f %.2f %d %d %d %d %d %d\n",
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout + e.status,
    e.connect, e.read, e.write, e.timeout, e.status))
end
