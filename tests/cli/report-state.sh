# report-state.sh -- a small state for `relance report`'s tests, sourced by
# tests/cli/report.sh and tests/integration/report-html.sh.
#
# report_state DIR RELANCE: in DIR, a relance.conf, a fake sendmail and a
# state file made with the real RELANCE as a clerk would, from 2026-09-01
# to 2026-11-20 (Europe/Paris): five invoices of three customers (one
# named "<script>alert(1)</script>"), in EUR and USD; `relance run` on
# nine days; R5 paid on 2026-10-30; R3 disputed on 2026-11-20; a promise
# to pay R1 on 2026-11-30 replayed on 2026-11-20. Afterwards, `rr` runs
# RELANCE on that state at 2026-11-23 10:30.

# at DAY: 10:30 on DAY in Paris, in seconds since the epoch.
at() { TZ=Europe/Paris date -d "$1 10:30" +%s; }

report_state() {
	local dir=$1 d
	report_relance=$2
	report_dir=$dir
	cat >"$dir/fake-sendmail" <<'EOF'
#!/bin/sh
cat >/dev/null
EOF
	chmod +x "$dir/fake-sendmail"
	printf '%%PDF-1.4 fake\n' >"$dir/f.pdf"
	mkdir -p "$dir/outbox"
	cat >"$dir/relance.conf" <<EOF
StateFile    $dir/state.db
PolicyDir    $top_srcdir/policies
TimeZone     Europe/Paris
Sender       "Compta Exemple <factures@example.com>"
Sendmail     $dir/fake-sendmail
CompanyName  Exemple SARL
IBAN         FR7630006000011234567890189
BIC          AGRIFRPP
PaymentLink  https://pay.example.com/{invoice}
OutboxDir    $dir/outbox
CompanyAddress 12, rue de la Paix
CompanyAddress 75002 Paris
EOF
	cat >"$dir/report.csv" <<EOF
N° facture;Client;Nom;Courriel;Montant;Devise;Date;Échéance;Profil;Langue;Fichier
R1;C1;Dupont SARL;compta@dupont.example;1000,00;EUR;01/10/2026;31/10/2026;default;fr;$dir/f.pdf
R2;C1;Dupont SARL;compta@dupont.example;500,00;USD;20/09/2026;20/10/2026;good;fr;$dir/f.pdf
R3;C2;<script>alert(1)</script>;x@evil.example;250,00;EUR;01/06/2026;01/07/2026;default;en;$dir/f.pdf
R4;C3;Acme Ltd;ap@acme.example;2000,00;EUR;10/11/2026;10/12/2026;good;en;$dir/f.pdf
R5;C3;Acme Ltd;ap@acme.example;300,00;EUR;20/09/2026;20/10/2026;default;en;$dir/f.pdf
EOF
	cat >"$dir/promise.eml" <<EOF
From: Jean Dupont <compta@dupont.example>
To: factures@example.com
Subject: RE: Relance facture R1
Date: Fri, 20 Nov 2026 09:00:00 +0100
Message-ID: <p1@dupont.example>
In-Reply-To: <run.R1.reminder-2.$(at 2026-11-16)@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Bonjour,

Le virement est programmé pour le 30/11/2026.

Jean Dupont
EOF
	(
		export SUDO_USER=clerk
		r() { "$report_relance" -c "$dir/relance.conf" "$@"; }
		RELANCE_NOW=$(at 2026-09-01) r import "$dir/report.csv" || exit 1
		for d in 2026-09-07 2026-09-23 2026-09-30 2026-10-12 2026-10-23 \
			2026-10-28 2026-11-02 2026-11-09 2026-11-16; do
			RELANCE_NOW=$(at $d) r run
		done
		RELANCE_NOW=$(at 2026-10-30) r pay R5 --date 2026-10-30 || exit 1
		RELANCE_NOW=$(at 2026-11-20) r dispute R3 \
			--reason 'never delivered <b>' || exit 1
		RELANCE_NOW=$(at 2026-11-20) r replay "$dir/promise.eml" || exit 1
	) >"$dir/state.log" 2>&1
}

rr() {
	SUDO_USER=clerk RELANCE_NOW=$(at 2026-11-23) \
		"$report_relance" -c "$report_dir/relance.conf" "$@"
}
