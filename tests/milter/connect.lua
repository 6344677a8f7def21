-- connect.lua -- a connection and nothing else: for what is due at
-- connection time (the policy files' check, the spool's replay).
dofile(srcdir .. "/tests/milter/lib.lua")

run(function()
	mt.disconnect(open("198.51.100.7"))
end)
