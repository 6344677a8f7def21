-- failopen.lua -- while the state file is locked by someone else, a
-- reminder (queue ID qid) goes out unchanged with On-InternalError accept
-- (and its event waits in the spool), or is deferred with
-- On-InternalError tempfail (-D tempfail=1).
dofile(srcdir .. "/tests/milter/lib.lua")

run(function()
	local conn = open("127.0.0.1")

	envelope(conn, {"i", qid}, "<factures@example.com>",
	         {"<compta@dupont.example>"})
	headers(conn, {{"From", "factures@example.com"},
	               {"Subject", "Relance facture F2026-0101"},
	               {"Message-ID", "<erp-99@example.com>"},
	               {"X-Relance-Invoice", "F2026-0101"},
	               {"X-Relance-Step", "reminder-3"}}, SMFIR_CONTINUE)
	body_and_eom(conn, tempfail and SMFIR_TEMPFAIL or SMFIR_ACCEPT)
	unchanged(conn)
	mt.disconnect(conn)
end)
