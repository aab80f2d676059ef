-- orchestrator.lua: wrk load script for orchestrator-bench.sh, walking through a file of one-time
-- inputs prepared by orchestrator-prep.mjs (every line is used once, in file order).
--
--   wrk -t1 -c32 -d20s --latency -s bench/orchestrator.lua http://127.0.0.1:18082
--
-- orchestrator-bench.sh hands over in the environment:
--   ORCH_MODE          callback | redeem
--   ORCH_LINES_FILE    callback: one "/callback?code=..&state=.. orch_login_<id>=<sealed login>" per
--                      line (a login in progress each: the callback's path and query, and the
--                      browser's login cookie, without which the callback answers 400)
--                      redeem:   one "<authorization code> <PKCE verifier>" per line
--   ORCH_AUTHORIZATION (redeem) the client's Authorization header (client_secret_basic)
--   ORCH_REDIRECT_URI  (redeem) the client's redirect_uri
--   ORCH_THREADS       the number of wrk threads (each takes every ORCH_THREADS-th line)
--
-- callback: GET the line's path with its cookie in a Cookie header; good = 302 to the client with a
--   "code" and no "error" in Location.
--   Errors: non302, error_redirect (302 with error=...), no_code.
-- redeem: POST /token grant_type=authorization_code; good = 200 with id_token and access_token.
--   Errors: non2xx, no_id_token, no_access_token. Tally: per_resource (an "access_tokens" map).
-- When a thread has no line left for a connection it stops (wrk.thread:stop()), so a run never
-- replays a code (a replay would revoke the tokens of the first redemption) or a state; answers
-- still in flight then are not counted (at most one per other connection). The GET
-- /jwks returned to wrk at that moment is never sent, or counted as "filler" if it is.
-- wrk divides by the whole -d even when its threads stopped earlier: the rate (and duration_s) is
-- computed here over the time the threads really ran.

local common = dofile((debug.getinfo(1, "S").source:match("^@?(.*/)") or "./") .. "wrk-common.lua")

-- wrk divides by the whole -d even when threads stopped earlier: each thread notes when it sent its
-- first request and received its last response (CLOCK_MONOTONIC through LuaJIT's ffi), and the rate
-- is computed over that span.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } orch_timespec;
int clock_gettime(int clk_id, orch_timespec *tp);
]]
local timespec = ffi.new("orch_timespec")
local function now()
  ffi.C.clock_gettime(1, timespec) -- CLOCK_MONOTONIC
  return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) / 1e9
end
t_first = 0
t_last = 0

local mode = assert(os.getenv("ORCH_MODE"), "ORCH_MODE not set")
local nthreads = tonumber(os.getenv("ORCH_THREADS") or "1")
local all = {}
local file = assert(io.open(assert(os.getenv("ORCH_LINES_FILE"), "ORCH_LINES_FILE not set"), "r"))
for line in file:lines() do
  if line ~= "" then all[#all + 1] = line end
end
file:close()
assert(#all > 0, "no lines in ORCH_LINES_FILE")

local requests = {}
local filler
local next_index = 1
answered = 0
mine = 0

function init(args)
  local index = tonumber(thread_index) or 0
  local headers = {["Accept"] = "application/json"}
  if mode == "redeem" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["Authorization"] = os.getenv("ORCH_AUTHORIZATION")
  end
  local redirect = common.form_encode(os.getenv("ORCH_REDIRECT_URI") or "")
  for i = index + 1, #all, nthreads do
    local line = all[i]
    if mode == "callback" then
      local path, cookie = line:match("^(%S+)%s+(%S+)$")
      assert(path, "a callback line must be '<path> <cookie>': " .. line:sub(1, 80))
      requests[#requests + 1] = wrk.format("GET", path, {["Accept"] = "text/html", ["Cookie"] = cookie})
    else
      local code, verifier = line:match("^(%S+)%s+(%S+)$")
      requests[#requests + 1] = wrk.format("POST", "/token", headers,
        "grant_type=authorization_code&code=" .. common.form_encode(code) .. "&redirect_uri=" .. redirect
          .. "&code_verifier=" .. common.form_encode(verifier))
    end
  end
  mine = #requests
  filler = wrk.format("GET", "/jwks")
end

function request()
  if t_first == 0 then t_first = now() end
  local r = requests[next_index]
  if r == nil then
    wrk.thread:stop()
    return filler
  end
  next_index = next_index + 1
  return r
end

local function classify(status, headers, body)
  if body and body:find('"keys"', 1, true) then return nil, "filler" end
  if mode == "callback" then
    if status ~= 302 then return "non302" end
    local location = headers["Location"] or headers["location"] or ""
    if location:find("[?&]error=") then return "error_redirect" end
    if not location:find("[?&]code=") then return "no_code" end
    return nil
  end
  if status < 200 or status > 299 then return "non2xx" end
  if not (body and body:find('"id_token"', 1, true)) then return "no_id_token" end
  if not body:find('"access_token"', 1, true) then return "no_access_token" end
  if body:find('"access_tokens"', 1, true) then return nil, "per_resource" end
  return nil
end

local errors = mode == "callback" and {"non302", "error_redirect", "no_code"} or {"non2xx", "no_id_token", "no_access_token"}
local function span(summary, threads)
  local first, last
  for _, t in ipairs(threads) do
    local f, l = t:get("t_first") or 0, t:get("t_last") or 0
    if f > 0 and l > 0 then
      first = (first == nil or f < first) and f or first
      last = (last == nil or l > last) and l or last
    end
  end
  if first and last and last > first then return last - first end
  return nil
end
common.install(classify, {errors = errors, tallies = {"filler", "per_resource"}, duration = span})

-- after the last of its lines is answered, the thread stops
local counted = response
function response(status, headers, body)
  counted(status, headers, body)
  t_last = now()
  answered = answered + 1
  if answered >= mine then wrk.thread:stop() end
end

-- wrk-common's setup collects the threads; give each its index as well
local collect = setup
local thread_count = 0
function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  collect(thread)
end
