/*
 * quote.h -- the new text of a reply, apart from what it quotes.
 *
 * Pure. Classification must read only what the customer wrote, never the
 * words of our own reminder quoted underneath: "Je conteste" in a quoted
 * reminder saying "if you contest..." must not count. The quoted part is
 * kept too, because a tracking ID found there is a matching signal.
 *
 * Recognised (French and English clients): '>' lines; attribution lines
 * ("Le lun. 3 nov. 2026 à 10:12, X a écrit :", "On Mon, Nov 3, 2026 at
 * 10:12 AM X wrote:", also wrapped over two lines); Outlook header blocks
 * ("De : / Envoyé : / À : / Objet :", "From: / Sent: / To: / Subject:");
 * "-----Original Message-----", "-------- Message d'origine --------",
 * "-------- Original Message --------", "Begin forwarded message:",
 * Apple Mail's and Thunderbird's forms; and the signature after "-- ".
 * Legal disclaimers and a system's boilerplate ("Ce message et ses pièces
 * jointes sont confidentiels...", "If you have received this in error",
 * "Merci de ne pas y répondre") go to neither part: Outlook writes them
 * under the signature without a "-- ", and their "litige" or "dispute" is
 * not the customer's word. A paragraph of the new text is one when it
 * holds two of their typical phrases (confidentiality, recipient, error,
 * printing, environment, do not reply, generated automatically...), never
 * the first paragraph; a paragraph after one that holds one phrase too.
 * Everything after the first quote marker is quoted text, except in a
 * bottom-posted reply (nothing written above an attribution that '>' lines
 * follow), where the lines without '>' below are the customer's.
 */
#ifndef RELANCE_QUOTE_H
#define RELANCE_QUOTE_H

#include <stdbool.h>

#include "buf.h"

/* quote_split -- append the new text of TEXT (UTF-8, LF line ends) to
 * FRESH, and the quoted part (attribution, quoted lines, Outlook blocks)
 * to QUOTED; the signature and disclaimers go to neither. Leading '>'
 * markers are removed from quoted lines. */
void quote_split(const char *text, struct buf *fresh, struct buf *quoted);

/* quote_forward -- when QUOTED (the quoted part quote_split gave) is a
 * forwarded message ("---------- Forwarded message ---------", "Begin
 * forwarded message:", "-------- Message transféré --------" then its
 * header block), append the value of its From: / De : header to FROM and
 * its text after the header block to BODY, and return true; else false,
 * FROM and BODY unchanged. A customer who forwards a bank's notice makes
 * its words theirs; the caller decides whose mail it was (ours, quoted,
 * must not count). */
bool quote_forward(const char *quoted, struct buf *from, struct buf *body);

#endif
