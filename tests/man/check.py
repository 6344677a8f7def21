#!/usr/bin/env python3
"""check.py -- every option, configuration key and policy keyword of the
code is documented in its man page, in bold (where the pages put what is
typed as is).

Read from the sources: relance's commands, global options, long options
and environment variables (src/cli.c), relance-milter's options (the
getopt string of src/daemon.c) and environment variables, the keys of
relance.conf (src/conf.c's key table), and the policy files' sections,
directives and their words (src/policy.c's tables). Each page is rendered by groff (no hyphenation, long lines) and
its bold words are collected; a name missing from them is reported as
"PAGE: NAME (SOURCE:LINE) is not documented".

    check.py [-v] SRCDIR    exit 0 when all are documented, 1 otherwise;
                            -v: how many names each page was checked for
"""
import os
import re
import subprocess
import sys


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def table(text, start, end_marker="};"):
    """The text of the C initialiser that begins at START (a regex)."""
    m = re.search(start, text)
    if m is None:
        raise SystemExit("check.py: cannot find %r" % start)
    end = text.index(end_marker, m.end())
    return m.start(), text[m.start():end]


def strings_in(text, start, offset=0):
    """Every "string" of the table at START, with its line."""
    pos, body = table(text, start)
    return [(s.group(1), line_of(text, pos + s.start()))
            for s in re.finditer(r'"([^"\\]*)"', body)]


def cli_names(src):
    """relance(1): commands, global and long options, environment."""
    path = os.path.join(src, "cli.c")
    text = read(path)
    names = []
    pos, body = table(text, r"static const struct command commands\[\] =",
                      "{NULL, NULL")
    for m in re.finditer(r'^\s*\{"([a-z-]+)", cmd_', body, re.M):
        names.append((m.group(1), line_of(text, pos + m.start())))
    for m in re.finditer(r'\{"([a-z-]+)", (?:no|required|optional)_argument',
                         text):
        names.append(("--" + m.group(1), line_of(text, m.start())))
    pos, body = table(text, r"\nglobal_options\(", "\n}\n")
    for m in re.finditer(r'strcmp\(argv\[i\], "(-[^"]+)"\)', body):
        names.append((m.group(1), line_of(text, pos + m.start())))
    return path, names + env_names(text)


def env_names(text):
    """The environment variables the program reads (ENVIRONMENT)."""
    return [(m.group(1), line_of(text, m.start()))
            for m in re.finditer(r'getenv\("([A-Z_]+)"\)', text)]


def daemon_names(src):
    """relance-milter(8): its getopt string's options, environment."""
    path = os.path.join(src, "daemon.c")
    text = read(path)
    m = re.search(r'getopt\(argc, argv, "([^"]+)"\)', text)
    if m is None:
        raise SystemExit("check.py: no getopt string in daemon.c")
    line = line_of(text, m.start())
    return path, [("-" + c, line) for c in m.group(1)
                  if c != ":"] + env_names(text)


def conf_names(src):
    """relance.conf(5): the keys of config_keys[]."""
    path = os.path.join(src, "conf.c")
    text = read(path)
    pos, body = table(text, r"static const struct config_key config_keys\[\] =")
    return path, [(m.group(1), line_of(text, pos + m.start()))
                  for m in re.finditer(r'CONFIG_\w*KEY\("([^"]+)"', body)]


def policy_names(src):
    """relance.policy(5): sections, directives and the words they take."""
    path = os.path.join(src, "policy.c")
    text = read(path)
    names = []
    # section headers and directives: the first string of each entry
    for m in re.finditer(r'^\s*\{"([a-z-]+)", -?\d+, ', text, re.M):
        names.append((m.group(1), line_of(text, m.start())))
    for m in re.finditer(r'^static const struct directive \w+\[\] = \{\n'
                         r'(?:.*\n)*?\};', text, re.M):
        for d in re.finditer(r'^\s*\{"([a-z-]+)", ', m.group(0), re.M):
            names.append((d.group(1),
                          line_of(text, m.start() + d.start())))
    # the words of the directives
    for start in (r"channel_names\[\] =", r"event_names\[\] =",
                  r"action_names\[\] =", r"class_names\[\] =",
                  r"day_names\[\] ="):
        names += [(s, l) for s, l in strings_in(text, start) if s != "unset"]
    names += strings_in(text, r"policy_placeholders\[\] =")
    # the step's modifiers and "thanks none"
    for word in ("attach", "template", "none"):
        m = re.search(r'strcmp\(v\[\w+\], "%s"\) [!=]= 0' % word, text)
        if m is None:
            raise SystemExit("check.py: no \"%s\" in policy.c" % word)
        names.append((word, line_of(text, m.start())))
    return path, names


def bold_words(page):
    """The words the rendered PAGE shows in bold."""
    out = subprocess.run(
        ["groff", "-k", "-man", "-Tutf8", "-rHY=0", "-rLL=250n", "-P-c",
         "-P-u", page], check=True, capture_output=True).stdout
    # minus signs and hyphens as typed
    text = out.decode("utf-8").replace("\u2212", "-").replace("\u2010", "-")
    words = set()
    for run in re.finditer(r"(?:(.)\x08\1)+", text):
        bold = re.sub(r".\x08", "", run.group(0))
        words.add(bold)
        words.update(w for w in re.split(r"[\s,;()\[\]|=]+", bold) if w)
        words.update(w.rstrip(".:") for w in re.split(r"[\s,;()\[\]|]+", bold))
    return words


def main():
    verbose = sys.argv[1:2] == ["-v"]
    src = sys.argv[-1]
    # each page, where its names come from, and at least how many there
    # are today (fewer means the extraction broke, not the code)
    checks = [("relance.1", cli_names, 30),
              ("relance-milter.8", daemon_names, 8),
              ("relance.conf.5", conf_names, 25),
              ("relance.policy.5", policy_names, 70)]
    missing = 0
    for page, extract, least in checks:
        path, names = extract(src)
        if len(set(n for n, _ in names)) < least:
            print("%s: only %d names found in %s: the extraction is broken"
                  % (page, len(names), path))
            missing += 1
            continue
        words = bold_words(os.path.join(src, page))
        seen = set()
        for name, line in names:
            if name in seen:
                continue
            seen.add(name)
            if name not in words:
                print("%s: %s (%s:%d) is not documented"
                      % (page, name, os.path.relpath(path, src + "/.."),
                         line))
                missing += 1
        if verbose:
            print("%s: %d names checked" % (page, len(seen)))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
