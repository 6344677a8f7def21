-- incoming.lua -- mail from outside: to anyone but the dunning mailboxes
-- it is accepted at the end of the headers, unless it carries headers that
-- claim to be ours (X-Relance-*), which are then removed; to a mailbox's
-- plus-address its body is read up to MaxBodySize (1K here), then skipped,
-- and the reply is classified and marked for the clerk's mail client; so is
-- mail to anyone whose headers carry a tracking ID back, or name the
-- Message-ID of one of our reminders in In-Reply-To or References.
dofile(srcdir .. "/tests/milter/lib.lua")

run(function()
	local conn = open("198.51.100.7")

	envelope(conn, {"i", "I0"}, "<news@customer.example>",
	         {"<sales@example.com>"})
	headers(conn, {{"From", "news@customer.example"},
	               {"Subject", "Newsletter"}}, SMFIR_ACCEPT)

	envelope(conn, {"i", "I1"}, "<billing@customer.example>",
	         {"<sales@example.com>"})
	headers(conn, {{"From", "billing@customer.example"},
	               {"Subject", "Order"},
	               {"X-Relance-Invoice", "F2026-0101"}}, SMFIR_CONTINUE)
	body_and_eom(conn, SMFIR_ACCEPT)
	changed(conn, MT_HDRDELETE, "X-Relance-Invoice")
	check(not mt.eom_check(conn, MT_HDRADD), "nothing added")

	envelope(conn, {"i", "I2"}, "<compta@dupont.example>",
	         {"<sales@example.com>", "<Factures+R-78DQS6A24@Example.com>"})
	headers(conn, {{"From", "compta@dupont.example"},
	               {"Subject", "RE: Relance facture F2026-0101"},
	               {"X-Relance-State", "paid"}},
	        SMFIR_CONTINUE)
	ok(mt.bodystring(conn, string.rep("a", 600)), "body 1")
	reply(conn, SMFIR_CONTINUE, "body 1")
	ok(mt.bodystring(conn, string.rep("b", 600)), "body 2")
	reply(conn, SMFIR_SKIP, "body 2")
	ok(mt.eom(conn), "EOM")
	reply(conn, SMFIR_ACCEPT, "EOM")
	changed(conn, MT_HDRDELETE, "X-Relance-State")
	changed(conn, MT_HDRADD, "X-Relance-Class", "reply")
	changed(conn, MT_HDRADD, "X-Relance-Invoice", "F2026-0101")
	changed(conn, MT_HDRADD, "X-Relance-State", "open")

	-- Not to a mailbox, but the subject carries the tracking ID back.
	envelope(conn, {"i", "I3"}, "<compta@dupont.example>",
	         {"<jean.clerk@example.com>"})
	headers(conn, {{"From", "compta@dupont.example"},
	               {"Auto-Submitted", "auto-replied"},
	               {"Subject", "Absent : RE: Relance facture F2026-0101 [Ref. "
	                           .. load("reminder.id") .. "]"}},
	        SMFIR_CONTINUE)
	ok(mt.bodystring(conn, "Je suis absent du bureau.\r\n"), "body")
	reply(conn, SMFIR_CONTINUE, "body")
	ok(mt.eom(conn), "EOM")
	reply(conn, SMFIR_ACCEPT, "EOM")
	changed(conn, MT_HDRADD, "X-Relance-Class", "auto-reply")
	changed(conn, MT_HDRADD, "X-Relance-Invoice", "F2026-0101")
	changed(conn, MT_HDRADD, "X-Relance-State", "open")

	-- Not to a mailbox, no tracking ID, but In-Reply-To names the ERP's
	-- reminder (reminder.lua's R2 kept its own Message-ID): read.
	envelope(conn, {"i", "I4"}, "<compta@dupont.example>",
	         {"<jean.clerk@example.com>"})
	headers(conn, {{"From", "compta@dupont.example"},
	               {"Subject", "RE: votre courrier"},
	               {"In-Reply-To", "<erp-42@example.com>"}},
	        SMFIR_CONTINUE)
	ok(mt.bodystring(conn, "Bien reçu, je transmets.\r\n"), "body")
	reply(conn, SMFIR_CONTINUE, "body")
	ok(mt.eom(conn), "EOM")
	reply(conn, SMFIR_ACCEPT, "EOM")
	changed(conn, MT_HDRADD, "X-Relance-Class", "reply")
	changed(conn, MT_HDRADD, "X-Relance-Invoice", "F2026-0101")

	-- The same in References, among others of the thread.
	envelope(conn, {"i", "I5"}, "<compta@dupont.example>",
	         {"<jean.clerk@example.com>"})
	headers(conn, {{"From", "compta@dupont.example"},
	               {"Subject", "RE: RE: votre courrier"},
	               {"References", "<a@dupont.example>\r\n\t"
	                              .. "<erp-42@example.com> <b@dupont.example>"}},
	        SMFIR_CONTINUE)
	ok(mt.bodystring(conn, "Merci.\r\n"), "body")
	reply(conn, SMFIR_CONTINUE, "body")
	ok(mt.eom(conn), "EOM")
	reply(conn, SMFIR_ACCEPT, "EOM")
	changed(conn, MT_HDRADD, "X-Relance-Class", "reply")

	-- A Message-ID that is not one of our reminders': the fast path.
	envelope(conn, {"i", "I6"}, "<compta@dupont.example>",
	         {"<jean.clerk@example.com>"})
	headers(conn, {{"From", "compta@dupont.example"},
	               {"Subject", "RE: commande"},
	               {"In-Reply-To", "<order-7@example.com>"}},
	        SMFIR_ACCEPT)
	mt.disconnect(conn)
end)
