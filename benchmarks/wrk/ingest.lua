-- wrk load for POST /api/v1/ingest: unique CSAT events (or, with
-- KIND=interaction, interactions with text, tags, latency and tokens),
-- BATCH per request.
-- Env: VITALS_KEY (API key), BATCH (items per request), RUN (an id prefix,
-- different for each run), KIND. Each wrk thread numbers its own ids under it so
-- no event repeats (a repeat would take the store's slower duplicate
-- path); `done` prints the 200 count so the benchmark can check every
-- acknowledged event is in the store.
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  batch = tonumber(os.getenv("BATCH") or "1")
  run = os.getenv("RUN") or "w"
  interactions = os.getenv("KIND") == "interaction"
  headers = {
    ["Authorization"] = "Bearer " .. os.getenv("VITALS_KEY"),
    ["Content-Type"] = "application/json",
  }
  counter, ok, failed = 0, 0, 0
end

function request()
  counter = counter + 1
  local parts = {}
  for j = 1, batch do
    local session = (counter * batch + j) % 997
    if interactions then
      parts[j] = string.format(
        '{"id":"%s%d-%d-%d","session_id":"s%d","turn":%d,"input":"where is my order %d?",'
          .. '"output":"Your order %d ships tomorrow.","system_version":"v%d",'
          .. '"tags":{"segment":"%s","channel":"web"},"latency_ms":%d,'
          .. '"tokens_in":%d,"tokens_out":%d,"cost":0.0004}',
        run, tid, counter, j, session, j % 4, j, j, 1 + j % 2,
        (j % 3 == 0) and "pro" or "free", 300 + j % 900, 20 + j % 50, 40 + j % 90)
    else
      parts[j] = string.format(
        '{"id":"%s%d-%d-%d","session_id":"s%d","type":"csat","value":%d}',
        run, tid, counter, j, session, 1 + j % 5)
    end
  end
  local body = '{"items":[' .. table.concat(parts, ",") .. ']}'
  return wrk.format("POST", "/api/v1/ingest", headers, body)
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else failed = failed + 1 end
end

function done(summary, latency, requests)
  local total_ok, total_failed = 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_failed = total_failed + thread:get("failed")
  end
  io.write(string.format("WRK_RESULT ok=%d failed=%d p99_ms=%.1f\n",
    total_ok, total_failed, latency:percentile(99) / 1000))
end
