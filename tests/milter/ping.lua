-- ping.lua -- one ordinary message: a connection, for what is due at
-- connection time (policy check, spool replay).
dofile(srcdir .. "/tests/milter/lib.lua")

run(function()
	local conn = open("198.51.100.7")

	envelope(conn, {"i", qid or "P1"}, "<someone@elsewhere.example>",
	         {"<sales@example.com>"})
	headers(conn, {{"Subject", "Hi"}}, SMFIR_ACCEPT)
	mt.disconnect(conn)
end)
