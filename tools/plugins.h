/* SPDX-License-Identifier: MIT */
/* Token designs loaded from outside the library (--plugin, devmem-lab(1)). */
#ifndef DML_TOOLS_PLUGINS_H
#define DML_TOOLS_PLUGINS_H

/*
 * Takes the leading `--plugin FILE` pairs off the command line, loads each
 * FILE and those named by DEVMEM_LAB_PLUGINS (colon-separated), and puts
 * every one in DEVMEM_LAB_PLUGINS so the command's own children (the
 * benchmark's callgrind runs) load them too.  Returns 0, or 2 after one
 * line on stderr.
 */
int cli_load_plugins(int *argc, char ***argv);

/* `devmem-lab conformance`: the model-based conformance suite per design. */
int run_conformance(int argc, char **argv);

#endif /* DML_TOOLS_PLUGINS_H */
