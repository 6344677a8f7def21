/*
 * money.c -- amounts as integer counts of minor units.
 */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "money.h"

#define MAX_CHARS 64

/*
 * Turn S into a compact string of digits, '-' and separators: ',' and '.'
 * kept, every grouping blank ('\'', space, NBSP, NNBSP) turned into ' '.
 */
static int
money_compact(const char *s, char *out, size_t size)
{
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)s;

	while (*p == ' ' || *p == '\t')
		p++;
	while (*p != '\0') {
		char c;
		size_t skip = 1;

		if (isdigit(*p) || *p == ',' || *p == '.' || *p == '-')
			c = (char)*p;
		else if (*p == ' ' || *p == '\'')
			c = ' ';
		else if (p[0] == 0xc2 && p[1] == 0xa0)
			c = ' ', skip = 2;
		else if (p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0xaf)
			c = ' ', skip = 3;
		else if (*p == '\t')
			c = ' ';
		else
			return -1;
		if (n + 1 >= size)
			return -1;
		out[n++] = c;
		p += skip;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* Check that the integer part INT (digits and group marks GROUP) is either
 * plain digits or groups of three after a first group of one to three. */
static int
money_integer(const char *s, size_t len, char group, int64_t *out)
{
	int64_t v = 0;
	size_t digits = 0, run = 0, groups = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (isdigit((unsigned char)s[i])) {
			if (++digits > MONEY_MAX_DIGITS)
				return -1;
			v = v * 10 + (s[i] - '0');
			run++;
			continue;
		}
		if (s[i] != group && s[i] != ' ')
			return -1;
		if (run == 0 || (groups == 0 ? run > 3 : run != 3))
			return -1;
		groups++;
		run = 0;
	}
	if (run == 0 || (groups > 0 && run != 3))
		return -1;
	*out = v;
	return 0;
}

int
money_parse(const char *s, int decimals, int64_t *out)
{
	char buf[MAX_CHARS];
	const char *num;
	char *dot, *comma, *mark = NULL;
	char group;
	int64_t ipart, fpart = 0, scale = 1;
	size_t flen = 0;
	bool neg = false;

	if (decimals < 0 || decimals > 3 || money_compact(s, buf, sizeof(buf)))
		return -1;
	num = buf;
	if (*num == '-')
		neg = true, num++;
	if (strchr(num, '-') != NULL)
		return -1;
	dot = strrchr(num, '.');
	comma = strrchr(num, ',');
	mark = dot > comma ? dot : comma;
	if (mark != NULL) {
		flen = strlen(mark + 1);
		for (size_t i = 0; i < flen; i++)
			if (!isdigit((unsigned char)mark[1 + i]))
				return -1;
		/* One kind of mark, three digits after the last: thousands. */
		if (flen == 3 && decimals < 3 && (dot == NULL || comma == NULL))
			mark = NULL;
		else if (flen == 0 || flen > (size_t)decimals)
			return -1;
	}
	if (mark != NULL) {
		group = *mark == '.' ? ',' : '.';
		for (size_t i = 0; i < flen; i++)
			fpart = fpart * 10 + (mark[1 + i] - '0');
	} else {
		group = dot != NULL ? '.' : ',';
	}
	if (money_integer(num, mark ? (size_t)(mark - num) : strlen(num), group,
	                  &ipart) < 0)
		return -1;
	for (int i = 0; i < decimals; i++)
		scale *= 10;
	for (size_t i = flen; i < (size_t)decimals; i++)
		fpart *= 10;
	*out = (ipart * scale + fpart) * (neg ? -1 : 1);
	return 0;
}

void
money_format(int64_t v, int decimals, char *out, size_t size)
{
	int64_t scale = 1;
	uint64_t a;

	for (int i = 0; i < decimals; i++)
		scale *= 10;
	a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	if (decimals == 0)
		snprintf(out, size, "%s%llu", v < 0 ? "-" : "",
		         (unsigned long long)a);
	else
		snprintf(out, size, "%s%llu.%0*llu", v < 0 ? "-" : "",
		         (unsigned long long)(a / (uint64_t)scale), decimals,
		         (unsigned long long)(a % (uint64_t)scale));
}

int
money_currency_decimals(const char *code)
{
	static const char *const zero[] = {
	    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
	    "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF", NULL};
	static const char *const three[] = {"BHD", "IQD", "JOD", "KWD",
	                                    "LYD", "OMR", "TND", NULL};

	if (strlen(code) != 3)
		return -1;
	for (int i = 0; i < 3; i++)
		if (code[i] < 'A' || code[i] > 'Z')
			return -1;
	for (int i = 0; zero[i] != NULL; i++)
		if (strcmp(code, zero[i]) == 0)
			return 0;
	for (int i = 0; three[i] != NULL; i++)
		if (strcmp(code, three[i]) == 0)
			return 3;
	return 2;
}
