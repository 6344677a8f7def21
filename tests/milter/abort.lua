-- abort.lua -- protocol corners: a message aborted after its headers or
-- right after MAIL leaves nothing behind for the next one on the same
-- connection; a client that vanishes mid-message harms nobody.
dofile(srcdir .. "/tests/milter/lib.lua")

run(function()
	local conn = open("127.0.0.1")

	-- a reminder aborted before its end: no change, no record
	envelope(conn, {"i", "A1"}, "<factures@example.com>",
	         {"<compta@dupont.example>"})
	headers(conn, {{"Subject", "Relance facture F2026-0101"},
	               {"X-Relance-Invoice", "F2026-0101"},
	               {"X-Relance-Step", "reminder-9"}}, SMFIR_CONTINUE)
	ok(mt.abort(conn), "abort")

	-- the next message knows nothing of it
	envelope(conn, {"i", "A2"}, "<alice@example.com>",
	         {"<friend@elsewhere.example>"})
	headers(conn, {{"Subject", "Hello"}}, SMFIR_ACCEPT)

	-- aborted right after MAIL
	envelope(conn, {"i", "A3"}, "<alice@example.com>", {})
	ok(mt.abort(conn), "abort after MAIL")

	envelope(conn, {"i", "A4"}, "<alice@example.com>",
	         {"<friend@elsewhere.example>"})
	headers(conn, {{"Subject", "Hello again"},
	               {"X-Relance-Step", "x"}}, SMFIR_CONTINUE)
	body_and_eom(conn, SMFIR_ACCEPT)
	changed(conn, MT_HDRDELETE, "X-Relance-Step")
	mt.disconnect(conn)

	-- a client gone in the middle of a reminder
	conn = open("127.0.0.1")
	envelope(conn, {"i", "A5"}, "<factures@example.com>",
	         {"<compta@dupont.example>"})
	ok(mt.header(conn, "X-Relance-Invoice", "F2026-0101"), "header")
	mt.disconnect(conn, false)

	-- and the milter goes on
	conn = open("127.0.0.1")
	envelope(conn, {"i", "A6"}, "<alice@example.com>",
	         {"<friend@elsewhere.example>"})
	headers(conn, {{"Subject", "Still there?"}}, SMFIR_ACCEPT)
	mt.disconnect(conn)
end)
