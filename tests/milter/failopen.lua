-- failopen.lua -- while the state file is locked by someone else, a
-- reminder (queue ID qid) goes out untagged with On-InternalError accept,
-- its internal headers still removed (and its event waits in the spool),
-- or is deferred with On-InternalError tempfail (-D tempfail=1).
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
	body_and_eom(conn, tempfail and SMFIR_TEMPFAIL or SMFIR_ACCEPT,
	             SMFIR_CONTINUE)
	if tempfail then
		unchanged(conn)
	else
		changed(conn, MT_HDRDELETE, "X-Relance-Invoice")
		changed(conn, MT_HDRDELETE, "X-Relance-Step")
		check(not mt.eom_check(conn, MT_HDRADD), "nothing added")
	end
	mt.disconnect(conn)
end)
