-- reminder.lua -- reminders from an authenticated clerk, several messages
-- on one connection: tagged, tagged again with the same ID, then ordinary
-- mail taking the fast path.
dofile(srcdir .. "/tests/milter/lib.lua")

run(function()
local conn = open("192.0.2.20")
local auth = {"i", "R1", "{auth_authen}", "clerk"}

-- 1. The first reminder of F2026-0101: every header change.
envelope(conn, auth, "<factures@example.com>", {"<compta@dupont.example>"})
headers(conn, {{"From", "Exemple SARL <factures@example.com>"},
               {"To", "compta@dupont.example"},
               {"Subject", "Relance facture F2026-0101"},
               {"X-Relance-Invoice", "F2026-0101"},
               {"X-Relance-Step", "reminder-1"}}, SMFIR_CONTINUE)
body_and_eom(conn, SMFIR_ACCEPT, SMFIR_CONTINUE)
local id = mt.getheader(conn, "X-Relance-ID", 0)
check(is_id(id), "X-Relance-ID added: " .. tostring(id))
local mid = mt.getheader(conn, "Message-ID", 0)
check(mid ~= nil and mid:match("^<" .. id:gsub("%-", "%%-") ..
                                "%.20261123T093000Z%.%x+@example%.com>$")
      and #mid == 51, "Message-ID added: " .. tostring(mid))
changed(conn, MT_HDRDELETE, "X-Relance-Invoice")
changed(conn, MT_HDRDELETE, "X-Relance-Step")
changed(conn, MT_HDRCHANGE, "Subject",
        "Relance facture F2026-0101 " .. tag(id))
changed(conn, MT_HDRADD, "Reply-To",
        "factures+" .. id:lower() .. "@example.com")
check(not mt.eom_check(conn, MT_HDRADD, "X-Relance-Warning"),
      "no warning")
save("reminder.id", id)
save("reminder.mid", mid)

-- 2. The next step on the same connection: the same ID; a Subject that
-- holds it already and a Message-ID are left alone; the mailbox in
-- Reply-To becomes its plus-address.
envelope(conn, {"i", "R2", "{auth_authen}", "clerk"},
         "<factures@example.com>", {"<compta@dupont.example>"})
headers(conn, {{"From", "Exemple SARL <factures@example.com>"},
               {"Subject", "Relance facture F2026-0101 " .. tag(id)},
               {"Message-ID", "<erp-42@example.com>"},
               {"Reply-To", "Service comptable <factures@example.com>"},
               {"X-Relance-Invoice", "F2026-0101"},
               {"X-Relance-Step", "reminder-2"}}, SMFIR_CONTINUE)
body_and_eom(conn, SMFIR_ACCEPT, SMFIR_CONTINUE)
changed(conn, MT_HDRADD, "X-Relance-ID", id)
changed(conn, MT_HDRCHANGE, "Reply-To", "Service comptable <factures+" ..
        id:lower() .. "@example.com>")
changed(conn, MT_HDRDELETE, "X-Relance-Step")
check(not mt.eom_check(conn, MT_HDRCHANGE, "Subject"), "Subject kept")
check(not mt.eom_check(conn, MT_HDRADD, "Message-ID"), "Message-ID kept")

-- 3. Ordinary outgoing mail to someone who is no customer: accepted at
-- the end of the headers, body never asked for.
envelope(conn, {"i", "R3", "{auth_authen}", "clerk"},
         "<alice@example.com>", {"<friend@elsewhere.example>"})
headers(conn, {{"From", "alice@example.com"}, {"Subject", "Lunch?"}},
        SMFIR_ACCEPT)

-- 4. Ordinary outgoing mail with a stray internal header: removed.
envelope(conn, {"i", "R4", "{auth_authen}", "clerk"},
         "<alice@example.com>", {"<friend@elsewhere.example>"})
headers(conn, {{"From", "alice@example.com"}, {"Subject", "Fwd: notes"},
               {"X-Relance-Step", "reminder-1"}}, SMFIR_CONTINUE)
body_and_eom(conn, SMFIR_ACCEPT)
changed(conn, MT_HDRDELETE, "X-Relance-Step")
check(not mt.eom_check(conn, MT_HDRADD), "nothing added")

mt.disconnect(conn)
end)
