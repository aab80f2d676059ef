-- floor.lua: wrk load script for bench/floor-bench.sh. Every answer of Floor's front must be a 302
-- with a Location (it answers 500 when a call or a Redis command failed).
local common = dofile((debug.getinfo(1, "S").source:match("^@?(.*/)") or "./") .. "wrk-common.lua")

wrk.method = "GET"

common.install(function(status, headers, body)
  if status ~= 302 then return "not302" end
  return nil
end, {errors = {"not302"}})
