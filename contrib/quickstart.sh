#!/usr/bin/env bash
# quickstart.sh -- set relance up on a fresh Debian machine and run the demo.
#
# Installs the build dependencies that are missing, builds relance in
# _build/demo, and plays a short session in a throwaway lab directory: a
# configuration and a state file of its own, sample invoices dated relative
# to today, the invoice table, one invoice's history, then a payment, a
# dispute and a pause, and the table again. Nothing outside the lab
# directory is touched; its path is printed at the end.
#
#   contrib/quickstart.sh
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ -t 1 ]; then
	say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	say() { printf '\n== %s\n' "$*"; }
fi

deps=(gcc make autoconf automake libtool pkg-config
      libmilter-dev libetpan-dev libgdbm-dev libcmocka-dev libxml2-dev
      libpcre2-dev libpango1.0-dev libcairo2-dev fonts-dejavu-core)
missing=()
for p in "${deps[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
fi

say "building relance"
[ -x configure ] || autoreconf -fi >/dev/null 2>&1
mkdir -p _build/demo
(cd _build/demo && { [ -f Makefile ] || "$top/configure" >/dev/null; } &&
	make -j"$(nproc)" >/dev/null)
relance_bin=$top/_build/demo/src/relance

lab=$(mktemp -d /tmp/relance-demo.XXXXXX)
cat >"$lab/relance.conf" <<CONF
# The demo's configuration (see relance.conf(5)).
StateFile     $lab/relance.db
PolicyDir     $top/policies
CompanyName   "Exemple SARL"
Sender        "Exemple SARL <factures@example.com>"
ReplyAddress  factures@example.com
IBAN          FR7630006000011234567890189
BIC           AGRIFRPPXXX
PaymentLink   https://pay.example.com/{invoice}?amount={amount}
TimeZone      Europe/Paris
CONF
relance() {
	printf '\n$ relance %s\n' "$*"
	"$relance_bin" -c "$lab/relance.conf" "$@"
}

# Sample invoices, due dates relative to today: some overdue, some not yet.
d() { date -d "$1 days" +%d/%m/%Y; }
cat >"$lab/invoices.csv" <<CSV
N° facture;Code client;Raison sociale;Courriel;Montant TTC;Reste à payer;Date;Échéance;Profil;Langue
F-DEMO-01;C001;Dupont & Fils SARL;compta@dupont.example;1 234,56;1 234,56;$(d -70);$(d -40);default;fr
F-DEMO-02;C002;Martin Bâtiment;"factures@martin.example; jean.martin@martin.example";2 400,00;2 400,00;$(d -50);$(d -20);bad;fr
F-DEMO-03;C003;Acme Ltd;ap@acme.example;2 500,00;2 500,00;$(d -39);$(d -9);good;en
F-DEMO-04;C001;Dupont & Fils SARL;compta@dupont.example;450,00;450,00;$(d -25);$(d 5);default;fr
F-DEMO-05;C004;Boulangerie Lefèvre;contact@lefevre.example;89,90;89,90;$(d -45);$(d -15);default;fr
CSV

say "checking the configuration and the policies"
relance check
say "importing the accounting export"
relance import "$lab/invoices.csv"
relance list
say "a clerk's day: a partial payment, a dispute, a promise"
relance pay F-DEMO-02 1000,00
relance dispute F-DEMO-03 --reason "goods not received"
relance pause F-DEMO-05 --for 10d --reason "promised to pay on the phone"
relance list --overdue
relance show F-DEMO-02
say "keeping the state safe"
relance backup "$lab/relance.dump"
relance fsck

say "done: the lab's files are in $lab"
