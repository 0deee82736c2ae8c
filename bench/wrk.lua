-- wrk script of bench/run.py: one scenario per run, described by environment variables.
--   BENCH_METHOD   GET or POST
--   BENCH_PATHS    a file of request paths, one a line, taken in turn (ticket pages rotate over tickets)
--   BENCH_HEADERS  a file of "Name: value" lines (session cookie, CSRF token, API token, content type)
--   BENCH_BODY     the request body of a POST
-- At the end it prints one line, BENCH_JSON {...}, with throughput, latency percentiles, the SQL queries
-- per request (from the X-Bench-Queries header that bench/wsgi.py adds) and the count of bad answers.

local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")

local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  if line ~= "" then table.insert(paths, line) end
end

local headers = {}
local header_file = os.getenv("BENCH_HEADERS")
if header_file then
  for line in io.lines(header_file) do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name then headers[name] = value end
  end
end

local threads = {}

function setup(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end

function init(args)
  counter = offset or 0
  queries, counted, bad, first_bad = 0, 0, 0, ""
end

function request()
  counter = counter + 1
  return wrk.format(method, paths[(counter % #paths) + 1], headers, body)
end

function response(status, response_headers, response_body)
  local q = response_headers["X-Bench-Queries"] or response_headers["x-bench-queries"]
  if q then
    queries = queries + tonumber(q)
    counted = counted + 1
  end
  if status >= 400 then
    bad = bad + 1
    if first_bad == "" then first_bad = tostring(status) end
  end
end

function done(summary, latency, requests)
  local q, c, b, fb = 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    q = q + thread:get("queries")
    c = c + thread:get("counted")
    b = b + thread:get("bad")
    if fb == "" then fb = thread:get("first_bad") end
  end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_ms": %.2f, "p95_ms": %.2f, ' ..
    '"p99_ms": %.2f, "max_ms": %.2f, "socket_errors": %d, "non_2xx_3xx": %d, "bad": %d, "first_bad": "%s", ' ..
    '"queries": %d, "counted": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, errors, summary.errors.status, b, fb, q, c))
end
