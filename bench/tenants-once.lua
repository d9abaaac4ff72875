-- wrk script for bench/bench.pl: requests each of COUNT mass-hosting
-- tenants once, tNNNNN.DOMAIN for NNNNN from 00000 to COUNT - 1, and
-- prints "all tenants answered" once COUNT responses have arrived, so
-- that the bench can time the pass and stop wrk.  Requests sent after
-- that start over at 00000.  Arguments after "--": COUNT PATH DOMAIN.
-- Meant for one wrk thread (-t1).

local count, path, domain
local next_tenant = 0
local responses = 0

function init(args)
   count = tonumber(args[1])
   path = args[2]
   domain = args[3]
end

function request()
   local host = string.format("t%05d.%s", next_tenant % count, domain)
   next_tenant = next_tenant + 1
   return wrk.format("GET", path, { Host = host })
end

function response(status, headers, body)
   responses = responses + 1
   if responses == count then
      io.write("all tenants answered\n")
      io.flush()
   end
end
