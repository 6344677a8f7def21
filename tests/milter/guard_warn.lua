-- guard_warn.lua -- Guard warn (after a reload): the reminder for a
-- disputed invoice goes out, tagged; flagged in the log and the history,
-- never in a header the customer would read.
dofile(srcdir .. "/tests/milter/lib.lua")

run(function()
	local conn = open("127.0.0.1")

	envelope(conn, {"i", "W1"}, "<factures@example.com>",
	         {"<ap@acme.example>"})
	headers(conn, {{"From", "factures@example.com"},
	               {"Subject", "Reminder: invoice F2026-0103"},
	               {"X-Relance-Invoice", "F2026-0103"}}, SMFIR_CONTINUE)
	body_and_eom(conn, SMFIR_ACCEPT, SMFIR_CONTINUE)
	local id = mt.getheader(conn, "X-Relance-ID", 0)
	check(is_id(id), "X-Relance-ID added: " .. tostring(id))
	check(not mt.eom_check(conn, MT_HDRADD, "X-Relance-Warning"),
	      "no warning header: the customer would read it")
	changed(conn, MT_HDRCHANGE, "Subject",
	        "Reminder: invoice F2026-0103 [Ref " .. id .. "]")
	changed(conn, MT_HDRDELETE, "X-Relance-Invoice")
	save("warn.id", id)
	save("warn.mid", mt.getheader(conn, "Message-ID", 0))
	mt.disconnect(conn)
end)
