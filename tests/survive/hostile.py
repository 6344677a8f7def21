#!/usr/bin/env python3
"""hostile.py -- the mail side of tests/survive/hostile.sh (issue 7).

  hostile.py gen DIR LONG
      write the pathological messages into DIR, one NAME.eml each
      (deterministic: the same bytes every time); LONG is 1 for the long
      form (50 MB body, 100,000 headers), 0 for the short one (5 MB,
      10,000). Each has "Message-ID: <hostile-NAME-@ROUND@@test.example>":
      `send` puts its round in place of @ROUND@.
  hostile.py send PORT ROUND RCPT FILE...
      send each FILE by SMTP to 127.0.0.1:PORT from 127.0.0.2 (a stranger
      on the Internet), envelope sender stranger@attacker.example; a line
      "NAME sent" or "NAME refused CODE TEXT" each. Exits 1 only when the
      server cannot be reached.
  hostile.py guess N SEED OUT
      an mbox of N replies to the dunning mailbox, each naming one random
      well-formed tracking ID (a matching check symbol, see src/track.h)
      in its plus-address, subject tag and References.
"""
import os
import random
import smtplib
import sys

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TEXT = ("Bonjour,\r\n\r\nLe virement a été effectué ce jour, "
        "nous contestons toutefois les pénalités.\r\n\r\nCordialement,\r\n")


def head(name, subject=b"Re: Relance facture F2026-0001", extra=b"",
         ctype=b"text/plain; charset=UTF-8"):
    return (b"From: Inconnu <stranger@attacker.example>\r\n"
            b"To: factures@example.com\r\n"
            b"Subject: " + subject + b"\r\n"
            b"Date: Mon, 23 Nov 2026 10:30:00 +0100\r\n"
            b"Message-ID: <hostile-" + name.encode() +
            b"-@ROUND@@test.example>\r\n" + extra +
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: " + ctype + b"\r\n")


def big_body(n):
    line = b"x" * 76 + b"\r\n"
    return (head("big-body") + b"Content-Transfer-Encoding: 8bit\r\n\r\n" +
            TEXT.encode() + line * (n // len(line)))


def many_headers(n):
    extra = b"".join(b"X-Filler-%d: value %d\r\n" % (i, i) for i in range(n))
    return head("many-headers", extra=extra) + b"\r\n" + TEXT.encode()


def deep_mime(depth):
    out = [head("deep-mime", ctype=b'multipart/mixed; boundary="b0"'),
           b"\r\n"]
    for i in range(depth):
        out.append(b"--b%d\r\nContent-Type: multipart/mixed; "
                   b"boundary=\"b%d\"\r\n\r\n" % (i, i + 1))
    out.append(b"--b%d\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
               % depth + TEXT.encode())
    for i in range(depth, -1, -1):
        out.append(b"--b%d--\r\n" % i)
    return b"".join(out)


def nul_bytes():
    body = TEXT.encode().replace(b"virement", b"vire\0ment")
    return (head("nul-bytes", subject=b"Re: facture\0 F2026-0001 pay\0e") +
            b"Content-Transfer-Encoding: 8bit\r\n\r\n" +
            (b"\0" * 1000 + b"\r\n") + body + b"\0\0\0\r\n")


def bad_utf8():
    bad = b"\xff\xfe \xc0\xaf \xed\xa0\x80 \xf8\x88\x80\x80\x80 \xc3"
    return (head("bad-utf8", subject=b"Re: facture " + bad +
                 b" =?utf-8?B?" + b"//79" + b"?=") +
            b"Content-Transfer-Encoding: 8bit\r\n\r\n" +
            bad + b"\r\n" + TEXT.encode() + bad * 1000 + b"\r\n")


def unknown_charsets():
    long_cs = b"x-" + b"k" * 300
    parts = []
    for cs in (b"x-klingon-42", long_cs, b"utf-7", b"../../etc/passwd",
               b"", b"\"\"", b"iso-2022-jp-3-bogus", b"ucs-4", b"utf-32"):
        parts.append(b"--u\r\nContent-Type: text/plain; charset=" + cs +
                     b"\r\nContent-Transfer-Encoding: quoted-printable\r\n"
                     b"\r\nLe virement a =E9t=E9 effectu=E9.=00=FF\r\n")
    subject = (b"=?x-klingon?B?SGVsbG8=?= =?" + long_cs + b"?Q?a?= "
               b"=?utf-7?B?K0FPa0Et?= =?utf-8*fr?Q?r=E9gl=E9?=")
    return (head("unknown-charsets", subject=subject,
                 ctype=b'multipart/alternative; boundary="u"') +
            b"\r\n" + b"".join(parts) + b"--u--\r\n")


def endless_base64(n):
    rnd = random.Random(64)
    import base64
    raw = bytes(rnd.getrandbits(8) for _ in range(3 * (n // 4)))
    return (head("endless-base64",
                 ctype=b'multipart/mixed; boundary="e"') + b"\r\n"
            b"--e\r\nContent-Type: text/plain; charset=UTF-8\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" +
            base64.b64encode(TEXT.encode() * 1000) + b"\r\n"
            b"--e\r\nContent-Type: application/pdf; name=\"f.pdf\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" +
            base64.b64encode(raw) + b"\r\n--e--\r\n")


def broken_boundaries():
    body = (b"preamble\r\n"
            b"--a\r\nContent-Type: multipart/mixed; boundary=\"a\"\r\n\r\n"
            b"--a\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n"
            b"--\r\n--a-\r\n--a--x\r\n"
            b"--a\r\nContent-Type: multipart/mixed; boundary=\"" +
            b"z" * 5000 + b"\"\r\n\r\n--" + b"z" * 5000 + b"\r\n" +
            b"Content-Type: text/plain\r\n\r\n" + TEXT.encode() +
            b"--a\r\nContent-Type: message/rfc822\r\n\r\n"
            b"Content-Type: multipart/mixed; boundary=\"q\r\n\r\n--q\r\n" +
            b"--a\r\nContent-Type: multipart/digest; boundary=\"d\"\r\n\r\n"
            b"--d\r\n--d\r\n--d\r\n" + TEXT.encode())  # never closed
    return head("broken-boundaries",
                ctype=b'multipart/mixed; boundary="a"') + b"\r\n" + body


def encoded_words(n):
    rnd = random.Random(2047)
    words = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            words.append(b"=?utf-8?B?w6nDqcOp?=")
        elif kind == 1:
            words.append(b"=?iso-8859-1?Q?r=E9gl=E9?=")
        elif kind == 2:
            words.append(b"=?utf-8?Q?=%02X=%02X?=" % (rnd.getrandbits(8),
                                                      rnd.getrandbits(8)))
        else:
            words.append(b"=?windows-1252?B?gICA?=")
    subject = b"\r\n ".join(b" ".join(words[i:i + 3])
                           for i in range(0, n, 3))
    return (head("encoded-words", subject=subject) +
            b"Content-Transfer-Encoding: 8bit\r\n\r\n" + TEXT.encode())


def huge_references(n):
    refs = b"\r\n ".join(b"<ref%d.R-%08d@x.example>" % (i, i)
                         for i in range(n))
    extra = (b"In-Reply-To: " + refs[:200000] + b"\r\n" +
             b"References: " + refs + b"\r\n")
    return (head("huge-references", extra=extra) +
            b"Content-Transfer-Encoding: 8bit\r\n\r\n" + TEXT.encode())


def gen(out, long):
    body = 50 << 20 if long else 5 << 20
    msgs = {
        "big-body": big_body(body),
        "many-headers": many_headers(100000 if long else 10000),
        "deep-mime": deep_mime(10000),
        "nul-bytes": nul_bytes(),
        "bad-utf8": bad_utf8(),
        "unknown-charsets": unknown_charsets(),
        "endless-base64": endless_base64(body // 2),
        "broken-boundaries": broken_boundaries(),
        "encoded-words": encoded_words(10000),
        "huge-references": huge_references(50000 if long else 5000),
    }
    os.makedirs(out, exist_ok=True)
    for name, data in msgs.items():
        with open(os.path.join(out, name + ".eml"), "wb") as f:
            f.write(data)


def send(port, rnd, rcpt, files):
    for path in files:
        name = os.path.basename(path)[:-len(".eml")]
        with open(path, "rb") as f:
            data = f.read().replace(b"@ROUND@", rnd.encode(), 1)
        try:
            s = smtplib.SMTP("127.0.0.1", port, timeout=300,
                             source_address=("127.0.0.2", 0))
        except OSError as e:
            print("%s unreachable %s" % (name, e))
            return 1
        try:
            s.ehlo("client.example")
            s.sendmail("stranger@attacker.example", [rcpt], data)
            print("%s sent" % name)
        except smtplib.SMTPResponseException as e:
            print("%s refused %d %s" % (name, e.smtp_code,
                                         e.smtp_error.decode(errors="replace")))
        except smtplib.SMTPRecipientsRefused as e:
            code, text = list(e.recipients.values())[0]
            print("%s refused %d %s" % (name, code,
                                         text.decode(errors="replace")))
        except (smtplib.SMTPException, OSError) as e:
            print("%s refused 0 %s" % (name, e))
        finally:
            try:
                s.quit()
            except (smtplib.SMTPException, OSError):
                pass
    return 0


def track_id(rnd):
    vals = [rnd.randrange(32) for _ in range(8)]
    check = sum(v * (2 * i + 1) for i, v in enumerate(vals)) % 32
    return "R-" + "".join(CROCKFORD[v] for v in vals + [check])


def guess(n, seed, out):
    rnd = random.Random(seed)
    with open(out, "w") as f:
        for i in range(n):
            tid = track_id(rnd)
            f.write("From stranger@attacker.example Mon Nov 23 10:30:00 2026\n"
                    "From: Inconnu <stranger@attacker.example>\n"
                    "To: factures+%s@example.com\n"
                    "Subject: Re: Relance facture [Ref. %s]\n"
                    "Date: Mon, 23 Nov 2026 10:30:00 +0100\n"
                    "Message-ID: <guess-%d@attacker.example>\n"
                    "References: <%s.20261116T093000Z.%08x@example.com>\n"
                    "\n"
                    "Le virement a ete effectue ce jour.\n\n"
                    % (tid.lower(), tid, i, tid, rnd.getrandbits(32)))


def main(argv):
    if len(argv) == 4 and argv[1] == "gen":
        gen(argv[2], argv[3] == "1")
        return 0
    if len(argv) >= 5 and argv[1] == "send":
        return send(int(argv[2]), argv[3], argv[4], argv[5:])
    if len(argv) == 5 and argv[1] == "guess":
        guess(int(argv[2]), int(argv[3]), argv[4])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
