-- exchange.lua: wrk load script for RFC 8693 token exchange at the token-service's /token.
--
--   wrk -t1 -c64 -d20s --latency -s bench/exchange.lua http://127.0.0.1:18081/token
--
-- exchange-bench.sh prepares the request and hands it over in the environment:
--   EXCHANGE_AUTHORIZATION   Authorization header value (client_secret_basic)
--   EXCHANGE_SUBJECT_TOKEN   the id_token to exchange
--   EXCHANGE_SUBJECT_TYPE    default urn:ietf:params:oauth:token-type:id_token
--   EXCHANGE_SCOPE           the scopes to request, e.g. "r1.read r2.read r3.read"
--
-- A response is good only when it is 2xx, carries an access_token AND its "scope" holds every
-- requested scope: an authority that timed out (its scopes dropped) must not pass for a success.
-- Errors: non2xx, no_token, partial_scope (see wrk-common.lua for the RESULT line).

local common = dofile((debug.getinfo(1, "S").source:match("^@?(.*/)") or "./") .. "wrk-common.lua")

local scope = os.getenv("EXCHANGE_SCOPE") or ""
local wanted = {}
for s in scope:gmatch("%S+") do wanted[#wanted + 1] = s end

wrk.method = "POST"
wrk.body = "grant_type=" .. common.form_encode("urn:ietf:params:oauth:grant-type:token-exchange")
  .. "&subject_token=" .. common.form_encode(os.getenv("EXCHANGE_SUBJECT_TOKEN") or "")
  .. "&subject_token_type=" .. common.form_encode(os.getenv("EXCHANGE_SUBJECT_TYPE") or "urn:ietf:params:oauth:token-type:id_token")
  .. (scope ~= "" and ("&scope=" .. common.form_encode(scope)) or "")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = os.getenv("EXCHANGE_AUTHORIZATION")

common.install(function(status, headers, body)
  if status < 200 or status > 299 then return "non2xx" end
  if not (body and body:find('"access_token"', 1, true)) then return "no_token" end
  local granted = " " .. (body:match('"scope"%s*:%s*"([^"]*)"') or "") .. " "
  for _, s in ipairs(wanted) do
    if not granted:find(" " .. s .. " ", 1, true) then return "partial_scope" end
  end
  return nil
end, {errors = {"non2xx", "no_token", "partial_scope"}})
