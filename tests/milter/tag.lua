-- tag.lua -- the subject tag follows the policy in force: a reminder for
-- F2026-0102 (queue ID qid) must get the tag "want" (with {id}).
dofile(srcdir .. "/tests/milter/lib.lua")

run(function()
	local conn = open("127.0.0.1")

	envelope(conn, {"i", qid}, "<factures@example.com>",
	         {"<factures@martin.example>"})
	headers(conn, {{"Subject", "Relance"},
	               {"X-Relance-Invoice", "F2026-0102"},
	               {"Message-ID", "<" .. qid .. "@example.com>"}},
	        SMFIR_CONTINUE)
	body_and_eom(conn, SMFIR_ACCEPT, SMFIR_CONTINUE)
	local id = load("rule.id")
	changed(conn, MT_HDRCHANGE, "Subject",
	        "Relance " .. want:gsub("{id}", id))
	mt.disconnect(conn)
end)
