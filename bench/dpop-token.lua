-- dpop-token.lua: wrk load script for client_credentials with a DPoP proof (RFC 9449 section 5).
--
--   wrk -t1 -c32 -d30s --latency -s bench/dpop-token.lua http://127.0.0.1:18081/token
--
-- The same request as cc-token.lua (CC_AUTHORIZATION, CC_SCOPE) plus a DPoP header. A proof is
-- single use, so dpop-bench.sh signs them ahead (dpop-proofs.mjs) and hands over:
--   DPOP_PROOFS_FILE   one proof per line; each request takes the next one (with DPOP_THREADS wrk
--                      threads, thread i takes lines i, i+n, i+2n...). Proofs that run out are used
--                      again, and the server refuses those as replays: they count as errors.
--   DPOP_THREADS       the wrk threads of the run (default 1)
--
-- A good response is 2xx with "token_type":"DPoP". Errors: non2xx, not_dpop.

local common = dofile((debug.getinfo(1, "S").source:match("^@?(.*/)") or "./") .. "wrk-common.lua")

local authorization = os.getenv("CC_AUTHORIZATION")
local scope = os.getenv("CC_SCOPE")
local body = "grant_type=client_credentials"
if scope and scope ~= "" then
  body = body .. "&scope=" .. common.form_encode(scope)
end

local proofs = {}
local file = assert(io.open(assert(os.getenv("DPOP_PROOFS_FILE"), "DPOP_PROOFS_FILE not set"), "r"))
for line in file:lines() do
  if line ~= "" then proofs[#proofs + 1] = line end
end
file:close()
assert(#proofs > 0, "no proofs in DPOP_PROOFS_FILE")

local headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Accept"] = "application/json",
  ["Authorization"] = authorization,
}
local next_index = 1
local stride = 1

function init(args)
  stride = tonumber(os.getenv("DPOP_THREADS")) or 1
  next_index = (tonumber(offset) or 0) % #proofs + 1
end

function request()
  headers["DPoP"] = proofs[next_index]
  next_index = next_index + stride
  if next_index > #proofs then next_index = next_index - #proofs end
  return wrk.format("POST", nil, headers, body)
end

common.install(function(status, headers, resp_body)
  if status < 200 or status > 299 then return "non2xx" end
  if not (resp_body and string.find(resp_body, '"token_type":"DPoP"', 1, true)) then return "not_dpop" end
  return nil
end, {errors = {"non2xx", "not_dpop"}})

-- wrk-common's setup collects the threads; give each its offset as well
local collect = setup
local thread_count = 0
function setup(thread)
  thread:set("offset", thread_count)
  thread_count = thread_count + 1
  collect(thread)
end
