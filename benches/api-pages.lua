-- wrk script for `benches/api.sh`: every request is one of many users (a token of their own) asking
-- for one of their pages of time entries.
--   PAGES=miss  every request a different page: `to` moves by a second each time, so no two
--               requests ask the same question and the page cache cannot answer.
--   PAGES=hit   each user's first page, asked again and again: after a user's first request the
--               answer comes from the page cache.
--   PAGES=mixed as people use it: nine in ten requests read (half a user's first page, half
--               another page), one in ten records a new entry for that user, which changes
--               their entries and so what the page cache may answer.
local tokens = {}
for line in io.lines(os.getenv("TOKENS_FILE")) do
  tokens[#tokens + 1] = line
end
local mode = os.getenv("PAGES") or "miss"
-- Each user's entries start at this instant, two hours apart (see the seeding in api.sh).
local first = tonumber(os.getenv("FIRST_ENTRY_EPOCH"))
local span = tonumber(os.getenv("SPAN_SECONDS"))

local next_thread = 0
function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

local counter = 0
local local_count = 0
function init(args)
  math.randomseed(thread_id * 7919 + os.time())
  -- Threads count through different seconds, so no two requests share a `to`.
  counter = thread_id * 100000000
end

function request()
  counter = counter + 1
  local_count = local_count + 1
  local token = tokens[math.random(#tokens)]
  local headers = { ["Authorization"] = "Bearer " .. token }
  local path = "/api/time-entries?limit=50"
  if mode == "mixed" and local_count % 10 == 0 then
    -- After the seeded entries; threads a minute apart, each entry 30 minutes, none overlapping.
    local start = first + span + 100 * 7200 + (local_count * 2 + thread_id) * 3600
    headers["Content-Type"] = "application/json"
    local body = string.format('{"started_at":"%s","ended_at":"%s","notes":"bench write"}',
      os.date("!%Y-%m-%dT%H:%M:%SZ", start), os.date("!%Y-%m-%dT%H:%M:%SZ", start + 1800))
    return wrk.format("POST", "/api/time-entries", headers, body)
  end
  if mode == "miss" or (mode == "mixed" and local_count % 2 == 0) then
    -- From the 50th entry on, so most pages are full; the offset is unique to this request.
    local to = first + 50 * 7200 + (counter * 7919) % span
    path = path .. "&to=" .. os.date("!%Y-%m-%dT%H:%M:%SZ", to)
  end
  return wrk.format("GET", path, headers)
end
