/* The command handlers, one file each (cmd-*.c): parse the arguments, call the
 * operation, render, print, pick the exit code. */
#pragma once

#include "cli.h"

struct sysroot;

int cmd_show(struct sysroot *root, const struct options *o, int argc, char **argv);

int cmd_check(struct sysroot *root, const struct options *o, int argc, char **argv);

int cmd_profiles(struct sysroot *root, const struct options *o, int argc, char **argv);

int cmd_detect(struct sysroot *root, const struct options *o, int argc, char **argv);

int cmd_diff(struct sysroot *root, const struct options *o, int argc, char **argv);

int cmd_status(struct sysroot *root, const struct options *o, int argc, char **argv);

int cmd_apply(struct sysroot *root, const struct options *o, int argc, char **argv);

int cmd_reapply(struct sysroot *root, const struct options *o, int argc, char **argv);

int cmd_rollback(struct sysroot *root, const struct options *o, int argc, char **argv);

int cmd_remove(struct sysroot *root, const struct options *o, int argc, char **argv);

int cmd_confirm(struct sysroot *root, const struct options *o, int argc, char **argv);

int cmd_snapshots(struct sysroot *root, const struct options *o, int argc, char **argv);
