-- group.lua -- a grouped reminder (one mail for several invoices of a
-- customer, X-Relance-Invoice listing them): guarded over every listed
-- invoice, tagged with one tracking ID that every invoice records; a
-- reply to its plus-address pauses them all.
dofile(srcdir .. "/tests/milter/lib.lua")

run(function()
	local conn = open("127.0.0.1")

	-- 1. G9-1 and G9-2, both open: tagged once, for both.
	envelope(conn, {"i", "M1"}, "<factures@example.com>",
	         {"<compta@neuf.example>"})
	headers(conn, {{"From", "factures@example.com"},
	               {"To", "compta@neuf.example"},
	               {"Subject", "Vos factures"},
	               {"X-Relance-Invoice", "G9-1, G9-2"},
	               {"X-Relance-Step", "reminder-1"}}, SMFIR_CONTINUE)
	body_and_eom(conn, SMFIR_ACCEPT, SMFIR_CONTINUE)
	local id = mt.getheader(conn, "X-Relance-ID", 0)
	check(is_id(id), "X-Relance-ID added: " .. tostring(id))
	changed(conn, MT_HDRDELETE, "X-Relance-Invoice")
	changed(conn, MT_HDRDELETE, "X-Relance-Step")
	changed(conn, MT_HDRADD, "Reply-To",
	        "factures+" .. id:lower() .. "@example.com")
	changed(conn, MT_HDRCHANGE, "Subject", "Vos factures [Ref " .. id .. "]")
	save("group.id", id)
	save("group.mid", mt.getheader(conn, "Message-ID", 0))

	-- 2. Listed invoices that are paid or paused: under Guard warn (as
	-- run.sh has it by now) the mail goes, and the warning names each.
	envelope(conn, {"i", "M2"}, "<factures@example.com>",
	         {"<compta@dupont.example>"})
	headers(conn, {{"From", "factures@example.com"},
	               {"Subject", "Factures F2026-0101, F2026-0104"},
	               {"X-Relance-Invoice", "F2026-0101, F2026-0104"},
	               {"X-Relance-Step", "reminder-2"}}, SMFIR_CONTINUE)
	body_and_eom(conn, SMFIR_ACCEPT, SMFIR_CONTINUE)
	check(not mt.eom_check(conn, MT_HDRADD, "X-Relance-Warning"),
	      "no warning header: the customer would read it")
	save("group2.mid", mt.getheader(conn, "Message-ID", 0))
	mt.disconnect(conn)

	-- 3. The customer answers to the plus-address: both invoices wait.
	conn = open("198.51.100.9")
	envelope(conn, {"i", "M3"}, "<compta@neuf.example>",
	         {"<factures+" .. id:lower() .. "@example.com>"})
	headers(conn, {{"From", "compta@neuf.example"},
	               {"Subject", "RE: Vos factures [Ref " .. id .. "]"}},
	        SMFIR_CONTINUE)
	ok(mt.bodystring(conn, "Je regarde et je reviens vers vous.\r\n"),
	   "body")
	reply(conn, SMFIR_CONTINUE, "body")
	ok(mt.eom(conn), "EOM")
	reply(conn, SMFIR_ACCEPT, "EOM")
	mt.disconnect(conn)
end)
