/*
 * letter.c -- the formal notice as a printed letter (PDF, cairo + pango).
 *
 * The pure half builds the blocks of text; the drawing half places them on
 * A4 pages. Distances are in PDF points (1/72 inch); LETTER_MM converts
 * millimetres, the unit of French letter layouts (NF Z 11-001 puts the
 * recipient's address where a DL envelope's window is).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include "letter.h"
#include "text.h"

/* ---- the pure half ---- */

static const char *const letter_months_fr[] = {
    "janvier", "février", "mars",      "avril",   "mai",      "juin",
    "juillet", "août",    "septembre", "octobre", "novembre", "décembre"};
static const char *const letter_months_en[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

static bool
letter_fr(const char *lang)
{
	return lang != NULL && strcmp(lang, "fr") == 0;
}

void
letter_date(struct date d, const char *lang, struct buf *out)
{
	if (!date_valid(d))
		return;
	if (letter_fr(lang))
		buf_printf(out, "%d%s %s %d", d.day, d.day == 1 ? "er" : "",
		           letter_months_fr[d.month - 1], d.year);
	else
		buf_printf(out, "%d %s %d", d.day,
		           letter_months_en[d.month - 1], d.year);
}

/*
 * Append S[0..LEN) to OUT as one clean line: control characters (CR and
 * LF included) as spaces, runs of blanks as one space, blanks at both
 * ends dropped; text that is not valid UTF-8 read as Windows-1252.
 */
static void
letter_clean(const char *s, size_t len, struct buf *out)
{
	struct buf conv = BUF_INIT;
	size_t start = out->len;
	bool blank = true; /* drop leading blanks */

	if (!text_utf8_valid(s, len)) {
		text_cp1252_to_utf8(s, len, &conv);
		s = buf_cstr(&conv);
		len = conv.len;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == ' ') {
			if (!blank)
				buf_putc(out, ' ');
			blank = true;
		} else {
			buf_putc(out, (char)c);
			blank = false;
		}
	}
	if (blank && out->len > start && !buf_failed(out))
		out->data[--out->len] = '\0';
	buf_append(out, "", 0);
	if (buf_failed(&conv))
		out->failed = true;
	buf_free(&conv);
}

/* Add the clean form of S[0..LEN) to L, unless it is empty. 0, or -1 on
 * no memory. */
static int
letter_add_line(struct strlist *l, const char *s, size_t len)
{
	struct buf b = BUF_INIT;
	int rc = 0;

	letter_clean(s, len, &b);
	if (buf_failed(&b))
		rc = -1;
	else if (b.len > 0)
		rc = strlist_add(l, buf_cstr(&b));
	buf_free(&b);
	return rc;
}

/* Add each line of S (split at CR, LF, CRLF) to L. 0, or -1. */
static int
letter_add_lines(struct strlist *l, const char *s)
{
	while (s != NULL && *s != '\0') {
		size_t n = strcspn(s, "\r\n");

		if (letter_add_line(l, s, n) < 0)
			return -1;
		s += n;
		s += strspn(s, "\r\n");
	}
	return 0;
}

static char *
letter_strdup_buf(struct buf *b)
{
	return buf_failed(b) ? NULL : buf_steal(b);
}

/* The body's lines as paragraphs (see letter_build). 0, or -1. */
static int
letter_reflow(const char *body, struct strlist *out)
{
	struct buf para = BUF_INIT, line = BUF_INIT;
	size_t prev_width = 0;
	int rc = 0;

	for (const char *s = body; rc == 0;) {
		size_t n = strcspn(s, "\n");
		bool end = s[n] == '\0';

		buf_reset(&line);
		letter_clean(s, n, &line);
		if (line.len == 0 || strncmp(buf_cstr(&line), "- ", 2) == 0) {
			if (para.len > 0 &&
			    strlist_add(out, buf_cstr(&para)) < 0)
				rc = -1;
			buf_reset(&para);
		}
		if (line.len > 0) {
			if (para.len > 0)
				buf_putc(&para, prev_width >= LETTER_FLOW_WIDTH
				                    ? ' '
				                    : '\n');
			buf_puts(&para, buf_cstr(&line));
			prev_width = text_width(buf_cstr(&line));
		}
		if (buf_failed(&para) || buf_failed(&line))
			rc = -1;
		if (end)
			break;
		s += n + 1;
	}
	if (rc == 0 && para.len > 0 && strlist_add(out, buf_cstr(&para)) < 0)
		rc = -1;
	buf_free(&para);
	buf_free(&line);
	return rc;
}

static bool
letter_empty(const char *s)
{
	return s == NULL || *s == '\0';
}

int
letter_build(const struct letter_input *in, struct letter *out, struct err *e)
{
	bool fr = letter_fr(in->lang);
	struct buf b = BUF_INIT;

	memset(out, 0, sizeof(*out));
	if (letter_empty(in->company_name)) {
		err_set(e, "no CompanyName in relance.conf: a letter needs the "
		           "sender's name");
		return -1;
	}
	if (in->company_address == NULL || in->company_address->n == 0) {
		err_set(e, "no CompanyAddress in relance.conf: a letter needs "
		           "the sender's postal address");
		return -1;
	}
	if (letter_empty(in->customer_name)) {
		err_set(e, "no customer name for the letter");
		return -1;
	}
	if ((out->lang = strdup(fr ? "fr" : "en")) == NULL ||
	    letter_add_line(&out->sender, in->company_name,
	                    strlen(in->company_name)) < 0)
		goto nomem;
	for (size_t i = 0; i < in->company_address->n; i++)
		if (letter_add_lines(&out->sender, in->company_address->v[i]) <
		    0)
			goto nomem;
	if (letter_add_line(&out->recipient, in->customer_name,
	                    strlen(in->customer_name)) < 0 ||
	    letter_add_lines(&out->recipient, in->customer_address) < 0)
		goto nomem;
	if (out->sender.n > LETTER_MAX_ADDRESS ||
	    out->recipient.n > LETTER_MAX_ADDRESS) {
		err_set(e, "the %s address has more than %d lines",
		        out->sender.n > LETTER_MAX_ADDRESS ? "sender's"
		                                           : "recipient's",
		        LETTER_MAX_ADDRESS - 1);
		letter_free(out);
		return -1;
	}

	if (!letter_empty(in->place)) {
		letter_clean(in->place, strlen(in->place), &b);
		buf_puts(&b, fr ? ", le " : ", ");
	} else if (fr) {
		buf_puts(&b, "Le ");
	}
	letter_date(in->date, in->lang, &b);
	if ((out->place_date = letter_strdup_buf(&b)) == NULL)
		goto nomem;

	buf_puts(&b, fr ? "Lettre recommandée avec accusé de réception"
	                : "Registered letter with acknowledgement of receipt");
	if ((out->mention = letter_strdup_buf(&b)) == NULL)
		goto nomem;
	buf_puts(&b, fr ? "Objet : " : "Subject: ");
	letter_clean(in->subject ? in->subject : "",
	             in->subject ? strlen(in->subject) : 0, &b);
	if ((out->subject = letter_strdup_buf(&b)) == NULL)
		goto nomem;

	if (letter_reflow(in->body ? in->body : "", &out->paragraphs) < 0)
		goto nomem;
	if (!letter_empty(in->signatory) &&
	    letter_add_line(&out->signature, in->signatory,
	                    strlen(in->signatory)) < 0)
		goto nomem;
	if (strlist_add(&out->signature, out->sender.v[0]) < 0)
		goto nomem;
	buf_free(&b);
	return 0;
nomem:
	buf_free(&b);
	letter_free(out);
	err_set(e, "out of memory");
	return -1;
}

void
letter_free(struct letter *l)
{
	free(l->lang);
	strlist_clear(&l->sender);
	strlist_clear(&l->recipient);
	free(l->place_date);
	free(l->mention);
	free(l->subject);
	strlist_clear(&l->paragraphs);
	strlist_clear(&l->signature);
	memset(l, 0, sizeof(*l));
}

static void
letter_text_block(const struct strlist *l, struct buf *out)
{
	for (size_t i = 0; i < l->n; i++)
		buf_printf(out, "%s\n", l->v[i]);
	buf_putc(out, '\n');
}

void
letter_text(const struct letter *l, struct buf *out)
{
	letter_text_block(&l->sender, out);
	letter_text_block(&l->recipient, out);
	buf_printf(out, "%s\n\n%s\n%s\n\n", l->place_date, l->mention,
	           l->subject);
	letter_text_block(&l->paragraphs, out);
	for (size_t i = 0; i < l->signature.n; i++)
		buf_printf(out, "%s\n", l->signature.v[i]);
}

/* Append S to OUT, bytes outside [A-Za-z0-9._-] and a leading '.' as
 * '_'. True when something was replaced. */
static bool
letter_safe_part(const char *s, struct buf *out)
{
	bool replaced = false;

	for (size_t i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		          (c == '.' && i > 0);

		buf_putc(out, ok ? (char)c : '_');
		replaced |= !ok;
	}
	return replaced;
}

/* FNV-1a, 32 bits, over S and T with a NUL between them. */
static uint32_t
letter_hash(const char *s, const char *t)
{
	uint32_t h = 2166136261u;

	for (const char *p = s;; p++) {
		h = (h ^ (unsigned char)*p) * 16777619u;
		if (*p == '\0')
			break;
	}
	for (const char *p = t; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

int
letter_file_name(const char *number, const char *step, struct date d,
                 struct buf *out)
{
	char day[11];
	bool replaced;

	date_format(d, day);
	replaced = letter_safe_part(number, out);
	buf_putc(out, '-');
	replaced |= letter_safe_part(step, out);
	buf_printf(out, "-%s", day);
	if (replaced)
		buf_printf(out, "-%08x", (unsigned)letter_hash(number, step));
	buf_puts(out, ".pdf");
	return buf_failed(out) ? -1 : 0;
}

/* ---- the drawing half ---- */

#define LETTER_MM(x)  ((x)*72.0 / 25.4)
#define LETTER_PAGE_W LETTER_MM(210.0)
#define LETTER_PAGE_H LETTER_MM(297.0)
#define LETTER_LEFT   LETTER_MM(25.0)
#define LETTER_RIGHT  LETTER_MM(20.0)
#define LETTER_TOP    LETTER_MM(20.0)
#define LETTER_BOTTOM LETTER_MM(25.0)  /* the last line ends above this */
#define LETTER_WINDOW LETTER_MM(110.0) /* left of the recipient block */
#define LETTER_ADDR_Y LETTER_MM(50.0)  /* its top, at the least */
#define LETTER_FONT   "Serif 10.5"
#define LETTER_SMALL  "Serif 8"

/* Where the drawing is, and whether it draws or only measures. */
struct letter_pen {
	cairo_t *cr;
	PangoLayout *layout;
	PangoFontDescription *regular, *bold, *small;
	bool draw;
	int page;   /* 1-based */
	int npages; /* when drawing: the total, from the measuring pass */
	double y;   /* top of the next line */
};

/* A layout for CR, where a point of the font is a point of the page
 * (pango's default is 96 dots per inch). */
static PangoLayout *
letter_layout(cairo_t *cr)
{
	PangoContext *ctx = pango_cairo_create_context(cr);
	PangoLayout *layout;

	pango_cairo_context_set_resolution(ctx, 72.0);
	layout = pango_layout_new(ctx);
	g_object_unref(ctx);
	return layout;
}

static void
letter_footer(struct letter_pen *p)
{
	PangoLayout *layout;
	char s[32];
	int w, h;

	if (!p->draw || p->npages < 2)
		return;
	/* A layout of its own: p->layout may be in the middle of a
	 * paragraph. */
	layout = letter_layout(p->cr);
	snprintf(s, sizeof(s), "Page %d/%d", p->page, p->npages);
	pango_layout_set_font_description(layout, p->small);
	pango_layout_set_text(layout, s, -1);
	pango_layout_get_pixel_size(layout, &w, &h);
	cairo_move_to(p->cr, LETTER_PAGE_W - LETTER_RIGHT - w,
	              LETTER_PAGE_H - LETTER_MM(12.0));
	pango_cairo_show_layout(p->cr, layout);
	g_object_unref(layout);
}

static void
letter_new_page(struct letter_pen *p)
{
	letter_footer(p);
	if (p->draw)
		cairo_show_page(p->cr);
	p->page++;
	p->y = LETTER_TOP;
}

/*
 * Set TEXT at X, WIDTH wide, from p->y down, line by line, in FONT;
 * HANG: a hanging indent for a "- " list item. A line that would cross
 * the bottom margin goes to a new page.
 */
static void
letter_put(struct letter_pen *p, const char *text, double x, double width,
           const PangoFontDescription *font, bool hang)
{
	PangoLayoutIter *it;
	int indent = 0;

	pango_layout_set_font_description(p->layout, font);
	pango_layout_set_width(p->layout, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(p->layout, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_indent(p->layout, 0);
	if (hang) {
		pango_layout_set_text(p->layout, "- ", -1);
		pango_layout_get_size(p->layout, &indent, NULL);
	}
	pango_layout_set_indent(p->layout, -indent);
	pango_layout_set_text(p->layout, text, -1);
	it = pango_layout_get_iter(p->layout);
	do {
		PangoLayoutLine *line = pango_layout_iter_get_line_readonly(it);
		PangoRectangle logical;
		double h, base;

		pango_layout_iter_get_line_extents(it, NULL, &logical);
		h = (double)logical.height / PANGO_SCALE;
		base =
		    (double)(pango_layout_iter_get_baseline(it) - logical.y) /
		    PANGO_SCALE;
		if (p->y + h > LETTER_PAGE_H - LETTER_BOTTOM &&
		    p->y > LETTER_TOP)
			letter_new_page(p);
		if (p->draw) {
			cairo_move_to(p->cr,
			              x + (double)logical.x / PANGO_SCALE,
			              p->y + base);
			pango_cairo_show_layout_line(p->cr, line);
		}
		p->y += h;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
}

/* The lines of L in a block at X, WIDTH wide; the first in FIRST. */
static void
letter_block(struct letter_pen *p, const struct strlist *l, double x,
             double width, const PangoFontDescription *first)
{
	for (size_t i = 0; i < l->n; i++)
		letter_put(p, l->v[i], x, width, i == 0 ? first : p->regular,
		           false);
}

/* One pass over the whole letter. Returns the number of pages. */
static int
letter_pass(struct letter_pen *p, const struct letter *l)
{
	double full = LETTER_PAGE_W - LETTER_LEFT - LETTER_RIGHT;
	double right = LETTER_PAGE_W - LETTER_WINDOW - LETTER_RIGHT;
	double gap = LETTER_MM(4.0);

	p->page = 1;
	p->y = LETTER_TOP;
	letter_block(p, &l->sender, LETTER_LEFT, full, p->bold);
	p->y = p->y + LETTER_MM(8.0) > LETTER_ADDR_Y ? p->y + LETTER_MM(8.0)
	                                             : LETTER_ADDR_Y;
	letter_block(p, &l->recipient, LETTER_WINDOW, right, p->regular);
	p->y += LETTER_MM(12.0);
	letter_put(p, l->place_date, LETTER_WINDOW, right, p->regular, false);
	p->y += LETTER_MM(10.0);
	letter_put(p, l->mention, LETTER_LEFT, full, p->bold, false);
	letter_put(p, l->subject, LETTER_LEFT, full, p->bold, false);
	p->y += LETTER_MM(8.0);
	for (size_t i = 0; i < l->paragraphs.n; i++) {
		const char *para = l->paragraphs.v[i];

		if (i > 0)
			p->y += gap;
		letter_put(p, para, LETTER_LEFT, full, p->regular,
		           strncmp(para, "- ", 2) == 0);
	}
	p->y += LETTER_MM(10.0);
	/* The signature is not left alone at the top of a page. */
	if (p->y + LETTER_MM(5.0) * (double)l->signature.n >
	    LETTER_PAGE_H - LETTER_BOTTOM)
		letter_new_page(p);
	letter_block(p, &l->signature, LETTER_WINDOW, right, p->regular);
	letter_footer(p);
	return p->page;
}

static cairo_status_t
letter_write_buf(void *closure, const unsigned char *data, unsigned int len)
{
	struct buf *out = closure;

	buf_append(out, data, len);
	return buf_failed(out) ? CAIRO_STATUS_WRITE_ERROR
	                       : CAIRO_STATUS_SUCCESS;
}

int
letter_pdf(const struct letter *l, struct buf *out, struct err *e)
{
	cairo_surface_t *s;
	struct letter_pen p = {NULL, NULL, NULL, NULL, NULL, false, 1, 0, 0};
	cairo_status_t st;
	int pages = -1;

	s = cairo_pdf_surface_create_for_stream(letter_write_buf, out,
	                                        LETTER_PAGE_W, LETTER_PAGE_H);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, l->subject);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_AUTHOR,
	                               l->sender.n ? l->sender.v[0] : "");
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR,
	                               PACKAGE_NAME " " PACKAGE_VERSION);
	p.cr = cairo_create(s);
	p.layout = letter_layout(p.cr);
	p.regular = pango_font_description_from_string(LETTER_FONT);
	p.bold = pango_font_description_from_string(LETTER_FONT);
	p.small = pango_font_description_from_string(LETTER_SMALL);
	pango_font_description_set_weight(p.bold, PANGO_WEIGHT_BOLD);
	pango_layout_set_auto_dir(p.layout, FALSE);

	p.npages = letter_pass(&p, l); /* measure */
	p.draw = true;
	pages = letter_pass(&p, l);
	cairo_show_page(p.cr);

	pango_font_description_free(p.regular);
	pango_font_description_free(p.bold);
	pango_font_description_free(p.small);
	g_object_unref(p.layout);
	st = cairo_status(p.cr);
	cairo_destroy(p.cr);
	cairo_surface_finish(s);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS) {
		err_set(e, "cannot draw the letter: %s",
		        buf_failed(out) ? "out of memory"
		                        : cairo_status_to_string(st));
		return -1;
	}
	return pages;
}

/* Write all of DATA[0..LEN) to FD. 0, or -1 with errno set. */
static int
letter_write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int
letter_write_file(const char *dir, const char *name, const void *data,
                  size_t len, struct err *e)
{
	struct buf path = BUF_INIT, tmp = BUF_INIT;
	int fd = -1, rc = -1, dfd;

	if (strchr(name, '/') != NULL || name[0] == '.' || name[0] == '\0') {
		err_set(e, "bad letter file name \"%.80s\"", name);
		return -1;
	}
	buf_printf(&path, "%s/%s", dir, name);
	buf_printf(&tmp, "%s/.%s.%ld.tmp", dir, name, (long)getpid());
	if (buf_failed(&path) || buf_failed(&tmp)) {
		err_set(e, "out of memory");
		goto out;
	}
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		err_set(e, "cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	(void)unlink(buf_cstr(&tmp)); /* a leftover of ours */
	fd = open(buf_cstr(&tmp),
	          O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
	if (fd < 0) {
		err_set(e, "cannot create %s: %s", buf_cstr(&tmp),
		        strerror(errno));
		goto out;
	}
	if (letter_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		err_set(e, "cannot write %s: %s", buf_cstr(&tmp),
		        strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_set(e, "cannot write %s: %s", buf_cstr(&tmp),
		        strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(buf_cstr(&tmp), buf_cstr(&path)) < 0) {
		err_set(e, "cannot rename %s to %s: %s", buf_cstr(&tmp),
		        buf_cstr(&path), strerror(errno));
		goto out;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && tmp.len > 0)
		(void)unlink(buf_cstr(&tmp));
	buf_free(&path);
	buf_free(&tmp);
	return rc;
}
