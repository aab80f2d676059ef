-- dpop-token.lua: wrk load script for client_credentials with a DPoP proof (RFC 9449 section 5).
--
--   wrk -t1 -c32 -d30s --latency -s bench/dpop-token.lua http://127.0.0.1:18081/token
--
-- The same request as cc-token.lua (CC_AUTHORIZATION, CC_SCOPE) plus a DPoP header. A proof is
-- single use, so dpop-bench.sh signs them ahead (dpop-proofs.mjs) and hands over:
--   DPOP_PROOFS_FILE   one proof per line, each sent once, in file order
--   DPOP_THREADS       the wrk threads of the run (thread i takes lines i, i+n, i+2n...; default 1)
--
-- A good response is 2xx with "token_type":"DPoP". Errors: non2xx, not_dpop.
-- When a thread has no proof left it stops (wrk.thread:stop()): a proof is never sent twice (the
-- server would refuse it as a replay). Answers still in flight then are not counted; the GET /jwks
-- returned to wrk at that moment is never sent, or counted as "filler" if it is. wrk divides by the
-- whole -d even when its threads stopped earlier: the rate (and duration_s) is computed here over
-- the time the threads really ran.

local common = dofile((debug.getinfo(1, "S").source:match("^@?(.*/)") or "./") .. "wrk-common.lua")

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } dpop_timespec;
int clock_gettime(int clk_id, dpop_timespec *tp);
]]
local timespec = ffi.new("dpop_timespec")
local function now()
  ffi.C.clock_gettime(1, timespec) -- CLOCK_MONOTONIC
  return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) / 1e9
end
t_first = 0
t_last = 0

local authorization = os.getenv("CC_AUTHORIZATION")
local scope = os.getenv("CC_SCOPE")
local body = "grant_type=client_credentials"
if scope and scope ~= "" then
  body = body .. "&scope=" .. common.form_encode(scope)
end
local nthreads = tonumber(os.getenv("DPOP_THREADS") or "1")

local all = {}
local file = assert(io.open(assert(os.getenv("DPOP_PROOFS_FILE"), "DPOP_PROOFS_FILE not set"), "r"))
for line in file:lines() do
  if line ~= "" then all[#all + 1] = line end
end
file:close()
assert(#all > 0, "no proofs in DPOP_PROOFS_FILE")

local headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Accept"] = "application/json",
  ["Authorization"] = authorization,
}
local mine = {}
local next_index = 1
local filler
answered = 0

function init(args)
  for i = (tonumber(thread_index) or 0) + 1, #all, nthreads do
    mine[#mine + 1] = all[i]
  end
  filler = wrk.format("GET", "/jwks")
end

function request()
  if t_first == 0 then t_first = now() end
  local proof = mine[next_index]
  if proof == nil then
    wrk.thread:stop()
    return filler
  end
  next_index = next_index + 1
  headers["DPoP"] = proof
  return wrk.format("POST", nil, headers, body)
end

local function classify(status, headers, resp_body)
  if resp_body and resp_body:find('"keys"', 1, true) then return nil, "filler" end
  if status < 200 or status > 299 then return "non2xx" end
  if not (resp_body and resp_body:find('"token_type":"DPoP"', 1, true)) then return "not_dpop" end
  return nil
end

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
common.install(classify, {errors = {"non2xx", "not_dpop"}, tallies = {"filler"}, duration = span})

-- after the last of its proofs is answered, the thread stops
local counted = response
function response(status, headers, resp_body)
  counted(status, headers, resp_body)
  t_last = now()
  answered = answered + 1
  if answered >= #mine then wrk.thread:stop() end
end

-- wrk-common's setup collects the threads; give each its index as well
local collect = setup
local thread_count = 0
function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  collect(thread)
end
