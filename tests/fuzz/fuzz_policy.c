/* fuzz-sources: src/policy.c src/buf.c src/err.c src/strlist.c src/date.c src/money.c src/text.c */
/* fuzz-pkgs: libpcre2-8 */
/*
 * fuzz_policy.c -- the policy parser and the template checker on arbitrary
 * bytes.
 *
 * The input is parsed as one *.policy file, then the cross-file checks run
 * on what was kept, then the same bytes are checked as a template. Besides
 * "no crash, no leak", checks what callers rely on: the count returned is
 * the count of messages, every message names the file, kept steps are in
 * increasing order, and a template the checker accepts always expands
 * (the checker and policy_expand() read the syntax alike).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check_messages(const struct strlist *errors, size_t from,
                    const char *prefix)
{
	for (size_t i = from; i < errors->n; i++)
		if (strncmp(errors->v[i], prefix, strlen(prefix)) != 0)
			abort();
}

static void
fuzz_check_profiles(const struct policy *p)
{
	for (size_t i = 0; i < p->nprofiles; i++) {
		const struct policy_profile *pr = p->profiles[i];

		if (pr->nsteps > POLICY_MAX_STEPS)
			abort();
		for (size_t k = 0; k < pr->nsteps; k++) {
			const struct policy_step *st = &pr->steps[k];

			if (st->offset < -POLICY_MAX_OFFSET ||
			    st->offset > POLICY_MAX_OFFSET ||
			    st->template == NULL)
				abort();
			if (k > 0 && pr->steps[k - 1].offset >= st->offset &&
			    pr->steps[k - 1].business == st->business)
				abort();
		}
	}
}

/* Every known placeholder has a value. */
static const char *
fuzz_value(const char *name, void *arg)
{
	return policy_placeholder_known(name, strlen(name)) ? "x" : NULL;
}

static void
fuzz_template(const char *text, size_t size)
{
	struct strlist errors = STRLIST_INIT;
	struct policy_template t = {0};
	struct buf out = BUF_INIT;
	struct err e = {{0}};
	int rc = policy_check_template("tpl", text, size, &errors, &t);

	if (rc >= 0 && (size_t)rc != errors.n)
		abort();
	fuzz_check_messages(&errors, 0, "tpl:");
	if (rc == 0) {
		if (t.subject == NULL || t.body == NULL || t.subject[0] == '\0')
			abort();
		if (policy_expand(t.subject, fuzz_value, NULL, &out, &e) < 0 ||
		    policy_expand(t.body, fuzz_value, NULL, &out, &e) < 0)
			abort();
	}
	free(t.subject);
	free(t.body);
	buf_free(&out);
	strlist_clear(&errors);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct strlist errors = STRLIST_INIT;
	struct policy *p = policy_new();
	int rc;

	if (p == NULL)
		return 0;
	rc = policy_parse_file(p, "f.policy", text, size, &errors);
	if (rc >= 0 && (size_t)rc != errors.n)
		abort();
	fuzz_check_messages(&errors, 0, "f.policy");
	fuzz_check_profiles(p);
	if (rc >= 0 && policy_add_template(p, "fr", "thanks", "tpl", text, size,
	                                   &errors) >= 0)
		policy_finish(p, "dir", &errors);
	policy_free(p);
	strlist_clear(&errors);
	fuzz_template(text, size);
	return 0;
}
