-- forged.lua -- X-Relance-* headers from outside go, however many other
-- header fields come before them: past the limit on the fields the milter
-- keeps (1000), a reply cannot be read (the milter fails open), but the
-- fields that claim to be ours are still removed, also when one name
-- comes twice.
dofile(srcdir .. "/tests/milter/lib.lua")

-- pad: N filler fields, then the fields of TAIL.
local function pad(n, tail)
	local h = {{"From", "news@attacker.example"}, {"Subject", "Offres"}}
	for i = 1, n do
		h[#h + 1] = {"X-Pad-" .. i, tostring(i)}
	end
	for _, f in ipairs(tail) do
		h[#h + 1] = f
	end
	return h
end

run(function()
	local conn = open("198.51.100.7")

	-- Not to a dunning mailbox: accepted at the end of the message.
	envelope(conn, {"i", "F1"}, "<news@attacker.example>",
	         {"<sales@example.com>"})
	headers(conn, pad(1200, {{"X-Relance-Class", "remittance"},
	                         {"X-Relance-State", "paid"},
	                         {"X-Relance-State", "paid"}}),
	        SMFIR_CONTINUE)
	body_and_eom(conn, SMFIR_ACCEPT)
	changed(conn, MT_HDRDELETE, "X-Relance-Class")
	changed(conn, MT_HDRDELETE, "X-Relance-State")
	check(not mt.eom_check(conn, MT_HDRADD), "nothing added")

	-- To the dunning mailbox: not read, the forged fields removed.
	envelope(conn, {"i", "F2"}, "<news@attacker.example>",
	         {"<factures@example.com>"})
	headers(conn, pad(1200, {{"X-Relance-Invoice", "F2026-0101"}}),
	        SMFIR_CONTINUE)
	ok(mt.bodystring(conn, "Le virement a été effectué.\r\n"), "body")
	reply(conn, SMFIR_CONTINUE, "body")
	ok(mt.eom(conn), "EOM")
	reply(conn, SMFIR_ACCEPT, "EOM")
	changed(conn, MT_HDRDELETE, "X-Relance-Invoice")
	check(not mt.eom_check(conn, MT_HDRADD), "nothing added")
	mt.disconnect(conn)
end)
