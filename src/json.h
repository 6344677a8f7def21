/*
 * json.h -- writing JSON values into a buffer.
 */
#ifndef RELANCE_JSON_H
#define RELANCE_JSON_H

#include "buf.h"

/* json_string -- append S as a JSON string (quoted, escaped; invalid UTF-8
 * bytes become U+FFFD); NULL is written as null. */
void json_string(struct buf *out, const char *s);

/* json_key -- append "KEY": (with a leading comma unless FIRST). */
void json_key(struct buf *out, const char *key, int first);

#endif
