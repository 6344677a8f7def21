/*
 * react.c -- what a classified incoming message does to its invoice.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "react.h"

/* Domains where two addresses have nothing to do with each other. */
static const char *const public_domains[] = {"gmail.com",
                                             "googlemail.com",
                                             "yahoo.com",
                                             "yahoo.fr",
                                             "hotmail.com",
                                             "hotmail.fr",
                                             "outlook.com",
                                             "outlook.fr",
                                             "live.com",
                                             "live.fr",
                                             "msn.com",
                                             "icloud.com",
                                             "me.com",
                                             "aol.com",
                                             "orange.fr",
                                             "wanadoo.fr",
                                             "free.fr",
                                             "sfr.fr",
                                             "laposte.net",
                                             "gmx.fr",
                                             "gmx.com",
                                             "gmx.de",
                                             "web.de",
                                             "proton.me",
                                             "protonmail.com",
                                             "bbox.fr",
                                             "neuf.fr",
                                             "club-internet.fr",
                                             NULL};

bool
react_strong(enum classify_signal_kind k)
{
	return k != SIGNAL_BODY && k != SIGNAL_INVOICE;
}

static const char *
domain_of(const char *address)
{
	const char *at = address ? strrchr(address, '@') : NULL;

	return at ? at + 1 : NULL;
}

static bool
is_public(const char *domain)
{
	for (int i = 0; public_domains[i] != NULL; i++)
		if (strcasecmp(domain, public_domains[i]) == 0)
			return true;
	return false;
}

bool
react_sender_known(const struct invoice *inv, const char *sender)
{
	const char *dom = domain_of(sender);

	if (dom == NULL || *dom == '\0')
		return false;
	for (size_t i = 0; i < inv->contacts.n; i++) {
		const char *cd = domain_of(inv->contacts.v[i]);

		if (strcasecmp(inv->contacts.v[i], sender) == 0)
			return true;
		if (cd != NULL && strcasecmp(cd, dom) == 0 && !is_public(dom))
			return true;
	}
	return false;
}

/* The evidence of IN, for events: "RULE: MATCHED; Message-ID <..>", and
 * the archive's note, always whole and last. */
static void
evidence(const struct react_input *in, char *out, size_t size)
{
	struct buf ev = BUF_INIT;
	size_t note = in->archive_note ? strlen(in->archive_note) : 0;

	classify_evidence(in->cls, &ev);
	if (note >= size)
		note = 0;
	snprintf(out, size - note, "%s%s%s%s%s", buf_cstr(&ev),
	         in->message_id ? "; Message-ID " : "",
	         in->message_id ? in->message_id : "",
	         in->queue_id ? "; queue ID " : "",
	         in->queue_id ? in->queue_id : "");
	if (note > 0)
		strcat(out, in->archive_note);
	buf_free(&ev);
}

/* Who may act on INV for this message, or why not (into WHY). */
static bool
may_act(const struct invoice *inv, const struct react_input *in, char *why,
        size_t size)
{
	const struct classify_result *r = in->cls;

	if (!in->strong) {
		snprintf(why, size, "matched on a weak signal only");
		return false;
	}
	if (r->class == CLASSIFY_BOUNCE) {
		if (r->bounce_recipient != NULL &&
		    strlist_find(&inv->contacts, r->bounce_recipient) >= 0)
			return true;
		snprintf(why, size,
		         "the failed recipient %s is not a contact "
		         "of this invoice",
		         r->bounce_recipient ? r->bounce_recipient : "(none)");
		return false;
	}
	if (!react_sender_known(inv, in->sender)) {
		snprintf(why, size,
		         "sender %s has nothing to do with this "
		         "invoice",
		         in->sender ? in->sender : "(none)");
		return false;
	}
	if (in->auth_failed) {
		snprintf(why, size, "sender %s failed authentication",
		         in->sender);
		return false;
	}
	return true;
}

static bool
can_pause(const struct invoice *inv, struct date today)
{
	enum invoice_state s = invoice_effective_state(inv, today);

	return s == INVOICE_OPEN || s == INVOICE_PAUSED;
}

/* Pause until UNTIL, never shortening a longer pause. 0, or -1. */
static int
pause_until(struct invoice *inv, struct date until, const char *why,
            const struct react_input *in)
{
	struct err e;

	if (!can_pause(inv, in->today) || date_cmp(until, in->today) <= 0)
		return 0;
	if (inv->state == INVOICE_PAUSED &&
	    date_cmp(inv->paused_until, until) >= 0)
		return 0;
	return invoice_pause(inv, until, in->today, why, in->now, in->actor,
	                     &e) < 0 &&
	               strcmp(e.msg, "out of memory") == 0
	           ? -1
	           : 0;
}

static int
react_reply(struct invoice *inv, const struct policy_reaction *re,
            const struct react_input *in)
{
	if (re->action != POLICY_ACTION_PAUSE)
		return 0;
	return pause_until(inv, date_add_days(in->today, re->days),
	                   "the customer replied", in);
}

static int
react_promise(struct invoice *inv, const struct policy_reaction *re,
              const struct react_input *in)
{
	struct date d = in->cls->promise_date;
	char day[11];

	if (date_is_null(d))
		return 0;
	date_format(d, day);
	if (re->action == POLICY_ACTION_GRACE)
		d = date_add_days(d, re->days);
	if (date_cmp(d, in->today) <= 0)
		d = date_add_days(in->today, 1);
	return pause_until(inv, d, "the customer promised to pay", in);
}

static int
react_dispute(struct invoice *inv, const struct policy_reaction *re,
              const struct react_input *in)
{
	char reason[INVOICE_MAX_DETAIL / 4];
	struct err e;

	if (re->action != POLICY_ACTION_DISPUTE || !can_pause(inv, in->today))
		return 0;
	snprintf(reason, sizeof(reason), "the customer wrote \"%s\"",
	         in->cls->matched ? in->cls->matched : "(a dispute)");
	if (invoice_dispute(inv, reason, in->now, in->actor, &e) < 0)
		return strcmp(e.msg, "out of memory") == 0 ? -1 : 0;
	return 0;
}

static int
react_remittance(struct invoice *inv, const struct policy_reaction *re,
                 const struct react_input *in)
{
	struct err e;

	if (re->action == POLICY_ACTION_ANNOUNCE)
		return pause_until(inv, date_add_days(in->today, re->days),
		                   "payment announced by the customer; "
		                   "waiting for the bank",
		                   in);
	if (re->action != POLICY_ACTION_PAID || !can_pause(inv, in->today))
		return 0;
	if (invoice_pay(inv, -1, in->today, in->now, in->actor, &e) < 0)
		return strcmp(e.msg, "out of memory") == 0 ? -1 : 0;
	return 0;
}

static int
react_bounce(struct invoice *inv, const struct policy_reaction *re,
             const struct react_input *in)
{
	const char *rcpt = in->cls->bounce_recipient;

	if (re->action != POLICY_ACTION_LETTER || !in->cls->bounce_permanent ||
	    rcpt == NULL || strlist_find(&inv->undeliverable, rcpt) >= 0)
		return 0;
	if (strlist_add(&inv->undeliverable, rcpt) < 0)
		return -1;
	return invoice_add_event(inv, in->now, "task", in->actor,
	                         "mail to %s bounced for good: check the "
	                         "address; the next step goes by letter",
	                         rcpt);
}

static int
react_out_of_office(struct invoice *inv, const struct policy_reaction *re,
                    const struct react_input *in)
{
	struct date d = in->cls->return_date, cap;

	if (re->action != POLICY_ACTION_WAIT_RETURN || date_is_null(d))
		return 0;
	cap = date_add_days(in->today, re->days);
	if (date_cmp(d, cap) > 0)
		d = cap;
	return pause_until(inv, d, "the contact is away (out-of-office)", in);
}

static enum policy_event
event_of(enum classify_class c)
{
	switch (c) {
	case CLASSIFY_BOUNCE:
		return POLICY_EVENT_BOUNCE;
	case CLASSIFY_AUTO_REPLY:
		return POLICY_EVENT_OUT_OF_OFFICE;
	case CLASSIFY_REMITTANCE:
		return POLICY_EVENT_REMITTANCE;
	case CLASSIFY_DISPUTE:
		return POLICY_EVENT_DISPUTE;
	case CLASSIFY_PROMISE:
		return POLICY_EVENT_PROMISE;
	default:
		return POLICY_EVENT_REPLY;
	}
}

/* The event that says what arrived, before any reaction. */
static int
record_arrival(struct invoice *inv, const struct react_input *in)
{
	const struct classify_result *r = in->cls;
	char ev[INVOICE_MAX_DETAIL / 2], extra[64] = "";

	evidence(in, ev, sizeof(ev));
	if (!date_is_null(r->promise_date)) {
		char d[11];

		date_format(r->promise_date, d);
		snprintf(extra, sizeof(extra), " (to pay on %s)", d);
	} else if (!date_is_null(r->return_date)) {
		char d[11];

		date_format(r->return_date, d);
		snprintf(extra, sizeof(extra), " (back on %s)", d);
	}
	return invoice_add_event(
	    inv, in->now, classify_name(r->class), in->actor,
	    "%s from %s%s: %s", classify_name(r->class),
	    in->sender ? in->sender : "(no sender)", extra, ev);
}

int
react_apply(struct invoice *inv, const struct policy_profile *profile,
            const struct policy_reaction *global, const struct react_input *in,
            struct react_outcome *out)
{
	const struct policy_reaction *re;
	enum policy_event ev = event_of(in->cls->class);
	char ebuf[INVOICE_MAX_DETAIL / 2];
	int rc;

	memset(out, 0, sizeof(*out));
	out->before = invoice_effective_state(inv, in->today);
	if (!may_act(inv, in, out->why, sizeof(out->why)) ||
	    in->cls->class == CLASSIFY_UNRELATED) {
		if (in->cls->class == CLASSIFY_UNRELATED)
			snprintf(out->why, sizeof(out->why),
			         "not about an invoice");
		evidence(in, ebuf, sizeof(ebuf));
		out->verdict = REACT_REVIEW;
		out->after = out->before;
		return invoice_add_event(
		    inv, in->now, "review", in->actor,
		    "%s from %s, not acted on (%s): %s",
		    classify_name(in->cls->class),
		    in->sender ? in->sender : "(no sender)", out->why, ebuf);
	}
	re = profile != NULL ? &profile->reactions[ev] : &global[ev];
	if (record_arrival(inv, in) < 0)
		return -1;
	switch (in->cls->class) {
	case CLASSIFY_BOUNCE:
		rc = react_bounce(inv, re, in);
		break;
	case CLASSIFY_AUTO_REPLY:
		rc = react_out_of_office(inv, re, in);
		break;
	case CLASSIFY_REMITTANCE:
		rc = react_remittance(inv, re, in);
		break;
	case CLASSIFY_DISPUTE:
		rc = react_dispute(inv, re, in);
		break;
	case CLASSIFY_PROMISE:
		rc = react_promise(inv, re, in);
		break;
	default:
		rc = react_reply(inv, re, in);
		break;
	}
	out->verdict = REACT_APPLIED;
	out->after = invoice_effective_state(inv, in->today);
	snprintf(out->why, sizeof(out->why), "%s: %s (%s -> %s)",
	         classify_name(in->cls->class), policy_action_name(re->action),
	         invoice_state_name(out->before),
	         invoice_state_name(out->after));
	return rc;
}
