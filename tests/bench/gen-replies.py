#!/usr/bin/env python3
"""gen-replies.py DIR COUNT -- write COUNT typical customer replies to DIR.

Deterministic (fixed seed). The mix: 80 % short replies (plain or HTML,
French or English, the reminder quoted below), 15 % with a PDF attachment
of 50 to 400 KB, 5 % of about 1 MB (a scanned remittance advice).
"""
import base64
import os
import random
import sys

FR = ["Bonjour,\n\nLe virement a été effectué ce jour pour la facture {inv}.\n",
      "Bonjour,\n\nJe conteste cette facture : la livraison était incomplète.\n",
      "Bonjour,\n\nNous vous réglerons vendredi.\n",
      "Bonjour,\n\nPouvez-vous me renvoyer la facture {inv} ?\n"]
EN = ["Hello,\n\nPayment for invoice {inv} was sent today.\n",
      "Hi,\n\nWe dispute this invoice: goods not received.\n",
      "Hello,\n\nWe will pay on December 15.\n",
      "Hi,\n\nCould you send a copy of invoice {inv}?\n"]
QUOTE = ("Le lun. 23 nov. 2026 à 10:12, Exemple SARL <factures@example.com> "
         "a écrit :\n> Bonjour,\n>\n> Sauf erreur de notre part, la facture "
         "{inv} d'un montant de 1 234,56 EUR n'a pas été réglée.\n> IBAN : "
         "FR76 3000 6000 0112 3456 7890 189\n> Merci de procéder au "
         "règlement.\n>\n> Exemple SARL\n")


def message(rng, i):
    inv = f"F2026-{100 + i % 900:04d}"
    rid = "R-7K3Q9WXMA"
    lang = rng.choice(["fr", "en"])
    text = rng.choice(FR if lang == "fr" else EN).format(inv=inv)
    text += "\n" + QUOTE.format(inv=inv)
    text += "\n" + "Cordialement,\nJean Dupont\nService comptabilité\n" * 3
    kind = rng.random()
    attach = 0
    if kind > 0.95:
        attach = 1_000_000
    elif kind > 0.80:
        attach = rng.randint(50_000, 400_000)
    head = (f"From: Jean Dupont <jean.dupont@client{i % 50}.example>\n"
            f"To: factures+{rid.lower()}@example.com\n"
            f"Subject: RE: Facture impayée {inv} [Réf. {rid}]\n"
            f"Date: Mon, 23 Nov 2026 11:{i % 60:02d}:00 +0100\n"
            f"Message-ID: <reply.{i}@client.example>\n"
            f"In-Reply-To: <relance.{rid}.1795000000@example.com>\n"
            "MIME-Version: 1.0\n")
    if rng.random() < 0.3:
        html = "<html><body><div>" + text.replace("\n", "<br>\n") + \
            "</div></body></html>"
        body_part = ("Content-Type: text/html; charset=utf-8\n"
                     "Content-Transfer-Encoding: 8bit\n\n" + html)
    else:
        body_part = ("Content-Type: text/plain; charset=utf-8\n"
                     "Content-Transfer-Encoding: 8bit\n\n" + text)
    if not attach:
        return head + body_part
    pdf = base64.encodebytes(rng.randbytes(attach)).decode()
    return (head + 'Content-Type: multipart/mixed; boundary="b"\n\n'
            "--b\n" + body_part + "\n--b\n"
            'Content-Type: application/pdf; name="Avis de virement.pdf"\n'
            "Content-Transfer-Encoding: base64\n"
            'Content-Disposition: attachment; filename="Avis de virement.pdf"'
            "\n\n" + pdf + "--b--\n")


def main():
    out, count = sys.argv[1], int(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    rng = random.Random(20261123)
    for i in range(count):
        with open(os.path.join(out, f"{i:05d}.eml"), "w",
                  encoding="utf-8") as f:
            f.write(message(rng, i).replace("\n", "\r\n"))


if __name__ == "__main__":
    main()
