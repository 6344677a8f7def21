-- macros.lua -- missing macros: no queue ID, no {auth_authen}, a client
-- of unknown address; the milter decides from what it has.
dofile(srcdir .. "/tests/milter/lib.lua")

run(function()
	-- nothing at all: not outgoing, no mailbox: accepted
	local conn = open("unspec")
	envelope(conn, {}, "<someone@elsewhere.example>",
	         {"<sales@example.com>"})
	headers(conn, {{"Subject", "Hi"}}, SMFIR_ACCEPT)

	-- only {daemon_name}: outgoing, ordinary: accepted
	envelope(conn, {"{daemon_name}", "ORIGINATING"},
	         "<alice@example.com>", {"<friend@elsewhere.example>"})
	headers(conn, {{"Subject", "Hi"}}, SMFIR_ACCEPT)

	-- a reminder without a queue ID is still tagged
	envelope(conn, {"{daemon_name}", "ORIGINATING"},
	         "<factures@example.com>", {"<factures@martin.example>"})
	headers(conn, {{"Subject", "Relance"},
	               {"X-Relance-Invoice", "F2026-0102"},
	               {"X-Relance-Step", "reminder-2"},
	               {"Message-ID", "<m3@example.com>"}}, SMFIR_CONTINUE)
	body_and_eom(conn, SMFIR_ACCEPT, SMFIR_CONTINUE)
	check(mt.getheader(conn, "X-Relance-ID", 0) == load("rule.id"),
	      "the invoice's ID is reused")
	mt.disconnect(conn)
end)
