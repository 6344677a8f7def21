/*
 * replay.c -- a fuzz target's regression corpus, replayed by `make check`.
 *
 * Linked with one tests/fuzz/fuzz_NAME.c (FUZZ_NAME names it) in a normal
 * build, without libFuzzer: runs LLVMFuzzerInitialize, when the target has
 * one, then LLVMFuzzerTestOneInput on each file given, or, without
 * arguments, on every file of $top_srcdir/tests/fuzz/corpus/NAME (the
 * seeds and every crasher the fuzzer ever found), from $top_srcdir so that
 * a target can read the shipped policies. Each input is handed over in a
 * buffer of its exact size, so that a sanitizer build sees a read past its
 * end. A target that finds a broken property aborts; a crash is a crash:
 * either fails the test. Prints "replay NAME: N inputs" and exits 0.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FUZZ_NAME
#error FUZZ_NAME must name the target
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run the target on the file PATH. 0, or -1 when it cannot be read. */
static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL, *bigger;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			bigger = realloc(data, cap);
			if (bigger == NULL) {
				perror(path);
				free(data);
				fclose(f);
				return -1;
			}
			data = bigger;
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		perror(path);
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* exactly LEN bytes, so that a read past the end shows */
	bigger = malloc(len ? len : 1);
	if (bigger == NULL) {
		free(data);
		return -1;
	}
	memcpy(bigger, data, len);
	free(data);
	LLVMFuzzerTestOneInput(bigger, len);
	free(bigger);
	return 0;
}

static int
replay_dir(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];
	int rc = 0;

	if (d == NULL) {
		perror(dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		fprintf(stderr, "replay %s: %s\n", FUZZ_NAME, path);
		if (replay_file(path) < 0)
			rc = -1;
		else
			(*count)++;
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	size_t count = 0;
	int rc = 0;

	if (argc == 1 && top != NULL && chdir(top) != 0) {
		perror(top);
		return 1;
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (replay_file(argv[i]) < 0)
				rc = -1;
			else
				count++;
	} else
		rc = replay_dir("tests/fuzz/corpus/" FUZZ_NAME, &count);
	printf("replay %s: %zu inputs\n", FUZZ_NAME, count);
	return rc == 0 && count > 0 ? 0 : 1;
}
