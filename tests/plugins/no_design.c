// SPDX-License-Identifier: MIT
/* A plugin that adds no design: --plugin must refuse it (exit 2). */
int devmem_lab_test_plugin_without_design;
