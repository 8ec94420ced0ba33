#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Issue 17's documentation tests (meson suite 'docs').

    test_docs.py current GENERATED.md COMMITTED.md
        docs/api.md is what scripts/gen-api-doc makes of the headers now.
    test_docs.py man PAGE.3
        groff -man -ww finds nothing to warn about (77 without groff).
    test_docs.py script GEN-API-DOC FIXTURE_DIR
        the generator refuses incomplete kernel-doc, naming header:line,
        and documents a complete header (TAP).
"""
import difflib
import os
import shutil
import subprocess
import sys
import tempfile


def current(generated, committed):
	with open(generated, encoding='utf-8') as f:
		gen = f.read().splitlines(keepends=True)
	try:
		with open(committed, encoding='utf-8') as f:
			com = f.read().splitlines(keepends=True)
	except FileNotFoundError:
		com = []
	if gen == com:
		print('docs/api.md is current')
		return 0
	sys.stdout.writelines(difflib.unified_diff(com, gen, 'docs/api.md (committed)',
						   'docs/api.md (generated)'))
	build = os.path.dirname(os.path.dirname(os.path.abspath(generated)))
	print('\ndocs/api.md differs from the headers\' kernel-doc; regenerate and commit it:\n'
	      '    run: ninja -C %s docs/api.md && cp %s %s' %
	      (build, os.path.abspath(generated), os.path.abspath(committed)))
	return 1


def man(page):
	groff = shutil.which('groff')
	if not groff:
		print('groff not installed: skipped')
		return 77
	r = subprocess.run([groff, '-man', '-Tutf8', '-ww', '-z', page],
			   capture_output=True, text=True)
	if r.returncode != 0 or r.stderr or r.stdout:
		sys.stdout.write(r.stdout + r.stderr)
		print('groff -man -ww -z %s: exit %d, warnings above' % (page, r.returncode))
		return 1
	print('%s: no groff warnings' % page)
	return 0


class Tap:
	def __init__(self):
		self.n = 0
		self.failed = 0

	def ok(self, cond, desc, detail=''):
		self.n += 1
		if not cond:
			self.failed += 1
			for line in detail.splitlines():
				print('# ' + line)
		print('%s %d - %s' % ('ok' if cond else 'not ok', self.n, desc))


def run_gen(script, headers, tmp):
	md = os.path.join(tmp, 'api.md')
	page = os.path.join(tmp, 'page.3')
	for p in (md, page):
		if os.path.exists(p):
			os.unlink(p)
	r = subprocess.run([sys.executable, script] + headers +
			   ['--markdown', md, '--man', page],
			   capture_output=True, text=True)
	return r, md, page


def script(gen, fixtures):
	t = Tap()
	bad = os.path.join(fixtures, 'bad.h')
	good = os.path.join(fixtures, 'good.h')
	with tempfile.TemporaryDirectory() as tmp:
		r, md, page = run_gen(gen, [bad], tmp)
		t.ok(r.returncode == 1, 'issue 17: an incomplete header exits 1',
		     'exit %d\n%s' % (r.returncode, r.stderr))
		expect = [
			('bad.h:15: fx_size() returns int but has no "Return:" line',
			 'a missing Return: is named at its line'),
			('bad.h:23: fx_resize() parameter size is undocumented',
			 'an undocumented parameter is named at its line'),
			('bad.h:26: fx_undocumented() has no kernel-doc comment',
			 'a function without kernel-doc is named at its line'),
			('bad.h:32: fx_misnamed() is documented as fx_other_name()',
			 'a comment naming another function is named at its line'),
		]
		for line, desc in expect:
			t.ok(line in r.stderr.splitlines(), 'issue 17: ' + desc,
			     'expected: %s\ngot:\n%s' % (line, r.stderr))
		problems = [l for l in r.stderr.splitlines() if l.startswith('bad.h:')]
		t.ok(len(problems) == len(expect), 'issue 17: nothing else is reported',
		     r.stderr)
		t.ok(not os.path.exists(md) and not os.path.exists(page),
		     'issue 17: a refused header writes no output')

		r, md, page = run_gen(gen, [good], tmp)
		t.ok(r.returncode == 0 and r.stderr == '', 'issue 17: a complete header passes',
		     'exit %d\n%s' % (r.returncode, r.stderr))
		text = open(md, encoding='utf-8').read() if r.returncode == 0 else ''
		t.ok('int fx_create(const struct fx_config *cfg, struct fx_obj **out);' in text,
		     'issue 17: a multi-line prototype is joined as declared', text)
		t.ok('static inline size_t fx_twice(size_t n);' in text,
		     'issue 17: an inline definition is documented by its prototype', text)
		t.ok('- `-EINVAL`: for a zero size\n- `-ENOMEM`\n' in text,
		     'issue 17: Errors lists each errno of Return:, with its reason', text)
		t.ok('### objects: made and freed' in text and
		     text.index('### objects') < text.index('fx_create()') <
		     text.index('### inline helpers') < text.index('fx_twice()'),
		     'issue 17: calls are grouped by the header\'s section comments', text)
		t.ok('`struct fx_config`: what `fx_create()` takes.' in text and
		     '| `unsigned int size` | bytes. |' in text and
		     '| `unsigned int flags` | 0 |' in text,
		     'issue 17: a struct\'s kernel-doc and member comments fill its table', text)
		t.ok('- `struct fx_obj`' in text, 'issue 17: the opaque objects are listed', text)
		roff = open(page, encoding='utf-8').read() if r.returncode == 0 else ''
		t.ok('.SH FUNCTIONS' in roff and 'fx_destroy' in roff and
		     '.BR devmem-lab (1)' in roff,
		     'issue 17: the man page has every call and SEE ALSO devmem-lab(1)', roff)
	print('1..%d' % t.n)
	return 1 if t.failed else 0


def main(argv):
	if len(argv) == 4 and argv[1] == 'current':
		return current(argv[2], argv[3])
	if len(argv) == 3 and argv[1] == 'man':
		return man(argv[2])
	if len(argv) == 4 and argv[1] == 'script':
		return script(argv[2], argv[3])
	print(__doc__, file=sys.stderr)
	return 2


if __name__ == '__main__':
	sys.exit(main(sys.argv))
