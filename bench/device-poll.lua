-- device-poll.lua: wrk load script for RFC 8628 device polling (section 3.4) at /token.
--
--   wrk -t1 -c64 -d20s --latency -s bench/device-poll.lua http://127.0.0.1:18081/token
--
-- device-poll-bench.sh hands over in the environment:
--   DEVICE_CODES_FILE   one device_code per line (created with POST /device_authorization)
--   DEVICE_CLIENT_ID    the public client that created them (client authentication "none")
--   DEVICE_ACCEPT       comma-separated "error" values that count as good answers
--                       (default authorization_pending; the slow_down run adds slow_down)
--
-- The requests rotate through the codes (each wrk thread starts at its own offset). A good
-- answer is HTTP 400 whose "error" is one of DEVICE_ACCEPT. Errors: wrong_status (anything but
-- 400), wrong_error (400 with another error). Tallies: pending, slow_down, other_error.

local common = dofile((debug.getinfo(1, "S").source:match("^@?(.*/)") or "./") .. "wrk-common.lua")

local client_id = os.getenv("DEVICE_CLIENT_ID") or "bench-tv"
local accept = {}
for e in (os.getenv("DEVICE_ACCEPT") or "authorization_pending"):gmatch("[^,%s]+") do accept[e] = true end

local codes = {}
local file = assert(io.open(assert(os.getenv("DEVICE_CODES_FILE"), "DEVICE_CODES_FILE not set"), "r"))
for line in file:lines() do
  if line ~= "" then codes[#codes + 1] = line end
end
file:close()
assert(#codes > 0, "no device codes in DEVICE_CODES_FILE")

local headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Accept"] = "application/json",
}
local prefix = "grant_type=" .. common.form_encode("urn:ietf:params:oauth:grant-type:device_code")
  .. "&client_id=" .. common.form_encode(client_id) .. "&device_code="
local requests = {}
local next_index = 1
-- Built in init(), after wrk has set the Host header that wrk.format copies into each request.
function init(args)
  for i, code in ipairs(codes) do
    requests[i] = wrk.format("POST", nil, headers, prefix .. common.form_encode(code))
  end
  -- each thread starts at its own offset (set by setup below) in the list of codes
  next_index = ((tonumber(offset) or 0) % #requests) + 1
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

common.install(function(status, headers, body)
  local err = body and body:match('"error"%s*:%s*"([^"]*)"')
  local tally = (err == "authorization_pending" and "pending") or (err == "slow_down" and "slow_down") or "other_error"
  if status ~= 400 then return "wrong_status", tally end
  if not (err and accept[err]) then return "wrong_error", tally end
  return nil, tally
end, {errors = {"wrong_status", "wrong_error"}, tallies = {"pending", "slow_down", "other_error"}})

-- wrk-common's setup collects the threads; give each its offset as well
local collect = setup
local thread_count = 0
function setup(thread)
  thread:set("offset", thread_count * 7919)
  thread_count = thread_count + 1
  collect(thread)
end
