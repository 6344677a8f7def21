#!/usr/bin/env python3
"""check.py -- run `relance classify` over the fixture corpus and score it.

Every tests/mail/NAME.eml has a NAME.expect ("key: value" lines, see
README.md). Prints a per-class precision/recall table and every mismatch,
and exits non-zero when:
  - a class's precision or recall is below 95 %,
  - any bounce or auto-reply is classified as remittance, dispute, promise
    or reply (that would stop dunning wrongly),
  - fewer than 95 % of the expected extractions (invoices, dates, amounts,
    bounce recipient) are found.

With --report, the table and mismatches are printed but only a dangerous
mistake fails (for a hold-out set that measures how the rules generalise).

Usage: check.py [--report] RELANCE_BINARY CONFIG [CORPUS_DIR]
"""
import json
import os
import subprocess
import sys

CLASSES = ["bounce", "auto-reply", "remittance", "dispute", "promise",
           "reply", "unrelated"]
STOPPING = {"remittance", "dispute", "promise", "reply"}
THRESHOLD = 0.95


def read_expect(path):
    want = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition(":")
            if not sep:
                sys.exit(f"{path}:{n}: expected 'key: value'")
            want[key.strip()] = value.strip()
    if want.get("class") not in CLASSES:
        sys.exit(f"{path}: no valid 'class:' line")
    return want


def extraction_checks(want, got):
    """Yield (what, ok, detail) for every extraction the .expect names."""
    if "invoices" in want:
        exp = set(want["invoices"].split())
        yield ("invoices", exp <= set(got["invoices"]),
               f"want {sorted(exp)} got {got['invoices']}")
    for key in ("promise_date", "return_date"):
        if key in want:
            yield (key, got[key] == want[key],
                   f"want {want[key]} got {got[key]}")
    if "amounts" in want:
        exp = set(want["amounts"].split())
        yield ("amounts", exp <= set(got["amounts"]),
               f"want {sorted(exp)} got {got['amounts']}")
    if "bounce_recipient" in want:
        yield ("bounce_recipient",
               (got["bounce_recipient"] or "").lower() ==
               want["bounce_recipient"].lower(),
               f"want {want['bounce_recipient']} got "
               f"{got['bounce_recipient']}")
    if "bounce_permanent" in want:
        exp = want["bounce_permanent"] == "yes"
        yield ("bounce_permanent", got["bounce_permanent"] is exp,
               f"want {exp} got {got['bounce_permanent']}")


def main():
    args = sys.argv[1:]
    report_only = bool(args) and args[0] == "--report"
    if report_only:
        args = args[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    relance, config = args[0], args[1]
    corpus = args[2] if len(args) > 2 else os.path.dirname(
        os.path.abspath(__file__))
    names = sorted(f[:-4] for f in os.listdir(corpus) if f.endswith(".eml"))
    files = [os.path.join(corpus, n + ".eml") for n in names]
    out = subprocess.run([relance, "-c", config, "classify", "--json"] +
                         files, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"relance classify failed ({out.returncode}): {out.stderr}")
    results = {}
    for line in out.stdout.splitlines():
        r = json.loads(line)
        results[r["file"]] = r

    tp = {c: 0 for c in CLASSES}
    fp = {c: 0 for c in CLASSES}
    fn = {c: 0 for c in CLASSES}
    dangerous, mismatches = [], []
    checks = passed = 0
    for name, path in zip(names, files):
        want = read_expect(os.path.join(corpus, name + ".expect"))
        got = results.get(path)
        if got is None:
            sys.exit(f"{path}: no result from relance classify")
        wc, gc = want["class"], got["class"]
        if wc == gc:
            tp[wc] += 1
        else:
            fp[gc] += 1
            fn[wc] += 1
            mismatches.append(f"  {name}: expected {wc}, got {gc} "
                              f"({got['evidence']})")
            if wc in ("bounce", "auto-reply") and gc in STOPPING:
                dangerous.append(name)
        for what, ok, detail in extraction_checks(want, got):
            checks += 1
            passed += ok
            if not ok:
                mismatches.append(f"  {name}: {what}: {detail}")

    failed = False
    print(f"{'class':<12} {'n':>4} {'precision':>10} {'recall':>8}")
    for c in CLASSES:
        n = tp[c] + fn[c]
        if n == 0 and fp[c] == 0:
            continue
        prec = tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else 1.0
        rec = tp[c] / n if n else 1.0
        low = prec < THRESHOLD or rec < THRESHOLD
        failed |= low
        print(f"{c:<12} {n:>4} {prec:>9.1%} {rec:>7.1%}"
              f"{'  BELOW 95%' if low else ''}")
    share = passed / checks if checks else 1.0
    print(f"extractions: {passed}/{checks} ({share:.1%})")
    failed |= share < THRESHOLD
    if mismatches:
        print("mismatches:")
        print("\n".join(mismatches))
    if dangerous:
        failed = True
        print("automatic mail that would stop dunning: " + ", ".join(dangerous))
    total = len(names)
    good = sum(tp.values())
    print(f"corpus: {good} passed, {total - good} failed")
    if report_only:
        return 1 if dangerous else 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
