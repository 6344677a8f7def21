#!/usr/bin/env python3
# crash.py -- the mail side of tests/survive/crash.sh: send a mix of mail
# through the lab's Postfix, and count what arrived and what the state
# recorded.
#
#   crash.py send CONF OUT       send the messages CONF (JSON) asks for,
#                                a line per message in OUT (TSV:
#                                seq kind invoice message-id result)
#   crash.py mail SENT SINK MAILDIR STATE SPOOL
#                                compare what was sent (SENT, from send)
#                                with the copies at smtp-sink (SINK), in
#                                the Maildir, and the events in STATE
#                                (one `relance show --json` a line) and
#                                SPOOL (the milter's SpoolDir); prints
#                                "figure: NAME VALUE" lines and
#                                "ok"/"FAIL" lines
#   crash.py events STATE        "INVOICE KIND COUNT" per invoice and
#                                event kind, then "INVOICE amount_due X"
#
# send's CONF: {"mx": PORT, "sub": PORT, "count": N (or 0), "seconds": S
# (or 0), "threads": T, "reminders": [INVOICE...], "replies": {INVOICE:
# [CONTACT, TRACKING-ID]}, "prefix": "crash", "only": "reminder" or ""}. Message k (from 0) is a
# reminder when k % 4 == 0 (submission port, from 127.0.0.3, with
# X-Relance-Invoice), a customer reply when k % 4 == 1 or 2 (MX port,
# from 127.0.0.2, from the invoice's contact to the dunning mailbox's
# plus-address), ordinary mail when k % 4 == 3 (alternately a newsletter
# to factures@example.com on the MX port and a clerk's mail to a partner
# on the submission port). Every message has a unique Message-ID
# <PREFIX-K.KIND@test.example>. A temporary failure is retried (3 times,
# 1 s apart), as a client MTA would. With "only": "reminder", every
# message is a reminder, one per invoice in turn.
import email
import email.policy
import json
import os
import re
import smtplib
import sys
import threading
import time

DATE = "Mon, 23 Nov 2026 10:30:00 +0100"


def message(k, conf):
    """(kind, invoice, port, ip, envfrom, rcpt, mid, bytes) of message k."""
    prefix = conf.get("prefix", "crash")
    rem = conf["reminders"]
    rep = sorted(conf["replies"])
    only = conf.get("only") == "reminder"
    sel = 0 if only else k % 4
    if sel == 0:
        inv = rem[(k if only else k // 4) % len(rem)]
        mid = "<%s-%d.reminder@test.example>" % (prefix, k)
        rcpt = "compta@%s.example" % inv.lower()
        text = ("From: Exemple SARL <factures@example.com>\r\n"
                "To: %s\r\nSubject: Relance facture %s\r\nDate: %s\r\n"
                "Message-ID: %s\r\nX-Relance-Invoice: %s\r\n"
                "X-Relance-Step: reminder-1\r\nMIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=UTF-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n"
                "Bonjour,\r\n\r\nSauf erreur de notre part, la facture %s "
                "reste impayée.\r\n\r\nExemple SARL\r\n"
                % (rcpt, inv, DATE, mid, inv, inv))
        return ("reminder", inv, conf["sub"], "127.0.0.3",
                "factures@example.com", rcpt, mid, text)
    if sel in (1, 2):
        inv = rep[(k // 2) % len(rep)]
        contact, tid = conf["replies"][inv]
        mid = "<%s-%d.reply@test.example>" % (prefix, k)
        rcpt = "factures+%s@example.com" % tid.lower()
        text = ("From: %s\r\nTo: %s\r\nSubject: Re: Relance facture %s "
                "[Ref. %s]\r\nDate: %s\r\nMessage-ID: %s\r\n"
                "MIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=UTF-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n"
                "Bonjour,\r\n\r\nPouvez-vous me renvoyer la facture ?\r\n\r\n"
                "Cordialement,\r\n\r\n"
                "Le 23/11/2026 à 10:30, Exemple SARL a écrit :\r\n"
                "> Sauf erreur de notre part, la facture reste impayée.\r\n"
                % (contact, rcpt, inv, tid, DATE, mid))
        return ("reply", inv, conf["mx"], "127.0.0.2", contact, rcpt, mid,
                text)
    mid = "<%s-%d.ordinary@test.example>" % (prefix, k)
    if (k // 4) % 2 == 0:
        text = ("From: Offres <news@newsletter.example>\r\n"
                "To: factures@example.com\r\nSubject: Nos offres %d\r\n"
                "Date: %s\r\nMessage-ID: %s\r\n\r\nOffres de la semaine.\r\n"
                % (k, DATE, mid))
        return ("ordinary", "-", conf["mx"], "127.0.0.2",
                "news@newsletter.example", "factures@example.com", mid, text)
    text = ("From: clerk@example.com\r\nTo: partner@elsewhere.example\r\n"
            "Subject: Rendez-vous %d\r\nDate: %s\r\nMessage-ID: %s\r\n\r\n"
            "A demain.\r\n" % (k, DATE, mid))
    return ("ordinary", "-", conf["sub"], "127.0.0.3", "clerk@example.com",
            "partner@elsewhere.example", mid, text)


def send_one(m):
    kind, inv, port, ip, envfrom, rcpt, mid, text = m
    last = "?"
    for attempt in range(4):
        try:
            with smtplib.SMTP("127.0.0.1", port, source_address=(ip, 0),
                              timeout=60) as s:
                s.ehlo("client.example")
                s.sendmail(envfrom, [rcpt], text.encode("utf-8"))
                return "ok"
        except smtplib.SMTPResponseException as e:
            last = "%d" % e.smtp_code
            if e.smtp_code < 400 or e.smtp_code >= 500:
                return last
        except smtplib.SMTPRecipientsRefused as e:
            codes = [c for c, _ in e.recipients.values()]
            last = "%d" % codes[0]
            if codes[0] >= 500:
                return last
        except (OSError, smtplib.SMTPException) as e:
            last = type(e).__name__
        time.sleep(1)
    return last


def cmd_send(conf_path, out_path):
    with open(conf_path) as f:
        conf = json.load(f)
    count, seconds = conf.get("count", 0), conf.get("seconds", 0)
    deadline = time.time() + seconds if seconds else None
    lock = threading.Lock()
    state = {"next": 0}
    out = open(out_path, "w")

    def worker():
        while True:
            with lock:
                k = state["next"]
                if (count and k >= count) or \
                        (deadline and time.time() >= deadline):
                    return
                state["next"] = k + 1
            m = message(k, conf)
            r = send_one(m)
            with lock:
                out.write("%d\t%s\t%s\t%s\t%s\n" % (k, m[0], m[1], m[6], r))
                out.flush()

    threads = [threading.Thread(target=worker)
               for _ in range(conf.get("threads", 4))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.close()


def read_msg(path):
    with open(path, "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.compat32)


def copies(paths):
    """Message-ID -> list of (path, message)."""
    got = {}
    for p in paths:
        try:
            m = read_msg(p)
        except OSError:
            continue
        mid = (m.get("Message-ID") or "").strip()
        got.setdefault(mid, []).append(m)
    return got


def files(d):
    try:
        return [os.path.join(d, n) for n in sorted(os.listdir(d))
                if os.path.isfile(os.path.join(d, n))]
    except FileNotFoundError:
        return []


def load_state(path):
    invs = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                inv = json.loads(line)
                invs[inv["invoice"]] = inv
    return invs


MID = re.compile(r"Message-ID (<[^>]+>)")


def state_events(invs):
    """(invoice, message-id) -> {kind: count} of the events naming it."""
    ev = {}
    for num, inv in invs.items():
        for e in inv["history"]:
            for mid in MID.findall(e["detail"]):
                d = ev.setdefault((num, mid), {})
                d[e["kind"]] = d.get(e["kind"], 0) + 1
    return ev


def spool_mids(spool):
    """The Message-IDs of the events and messages waiting in SPOOL."""
    mids = set()
    for p in files(spool):
        with open(p, "rb") as f:
            for line in f.read().decode("utf-8", "replace").splitlines():
                r = re.match(r"message-id[:= \t]+(<[^>]+>)", line, re.I)
                if r:
                    mids.add(r.group(1))
                mids.update(MID.findall(line))
    for p in files(os.path.join(spool, "incoming")):
        mid = (read_msg(p).get("Message-ID") or "").strip()
        if mid:
            mids.add(mid)
    return mids


def cmd_mail(sent_path, sink, maildir, state_path, spool):
    rows = []
    with open(sent_path) as f:
        for line in f:
            k, kind, inv, mid, r = line.rstrip("\n").split("\t")
            rows.append((int(k), kind, inv, mid, r))
    got = copies(files(sink) + files(os.path.join(maildir, "new")) +
                 files(os.path.join(maildir, "cur")))
    invs = load_state(state_path)
    ev = state_events(invs)
    spooled = spool_mids(spool)
    fails = []
    accepted = [r for r in rows if r[4] == "ok"]
    refused = [r for r in rows if r[4] != "ok"]
    lost = [r for r in accepted if r[3] not in got]
    dup = [r for r in accepted if len(got.get(r[3], [])) > 1]
    strays = [mid for mid in got if mid.startswith("<crash-")
              and mid not in {r[3] for r in accepted}]
    # the milter saw a message at its end (the changes it asks for at the
    # end of the message are applied only when it answered): a reminder
    # carries X-Relance-ID, a reply X-Relance-Class
    seen, unseen, recorded, in_spool, missing, doubled = 0, 0, 0, 0, [], []
    for k, kind, inv, mid, r in accepted:
        if kind not in ("reminder", "reply") or mid not in got:
            continue
        m = got[mid][0]
        mark = "X-Relance-ID" if kind == "reminder" else "X-Relance-Class"
        was_seen = m.get(mark) is not None
        seen += was_seen
        unseen += not was_seen
        kinds = ev.get((inv, mid), {})
        if kind == "reminder":
            kinds = {"reminder-sent": kinds.get("reminder-sent", 0)} \
                if kinds.get("reminder-sent") else {}
        else:
            kinds = {k2: n for k2, n in kinds.items() if k2 != "paused"}
        if kinds:
            recorded += 1
        elif mid in spooled:
            in_spool += 1
        elif was_seen:
            missing.append(mid)
        if any(n > 1 for n in kinds.values()):
            doubled.append(mid)
    print("figure: sent %d" % len(rows))
    print("figure: accepted %d" % len(accepted))
    print("figure: delivered %d" % (len(accepted) - len(lost)))
    print("figure: lost %d" % len(lost))
    print("figure: duplicated %d" % len(dup))
    print("figure: seen-by-milter %d" % seen)
    print("figure: unseen-by-milter %d" % unseen)
    print("figure: events-recorded %d" % recorded)
    print("figure: events-in-spool %d" % in_spool)
    print("figure: events-missing %d" % len(missing))
    print("figure: events-doubled %d" % len(doubled))
    # the unseen messages by kind, for the caller's "after replay" count
    print("figure: unrecorded-reminders %d" % sum(
        1 for k, kind, inv, mid, r in accepted
        if kind == "reminder" and
        not ev.get((inv, mid), {}).get("reminder-sent")
        and mid not in spooled))
    print("figure: unrecorded-replies %d" % sum(
        1 for k, kind, inv, mid, r in accepted
        if kind == "reply" and not {k2 for k2 in ev.get((inv, mid), {})
                                    if k2 != "paused"}
        and mid not in spooled))
    for what, bad in (("refused by Postfix", refused),
                      ("lost", lost), ("duplicated", dup),
                      ("seen by the milter, no event", missing),
                      ("recorded twice", doubled),
                      ("delivered but never accepted", strays)):
        if bad:
            fails.append(what)
            print("# %s: %s" % (what, " ".join(str(x if isinstance(x, str)
                                                    else x[3])
                                               for x in bad[:10])))
    return 1 if fails else 0


def cmd_events(state_path):
    invs = load_state(state_path)
    for num in sorted(invs):
        kinds = {}
        for e in invs[num]["history"]:
            kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
        for k in sorted(kinds):
            print("%s %s %d" % (num, k, kinds[k]))
        print("%s amount_due %s" % (num, invs[num]["amount_due"]))
        for e in invs[num]["history"]:
            for tok in re.findall(r"\bw[0-9]+-[0-9]+\b", e["detail"]):
                print("%s token %s %s" % (num, e["kind"], tok))


def main(argv):
    if len(argv) == 4 and argv[1] == "send":
        cmd_send(argv[2], argv[3])
        return 0
    if len(argv) == 7 and argv[1] == "mail":
        return cmd_mail(*argv[2:])
    if len(argv) == 3 and argv[1] == "events":
        cmd_events(argv[2])
        return 0
    print("usage: crash.py send CONF OUT | mail SENT SINK MAILDIR STATE "
          "SPOOL | events STATE", file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
