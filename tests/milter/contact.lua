-- contact.lua -- staff mail to a customer's contact is recorded as a
-- manual contact on its unpaid invoices, and goes out unchanged.
dofile(srcdir .. "/tests/milter/lib.lua")

run(function()
	local conn = open("10.1.2.3")

	envelope(conn, {"i", "C1", "{auth_authen}", "alice"},
	         "<alice@example.com>",
	         {"<Jean.Martin@martin.example>", "<boss@example.com>"})
	headers(conn, {{"From", "Alice <alice@example.com>"},
	               {"Subject", "=?UTF-8?Q?Votre_appel_d'hier?="},
	               {"Message-ID", "<alice-1@example.com>"}},
	        SMFIR_CONTINUE)
	body_and_eom(conn, SMFIR_ACCEPT)
	unchanged(conn)
	mt.disconnect(conn)
end)
