-- rule.lua -- a reminder typed by hand (no X-Relance-* header), known by
-- the ReminderSender/ReminderSubject rule, from a daemon named in
-- InternalDaemons; its encoded Subject keeps the blank before the tag.
dofile(srcdir .. "/tests/milter/lib.lua")

run(function()
	local conn = open("192.0.2.30")

	envelope(conn, {"i", "T1", "{daemon_name}", "ORIGINATING"},
	         "<compta@example.com>", {"<factures@martin.example>"})
	headers(conn, {{"From", "Compta Exemple <compta@example.com>"},
	               {"Subject", "=?UTF-8?Q?Relance_facture_F2026-0102_"
	                           .. "impay=C3=A9e?="},
	               {"Message-ID", "<outlook-7@example.com>"}},
	        SMFIR_CONTINUE)
	body_and_eom(conn, SMFIR_ACCEPT, SMFIR_CONTINUE)
	local id = mt.getheader(conn, "X-Relance-ID", 0)
	check(is_id(id), "X-Relance-ID added: " .. tostring(id))
	changed(conn, MT_HDRCHANGE, "Subject",
	        "=?UTF-8?Q?Relance_facture_F2026-0102_impay=C3=A9e?=\n " ..
	        "=?UTF-8?Q?_=5BR=C3=A9f=2E?= " .. id .. "]")
	changed(conn, MT_HDRADD, "Reply-To",
	        "factures+" .. id:lower() .. "@example.com")
	check(not mt.eom_check(conn, MT_HDRADD, "Message-ID"),
	      "Message-ID kept")
	check(not mt.eom_check(conn, MT_HDRDELETE), "nothing to remove")
	save("rule.id", id)
	mt.disconnect(conn)
end)
