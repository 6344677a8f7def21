/* fuzz-sources: src/conf.c src/buf.c src/strlist.c src/text.c */
/* fuzz-pkgs: libpcre2-8 */
/*
 * fuzz_config.c -- the relance.conf parser on arbitrary bytes.
 *
 * Besides "no crash, no leak", checks what `relance check` and the programs
 * rely on: the count returned is the count of messages added (at most
 * CONFIG_MAX_ERRORS + 1), every message names the file and is safe to print
 * (no control characters), and the values that were set passed their
 * checks (absolute paths, compact upper-case IBAN).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check_values(const struct config *c)
{
	if (c->state_file[0] != '/' || c->policy_dir[0] != '/' ||
	    c->sendmail[0] != '/' || c->timezone[0] == '/')
		abort();
	if (c->iban != NULL && strspn(c->iban, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                       "0123456789") != strlen(c->iban))
		abort();
	if (text_has_ctl(c->company_name) ||
	    (c->sender != NULL && text_has_ctl(c->sender)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;
	int n;

	if (config_init(&c) < 0) {
		config_free(&c);
		return 0;
	}
	n = config_parse(&c, "fuzz.conf", (const char *)data, size, &errors);
	if (n >= 0) {
		if ((size_t)n != errors.n || n > CONFIG_MAX_ERRORS + 1)
			abort();
		for (size_t i = 0; i < errors.n; i++)
			if (strncmp(errors.v[i], "fuzz.conf:", 10) != 0 ||
			    text_has_ctl(errors.v[i]) ||
			    !text_utf8_valid(errors.v[i], strlen(errors.v[i])))
				abort();
		fuzz_check_values(&c);
	}
	strlist_clear(&errors);
	config_free(&c);
	return 0;
}
