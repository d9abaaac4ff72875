-- wrk script for bench/bench.pl: sends every request to another
-- mass-hosting tenant by rotating the Host header over COUNT names,
-- tNNNNN.DOMAIN for NNNNN from 00000 to COUNT - 1, in order.
-- Arguments after "--": COUNT PATH DOMAIN.  Meant for one wrk thread
-- (-t1); each thread rotates on its own.

local count, path, domain
local next_tenant = 0

function init(args)
   count = tonumber(args[1])
   path = args[2]
   domain = args[3]
end

function request()
   local host = string.format("t%05d.%s", next_tenant, domain)
   next_tenant = (next_tenant + 1) % count
   return wrk.format("GET", path, { Host = host })
end
