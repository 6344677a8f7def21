-- privileges.lua -- one reminder from an authenticated clerk, for
-- tests/survive/privileges.sh: the milter records it in the state file
-- (or, when that is locked, in the spool) and archives it. Takes qid.
dofile(srcdir .. "/tests/milter/lib.lua")

run(function()
	local conn = open("192.0.2.20")

	envelope(conn, {"i", qid, "{auth_authen}", "clerk"},
	         "<factures@example.com>", {"<compta@dupont.example>"})
	headers(conn, {{"From", "Exemple SARL <factures@example.com>"},
	               {"To", "compta@dupont.example"},
	               {"Subject", "Relance facture F2026-0101"},
	               {"X-Relance-Invoice", "F2026-0101"},
	               {"X-Relance-Step", "reminder-1"}}, SMFIR_CONTINUE)
	body_and_eom(conn, SMFIR_ACCEPT, SMFIR_CONTINUE)
	-- with the state file locked, the reminder passes untagged (fail
	-- open) and its event waits in the spool
	if locked ~= "1" then
		check(is_id(mt.getheader(conn, "X-Relance-ID", 0)), "tagged")
	end
	mt.disconnect(conn)
end)
