-- lib.lua -- helpers shared by the miltertest scripts of relance-milter.
--
-- The scripts get, with miltertest -D: socket (where relance-milter
-- listens), work (the test's directory, where they save what the shell
-- checks afterwards) and srcdir (the source tree).

-- check: fail the script with WHAT unless COND holds.
function check(cond, what)
	if not cond then
		error(what, 2)
	end
end

-- ok: a miltertest step returns nil on success, a message otherwise.
function ok(result, what)
	if result ~= nil then
		error(what .. ": " .. tostring(result), 2)
	end
end

local names = {}
for _, n in ipairs({"SMFIR_CONTINUE", "SMFIR_ACCEPT", "SMFIR_REJECT",
                    "SMFIR_TEMPFAIL", "SMFIR_DISCARD", "SMFIR_REPLYCODE",
                    "SMFIR_SKIP"}) do
	names[_G[n]] = n
end

-- reply: the last reply on CONN must be WANT.
function reply(conn, want, what)
	local got = mt.getreply(conn)
	if got ~= want then
		error(string.format("%s: reply %s, expected %s", what,
		      names[got] or tostring(got), names[want]), 2)
	end
end

-- open: a connection from a client at IP ("unspec" for an unknown one).
function open(ip)
	local conn = mt.connect(socket, 50, 0.1)
	check(conn ~= nil, "cannot connect to " .. socket)
	ok(mt.conninfo(conn, "client.example", ip), "conninfo")
	reply(conn, SMFIR_CONTINUE, "connect")
	return conn
end

-- envelope: MAIL FROM with the MAIL macros M (a list of name, value
-- pairs), then each recipient.
function envelope(conn, m, from, rcpts)
	if #m > 0 then
		mt.macro(conn, SMFIC_MAIL, table.unpack(m))
	end
	ok(mt.mailfrom(conn, from), "MAIL FROM")
	reply(conn, SMFIR_CONTINUE, "MAIL FROM")
	for _, r in ipairs(rcpts) do
		ok(mt.rcptto(conn, r), "RCPT TO " .. r)
		reply(conn, SMFIR_CONTINUE, "RCPT TO " .. r)
	end
end

-- headers: send each {name, value} of H, then the end of headers, whose
-- reply must be WANT.
function headers(conn, h, want)
	check(mt.test_option(conn, SMFIP_NR_HDR), "no-reply to headers "
	      .. "not negotiated")
	for _, f in ipairs(h) do
		ok(mt.header(conn, f[1], f[2]), "header " .. f[1])
	end
	ok(mt.eoh(conn), "EOH")
	reply(conn, want, "EOH")
end

-- body_and_eom: one body chunk (answered SKIP: the milter wants no more
-- of it; BODY_WANT instead when given: SMFIR_CONTINUE for a reminder,
-- whose body the milter keeps for the archive), then the end of the
-- message, whose reply must be WANT.
function body_and_eom(conn, want, body_want)
	ok(mt.bodystring(conn, "Bonjour,\r\n\r\nVeuillez trouver ...\r\n"),
	   "body")
	reply(conn, body_want or SMFIR_SKIP, "body")
	ok(mt.eom(conn), "EOM")
	reply(conn, want, "EOM")
end

-- changed: the EOM check OP (MT_HDRADD ...) must hold with ARGS.
function changed(conn, op, ...)
	local args = {...}
	check(mt.eom_check(conn, op, ...),
	      "missing change: " .. table.concat(args, ": "))
end

-- unchanged: no header was added, changed or deleted.
function unchanged(conn)
	check(not mt.eom_check(conn, MT_HDRADD), "a header was added")
	check(not mt.eom_check(conn, MT_HDRINSERT), "a header was inserted")
	check(not mt.eom_check(conn, MT_HDRCHANGE), "a header was changed")
	check(not mt.eom_check(conn, MT_HDRDELETE), "a header was deleted")
end

-- save: write VALUE to the file NAME of the work directory, for run.sh.
function save(name, value)
	local f = assert(io.open(work .. "/" .. name, "w"))
	f:write(value, "\n")
	f:close()
end

-- load: what save wrote.
function load(name)
	local f = assert(io.open(work .. "/" .. name, "r"))
	local v = f:read("l")
	f:close()
	return v
end

-- The default subject tag for ID, as written in a header: "[Réf." is
-- encoded, the ID stays readable.
function tag(id)
	return "=?UTF-8?Q?=5BR=C3=A9f=2E?= " .. id .. "]"
end

-- is_id: a tracking ID, "R-" and nine Crockford symbols.
function is_id(s)
	return s ~= nil and s:match("^R%-[0-9A-HJKMNP-TV-Z]+$") ~= nil
	       and #s == 11
end

-- run: call the test F; on failure print where and why on stderr and exit
-- 1 (miltertest itself does not print a script's error).
function run(f)
	local good, err = xpcall(f, function(e)
		return debug.traceback(tostring(e), 2)
	end)
	if not good then
		io.stderr:write("FAIL: ", err, "\n")
		os.exit(1)
	end
end
