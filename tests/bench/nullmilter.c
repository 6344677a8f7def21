/*
 * nullmilter.c -- the do-nothing milters that tests/bench/milter.sh
 * measures relance-milter against: what the milter protocol alone costs.
 *
 *	nullmilter eoh|body SOCKET
 *
 * Both receive what relance-milter receives (the connection, MAIL FROM,
 * RCPT TO, the headers) and negotiate the same protocol shortcuts (no
 * HELO, no DATA, no unknown commands; no reply to each header when the MTA
 * allows it), so the difference with relance-milter is its own work.
 *
 *	eoh	accepts every message at the end of its headers, as
 *		relance-milter does with ordinary mail;
 *	body	reads the whole body and accepts at the end of the
 *		message, after adding one header, as relance-milter does
 *		with replies.
 *
 * Runs in the foreground until SIGTERM (libmilter's stop). Built by
 * milter.sh: cc -O2 nullmilter.c -lmilter -lpthread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmilter/mfapi.h>

#define NULL_HEADER "X-Null-Milter"

/* The connection's context: whether the MTA expects no reply to headers.
 * Constants, which libmilter's threads may share. */
static const int null_noreply = 1, null_reply = 0;

static sfsistat
null_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
               unsigned long f2, unsigned long f3, unsigned long *pf0,
               unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long want =
	    SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NR_HDR;

	*pf0 = f0 & SMFIF_ADDHDRS;
	*pf1 = f1 & want;
	*pf2 = *pf3 = 0;
	smfi_setpriv(
	    ctx, (void *)((*pf1 & SMFIP_NR_HDR) ? &null_noreply : &null_reply));
	return SMFIS_CONTINUE;
}

static sfsistat
null_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	return SMFIS_CONTINUE;
}

static sfsistat
null_envfrom(SMFICTX *ctx, char **argv)
{
	return SMFIS_CONTINUE;
}

static sfsistat
null_envrcpt(SMFICTX *ctx, char **argv)
{
	return SMFIS_CONTINUE;
}

/* Read, not answered when the MTA expects no reply (SMFIP_NR_HDR). */
static sfsistat
null_header(SMFICTX *ctx, char *name, char *value)
{
	const int *noreply = smfi_getpriv(ctx);

	return noreply != NULL && *noreply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* Mode eoh: the decision, at the end of the headers. */
static sfsistat
null_eoh_accept(SMFICTX *ctx)
{
	return SMFIS_ACCEPT;
}

/* Mode body: go on to the body. */
static sfsistat
null_eoh_continue(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

static sfsistat
null_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	return SMFIS_CONTINUE;
}

static sfsistat
null_eom(SMFICTX *ctx)
{
	smfi_addheader(ctx, NULL_HEADER, "read");
	return SMFIS_ACCEPT;
}

static sfsistat
null_close(SMFICTX *ctx)
{
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

static int
null_usage(void)
{
	fprintf(stderr, "usage: nullmilter eoh|body unix:/path\n");
	return 64;
}

int
main(int argc, char **argv)
{
	struct smfiDesc desc;
	int body;

	if (argc != 3 ||
	    (strcmp(argv[1], "eoh") != 0 && strcmp(argv[1], "body") != 0))
		return null_usage();
	body = strcmp(argv[1], "body") == 0;
	memset(&desc, 0, sizeof(desc));
	desc.xxfi_name = "nullmilter";
	desc.xxfi_version = SMFI_VERSION;
	desc.xxfi_flags = SMFIF_ADDHDRS;
	desc.xxfi_negotiate = null_negotiate;
	desc.xxfi_connect = null_connect;
	desc.xxfi_envfrom = null_envfrom;
	desc.xxfi_envrcpt = null_envrcpt;
	desc.xxfi_header = null_header;
	desc.xxfi_eoh = body ? null_eoh_continue : null_eoh_accept;
	desc.xxfi_body = body ? null_body : NULL;
	desc.xxfi_eom = body ? null_eom : NULL;
	desc.xxfi_close = null_close;
	if (smfi_setconn(argv[2]) != MI_SUCCESS ||
	    smfi_register(desc) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: cannot listen on %s\n", argv[2]);
		return 69;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 70;
}
