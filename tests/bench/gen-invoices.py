#!/usr/bin/env python3
"""gen-invoices.py -- a French accounting export of N open invoices, for
tests/bench/run.sh.

    gen-invoices.py OUT.csv N TODAY PDF

Deterministic (fixed seed). About four invoices per customer; due dates
from 120 days before TODAY to 15 days after it; profiles 60 % default,
25 % good, 15 % bad; 70 % in French; 2 % already paid (thanks due); every
invoice names the same PDF file.
"""
import datetime
import random
import sys

out, n, today, pdf = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
today = datetime.date.fromisoformat(today)
rng = random.Random(5)
customers = max(1, n // 4)
with open(out, "w", encoding="utf-8", newline="") as f:
    f.write("N° facture;Client;Nom;Courriel;Montant TTC;Reste à payer;Devise;"
            "Date;Échéance;Profil;Langue;Fichier\n")
    for i in range(n):
        c = rng.randrange(customers)
        due = today + datetime.timedelta(days=rng.randrange(-120, 16))
        issue = due - datetime.timedelta(days=30)
        cents = rng.randrange(2000, 2000000)
        left = 0 if rng.random() < 0.02 else cents
        r = rng.random()
        prof = "default" if r < 0.60 else "good" if r < 0.85 else "bad"
        lang = "fr" if rng.random() < 0.70 else "en"
        amount = f"{cents // 100},{cents % 100:02d}"
        rest = f"{left // 100},{left % 100:02d}"
        f.write(f"F{i:07d};C{c:06d};Client {c} SARL;"
                f"compta@client{c}.example;{amount};{rest};EUR;"
                f"{issue:%d/%m/%Y};{due:%d/%m/%Y};{prof};{lang};{pdf}\n")
