-- wrk script: a mix of real queries (French, English, figures, phrases, typos) against
-- /api/search, plus documents and health checks; counts non-2xx answers as errors.
local queries = {
  "taux de féminisation", "13600 étudiants", "38 %", "mission statement",
  "When did the board adopt IMT's mission statement?", "écoles partenaires",
  "stratégie internationale", "incubateur Télécom Paris Novation Center",
  "raison d'être", "\"contrat d'objectifs\"", "recherche partenariale",
  "feminisation", "international students", "budget 2023", "strategie numerique",
}
local paths = {}
for i, q in ipairs(queries) do
  paths[#paths + 1] = "/api/search?q=" .. q:gsub("[^%w]", function(c)
    return string.format("%%%02X", string.byte(c))
  end) .. "&limit=10"
end
paths[#paths + 1] = "/api/documents?limit=20"
paths[#paths + 1] = "/healthz"
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format(
    "requests %d in %.1f s: %.0f req/s; latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("errors: connect %d, read %d, write %d, timeout %d, non-2xx %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status))
end
