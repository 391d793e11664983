-- wrk script of the load harness: cycles through the request bodies written
-- by xtenant-gen. The Lua twin of benchmarks/workload/source.go (keep them in
-- step): the k-th request of a run is the same body for every server.
--
--   wrk -t1 -c32 -d10s -s cycle.lua URL -- INPUTS SEQ|- EPOCH OPA(0|1)
--
-- SEQ "-" is the distinct workload: INPUTS in order, and on the p-th further
-- pass (and in every EPOCH > 0) the first eight hex digits of user.id are
-- overwritten with EPOCH<<16|p, so no body ever repeats within a server's run.
-- OPA 1 wraps each body as {"input": ...}. One thread only (-t1): the
-- sequence is then one global order.

local bodies, seq = {}, nil
local epoch, opa = 0, false
-- wrk 4.1 calls request() once per thread before it sends anything (the
-- result is not sent); starting at -1 makes the first request sent k = 0,
-- as in source.go (checked against a recording server).
local k = -1
local path = "/"
local headers = { ["Content-Type"] = "application/json" }

local function lines(file)
  local out = {}
  local f = assert(io.open(file, "r"), "cannot open " .. file)
  for line in f:lines() do
    if #line > 0 then out[#out + 1] = line end
  end
  f:close()
  return out
end

function init(args)
  bodies = lines(args[1])
  assert(#bodies > 0, args[1] .. ": no inputs")
  if args[2] and args[2] ~= "-" then
    seq = {}
    for _, l in ipairs(lines(args[2])) do seq[#seq + 1] = tonumber(l) + 1 end
  end
  epoch = tonumber(args[3] or "0")
  opa = args[4] == "1"
  path = wrk.path
end

function request()
  local body
  if k < 0 then
    k = 0
    return wrk.format("POST", path, headers, bodies[1])
  end
  if seq then
    body = bodies[seq[(k % #seq) + 1]]
  else
    body = bodies[(k % #bodies) + 1]
    local stamp = epoch * 65536 + math.floor(k / #bodies)
    if stamp > 0 then
      body = (body:gsub('"id":"%x%x%x%x%x%x%x%x', string.format('"id":"%08x', stamp), 1))
    end
  end
  k = k + 1
  if opa then body = '{"input":' .. body .. '}' end
  return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"errors":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"p999_ms":%.3f,"max_ms":%.3f}\n',
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout, secs, summary.requests / secs,
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3, latency:percentile(99.9) / 1e3, latency.max / 1e3))
end
