// SPDX-License-Identifier: MIT
/*
 * --plugin FILE: a shared object holding token designs, each added by its
 * DML_TOKEN_DESIGN() row when the object is loaded.  A plugin links nothing
 * of ours: the command exports the library's public calls (src/public.sym,
 * through its dynamic list) and the plugin binds to those, so the design
 * joins the one table the command's hosts read.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "plugins.h"

#define PLUGINS_ENV	"DEVMEM_LAB_PLUGINS"

#define LOADED_BEFORE	-1

/* Returns 0 when @path is new, LOADED_BEFORE, or EXIT_USAGE. */
static int load_one(const char *path)
{
	size_t before = dml_token_design_count();
	void *loaded = dlopen(path, RTLD_NOW | RTLD_NOLOAD);

	/* Named twice (--plugin and the environment): its designs are in. */
	if (loaded)
		return LOADED_BEFORE;
	/* RTLD_NOW: a plugin calling something we do not export fails here. */
	if (!dlopen(path, RTLD_NOW | RTLD_LOCAL)) {
		cli_bad(NULL, "--plugin", "%s", dlerror());
		return EXIT_USAGE;
	}
	if (dml_token_design_count() == before) {
		cli_bad(NULL, "--plugin", "%s added no token design", path);
		return EXIT_USAGE;
	}
	return 0;
}

static int load_listed(const char *list)
{
	char *copy = strdup(list), *save = NULL, *path;
	int err = 0;

	if (!copy)
		return EXIT_USAGE;
	for (path = strtok_r(copy, ":", &save); path && err != EXIT_USAGE;
	     path = strtok_r(NULL, ":", &save))
		err = load_one(path);
	free(copy);
	return err == EXIT_USAGE ? err : 0;
}

/* Appends @abs to the list the command's children inherit. */
static int remember(const char *abs)
{
	const char *old = getenv(PLUGINS_ENV);
	char *joined;
	int err;

	if (old && *old) {
		if (asprintf(&joined, "%s:%s", old, abs) < 0)
			return EXIT_USAGE;
	} else {
		joined = strdup(abs);
		if (!joined)
			return EXIT_USAGE;
	}
	err = setenv(PLUGINS_ENV, joined, 1) ? EXIT_USAGE : 0;
	free(joined);
	return err;
}

int cli_load_plugins(int *argc, char ***argv)
{
	const char *inherited = getenv(PLUGINS_ENV);
	char **av = *argv, abs[PATH_MAX];
	int ac = *argc, err;

	if (inherited && *inherited && (err = load_listed(inherited)))
		return err;
	while (ac > 1 && !strcmp(av[1], "--plugin")) {
		if (ac < 3) {
			cli_bad(NULL, "--plugin", "missing value");
			return EXIT_USAGE;
		}
		/*
		 * Absolute, so dlopen() does not search the library path for a
		 * bare name and a child in another directory finds it.
		 */
		if (!realpath(av[2], abs)) {
			cli_bad(NULL, "--plugin", "%s: %s", av[2], strerror(errno));
			return EXIT_USAGE;
		}
		err = load_one(abs);
		if (err == EXIT_USAGE || (!err && (err = remember(abs))))
			return err;
		/* The program name moves up over the pair it consumed. */
		av[2] = av[0];
		av += 2;
		ac -= 2;
	}
	*argc = ac;
	*argv = av;
	return 0;
}
