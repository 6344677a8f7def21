-- guard.lua -- Guard reject: a reminder for a paid or disputed invoice is
-- refused with a 5.7.1 that tells the internal sender why; one for an
-- unknown invoice goes out untracked, without its internal headers; the
-- thanks for a paid invoice goes out.
dofile(srcdir .. "/tests/milter/lib.lua")

-- A reminder for INVOICE to RCPT (queue ID QID) up to the end of the
-- message, whose reply must be WANT.
local function reminder(conn, qid, invoice, rcpt, want, step)
	envelope(conn, {"i", qid}, "<factures@example.com>", {rcpt})
	headers(conn, {{"From", "factures@example.com"},
	               {"Subject", "Relance facture " .. invoice},
	               {"X-Relance-Invoice", invoice},
	               {"X-Relance-Step", step or "reminder-2"}}, SMFIR_CONTINUE)
	body_and_eom(conn, want, SMFIR_CONTINUE)
end

run(function()
	-- from localhost: mail injected with sendmail(1) is outgoing
	local conn = open("127.0.0.1")

	reminder(conn, "G1", "F2026-0104", "<compta@dupont.example>",
	         SMFIR_REPLYCODE)
	changed(conn, MT_SMTPREPLY, "550", "5.7.1",
	        "invoice F2026-0104 was marked paid on 2026-11-23: payment " ..
	        "of 450.00 EUR received on 2026-11-23; fully paid")
	unchanged(conn)

	reminder(conn, "G2", "F2026-0103", "<ap@acme.example>",
	         SMFIR_REPLYCODE)
	changed(conn, MT_SMTPREPLY, "550", "5.7.1",
	        "invoice F2026-0103 was marked disputed on 2026-11-23: " ..
	        "disputed: Marchandise non livree, 100 %% contestee")
	unchanged(conn)

	-- the thanks for a paid invoice is the one mail that goes through
	reminder(conn, "G4", "F2026-0104", "<compta@dupont.example>",
	         SMFIR_ACCEPT, "thanks")
	local id = mt.getheader(conn, "X-Relance-ID", 0)
	check(is_id(id), "thanks tagged")
	save("thanks.id", id)
	save("thanks.mid", mt.getheader(conn, "Message-ID", 0))
	changed(conn, MT_HDRDELETE, "X-Relance-Step")

	reminder(conn, "G3", "F2026-9999", "<ap@acme.example>",
	         SMFIR_ACCEPT)
	changed(conn, MT_HDRDELETE, "X-Relance-Invoice")
	changed(conn, MT_HDRDELETE, "X-Relance-Step")
	check(not mt.eom_check(conn, MT_HDRADD), "nothing added")
	check(not mt.eom_check(conn, MT_HDRCHANGE, "Subject"), "no tag")

	mt.disconnect(conn)
end)
