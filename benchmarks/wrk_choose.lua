-- wrk script: the play page's htmx "choose a step" POST, for a pool of learners.
-- benchmarks/http_bench.py writes the pool to wrk_pool.lua next to the results
-- and passes its path as the first script argument.
local pool
local counter = 0

function init(args)
  pool = dofile(args[1])
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
  counter = math.random(#pool.sessions)
end

function request()
  counter = counter + 1
  local s = pool.sessions[(counter % #pool.sessions) + 1]
  local step = pool.steps[math.random(#pool.steps)]
  local body = "csrfmiddlewaretoken=" .. pool.csrf .. "&attempt=" .. s.attempt .. "&step=" .. step
  local headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "sessionid=" .. s.sid .. "; csrftoken=" .. pool.csrf,
    ["HX-Request"] = "true",
  }
  return wrk.format("POST", s.choose, headers, body)
end
