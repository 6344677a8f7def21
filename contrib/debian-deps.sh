# debian-deps.sh -- the Debian packages relance needs, and how to install
# them; sourced (bash) by contrib/quickstart.sh and tests/run-all.sh, so
# that the two lists cannot drift apart. A new dependency goes here, in the
# list of what needs it (and in configure.ac when the build needs it).

# To build relance and run it: compilers and autotools, the libraries, the
# font of the PDF letters, and the time zones (TimeZone in relance.conf).
relance_build_deps=(gcc make autoconf automake libtool pkg-config
	libmilter-dev libetpan-dev libgdbm-dev libcmocka-dev
	libxml2-dev libpcre2-dev libpango1.0-dev libcairo2-dev fonts-dejavu-core
	tzdata)

# The throwaway Postfix on loopback (tests/integration/lab.sh) that the demo
# and the integration tests run: Postfix with smtp-sink and smtp-source,
# swaks to play the customers, python3 to read messages, flock
# (util-linux) and ss (iproute2).
relance_lab_deps=(postfix swaks python3 util-linux iproute2)

# The Sendmail lab beside it (tests/integration/sendmail-lab.sh): Sendmail
# itself is downloaded with apt-get download and unpacked, never installed
# (it conflicts with postfix); its .cf is built with m4, and its binary
# needs the shared libraries of sendmail-bin's dependencies that a system
# with postfix lacks (libwrap0; libdb5.3, libldap-2.5-0, liblockfile1,
# libnsl2, libsasl2-2 and libssl3 are there already, listed to be sure).
relance_sendmail_lab_deps=(m4 libwrap0 libdb5.3 libldap-2.5-0 liblockfile1
	libnsl2 libsasl2-2 libssl3)

# The rest of tests/run-all.sh: make check reads the PDF letters back
# (poppler-utils), the milter tests (miltertest), the fuzz targets (clang
# and its runtime), the man page checks, the systemd units' checks
# (systemd-analyze), the Debian package's build (dpkg-dev, debhelper)
# and the HTML report's rendering (chromium).
relance_test_deps=(poppler-utils opendkim-tools
	clang libclang-rt-14-dev groff-base man-db
	systemd dpkg-dev debhelper chromium)

# relance_install_deps WHO PACKAGE...: install those of PACKAGE that are not
# installed yet (apt-get, as root or through sudo), saying so on standard
# output as WHO. Postfix, when it comes, is preseeded "No configuration":
# the system's own instance gets no main.cf and is never started; the labs
# run their own. Returns apt-get's status, 0 when nothing was missing.
relance_install_deps() {
	local who=$1 missing=() p sudo=
	shift
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "$who: installing ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || {
			echo "$who: installing packages needs root (or sudo)" >&2
			return 1
		}
		sudo=sudo
	fi
	echo "postfix postfix/main_mailer_type select No configuration" |
		$sudo debconf-set-selections || return
	$sudo apt-get update -qq || return
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}
