#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Issue 17: every subcommand's --help matches its section of devmem-lab(1).

usage: test_help_man.py DEVMEM_LAB MAN_PAGE

The commands are read from the page (one .SS under .SH COMMANDS each) and
from `devmem-lab --help`; the two lists must agree.  For each command, -h and
--help print its own text on stdout and exit 0, and the option names (long
and short) of its man section (the .TP tags) are the ones its --help lists.
TAP, one case per check.
"""
import re
import subprocess
import sys

LAB, MAN = sys.argv[1], sys.argv[2]
OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z0-9][A-Za-z0-9-]*)")
results = []


def case(name, ok, why=""):
    results.append((name, ok, why))


def roff_text(line):
    """A roff line's words: no macro name, font escapes or quotes."""
    line = re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", line)
    line = line.replace("\\-", "-").replace("\\&", "").replace("\\%", "")
    if line.startswith("."):
        line = line.split(None, 1)[1] if " " in line else ""
    return line.replace('"', "")


GLOBAL = "(before the command)"


def man_sections(path):
    """{command: set of options} from the man page; GLOBAL: its OPTIONS."""
    sections, command, in_commands, tag_next = {}, None, False, False
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith('.\\"'):
                continue
            if line.startswith(".SH"):
                title = roff_text(line).strip()
                in_commands = title == "COMMANDS"
                command = GLOBAL if title == "OPTIONS" else None
                if command:
                    sections[command] = set()
            elif in_commands and line.startswith(".SS"):
                command = roff_text(line).split()[0]
                sections[command] = set()
            elif line.startswith(".TP"):
                tag_next = True
                continue
            elif tag_next and command:
                sections[command] |= set(OPTION.findall(roff_text(line)))
            tag_next = False
    return sections


def help_options(text):
    """Option names of a --help text: lines "  -x ARG, --long ARG  what it does"."""
    options = set()
    for line in text.splitlines():
        if not re.match(r"^ {1,4}-", line):
            continue
        column = re.split(r"\s{2,}", line.strip())[0]
        after_option = False
        for word in column.replace(",", " ").split():
            if word.startswith("-"):
                options.add(re.match(r"--?[A-Za-z0-9][A-Za-z0-9-]*", word).group(0))
                after_option = True
            elif after_option:
                after_option = False	# the option's argument
            else:
                break
    return options


def help_commands(text):
    """The commands `devmem-lab --help` lists under "commands:"."""
    names, listing = [], False
    for line in text.splitlines():
        if line.strip() == "commands:":
            listing = True
        elif listing and not line.strip():
            break
        elif listing:
            m = re.match(r"^  (\S+)\s{2,}", line)
            if m:
                names.append(m.group(1))
    return names


def run(*args):
    return subprocess.run([LAB] + list(args), capture_output=True, text=True, timeout=30)


def difference(man, helped):
    parts = []
    if man - helped:
        parts.append("only in the man page: " + " ".join(sorted(man - helped)))
    if helped - man:
        parts.append("only in --help: " + " ".join(sorted(helped - man)))
    return "; ".join(parts)


sections = man_sections(MAN)
global_options = sections.pop(GLOBAL, set())
top = run("--help")
case("devmem-lab --help exits 0 with the command list",
     top.returncode == 0 and not top.stderr and help_commands(top.stdout),
     "exit %d, stderr %r" % (top.returncode, top.stderr))
listed = help_commands(top.stdout)
case("the options before a command: OPTIONS in the man page, devmem-lab --help",
     bool(global_options) and global_options == help_options(top.stdout),
     difference(global_options, help_options(top.stdout)) or "none found")
case("the man page and devmem-lab --help name the same commands",
     bool(sections) and sorted(sections) == sorted(listed),
     difference(set(sections), set(listed)))

for command in sorted(set(sections) | set(listed)):
    long_help, short_help = run(command, "--help"), run(command, "-h")
    first = long_help.stdout.splitlines()[:1]
    own = bool(first) and re.search(r"\b%s\b" % re.escape(command), first[0]) \
        and long_help.stdout != top.stdout
    case("%s --help: its own text on stdout, exit 0" % command,
         long_help.returncode == 0 and not long_help.stderr and own,
         "exit %d, first line %r, stderr %r" % (long_help.returncode, first, long_help.stderr))
    case("%s -h prints what --help prints" % command,
         short_help.returncode == 0 and short_help.stdout == long_help.stdout,
         "exit %d" % short_help.returncode)
    man, helped = sections.get(command, set()), help_options(long_help.stdout)
    case("%s: the man page and --help list the same options" % command,
         bool(man) and man == helped, difference(man, helped) or "no options found")

print("1..%d" % len(results))
for i, (name, ok, why) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
    if not ok and why:
        print("# " + why)
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
