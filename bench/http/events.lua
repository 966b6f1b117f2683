-- wrk script for bench/http/run: POST /v1/events earns against the 1M-member database.
--
-- Usage: wrk ... -s bench/http/events.lua URL -- FORM TAG [DELAY_MS] [MEMBERS] [KEY]
--   FORM      "public": "member" is the public id string "m<N>" (what ledger_bench enrols);
--             "int": "member" is the integer member id N (the same member: ids 1..N in order).
--   TAG       makes idempotency keys unique across runs on the same database.
--   DELAY_MS  mean pause before each request on a connection (0: closed loop, as fast as it
--             answers); each pause is uniform in [0, 2 * DELAY_MS] so connections do not march
--             in step. Used to pace the half-peak run: wrk has no rate limit of its own.
--   MEMBERS   members are drawn uniformly from 1..MEMBERS (default 1,000,000).
--   KEY       an API key with events:write, sent as Authorization: Bearer (none when absent).
-- Every request has a unique idempotency key (TAG, wrk thread, counter) and a random amount of
-- 100..50,000 minor units, so each one is a new durable earn of at least 1 point.

local threads = {}
local next_thread = 1

function setup(thread)
   thread:set("thread_id", next_thread)
   next_thread = next_thread + 1
   table.insert(threads, thread)
end

local form, tag, delay_ms, members
local counter = 0

function init(args)
   form = args[1] or "public"
   tag = args[2] or tostring(os.time())
   delay_ms = tonumber(args[3] or "0") or 0
   members = tonumber(args[4] or "1000000") or 1000000
   if args[5] and args[5] ~= "" then
      wrk.headers["Authorization"] = "Bearer " .. args[5]
   end
   math.randomseed(os.time() * 1000 + thread_id)
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
end

function delay()
   if delay_ms <= 0 then
      return 0
   end
   -- wrk truncates the delay to whole milliseconds; rounding keeps the mean at DELAY_MS.
   return math.floor(math.random() * 2 * delay_ms + 0.5)
end

function request()
   counter = counter + 1
   local n = math.random(1, members)
   local member
   if form == "int" then
      member = tostring(n)
   else
      member = '"m' .. n .. '"'
   end
   local body = string.format(
      '{"id":"wrk-%s-%d-%d","type":"purchase","member":%s,"amount":%d}',
      tag, thread_id, counter, member, math.random(100, 50000))
   return wrk.format(nil, nil, nil, body)
end
