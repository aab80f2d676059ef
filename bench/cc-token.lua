-- cc-token.lua: wrk load script for the OAuth2 client_credentials grant (RFC 6749 section 4.4).
--
-- Used by cc-bench.sh against both servers, so that the two see byte-for-byte the same request:
--   wrk -t1 -c32 -d20s --latency -s bench/cc-token.lua http://127.0.0.1:18081/token
--
-- The request is prepared by the calling script and handed over in the environment, which keeps
-- this file free of credentials and of any base64 code:
--   CC_AUTHORIZATION  value of the Authorization header, e.g. "Basic YmVuY2gtY2xpZW50Oi4uLg=="
--                     (client_secret_basic, RFC 6749 section 2.3.1)
--   CC_SCOPE          optional scope to request (form-urlencoded here)
--
-- A response counts as good only when it is 2xx AND carries an access_token: a server that
-- answers quickly with errors must not look fast. At the end one machine-readable line is printed:
--   RESULT rps=.. p50_ms=.. p90_ms=.. p99_ms=.. max_ms=.. requests=.. ok=.. non2xx=.. no_token=..
--          sock_errors=.. errors=.. duration_s=..
-- and, when something went wrong, one SAMPLE_BAD line with the first bad status and body.

local common = dofile((debug.getinfo(1, "S").source:match("^@?(.*/)") or "./") .. "wrk-common.lua")

local authorization = os.getenv("CC_AUTHORIZATION")
local scope = os.getenv("CC_SCOPE")

local body = "grant_type=client_credentials"
if scope and scope ~= "" then
  body = body .. "&scope=" .. common.form_encode(scope)
end

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
if authorization and authorization ~= "" then
  wrk.headers["Authorization"] = authorization
end

-- Counting, per-thread sums and the RESULT line are in wrk-common.lua (shared with the other
-- benchmarks' scripts).
common.install(function(status, headers, resp_body)
  if status < 200 or status > 299 then return "non2xx" end
  if not (resp_body and string.find(resp_body, '"access_token"', 1, true)) then return "no_token" end
  return nil
end, {errors = {"non2xx", "no_token"}})
