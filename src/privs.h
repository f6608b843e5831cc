/* Privileges, decided with libcap: what a write command needs before it starts, and
 * dropping everything in the read-only commands. */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>

struct sysroot;

/* True when the process can bypass file permissions (effective CAP_DAC_OVERRIDE): then
 * profiles must be root-owned and not group/other-writable (privs_trusted()). */
bool privs_elevated(void);

/* Clears the effective, permitted and inheritable capability sets. 0 or -errno. */
int privs_drop_all(void);

/* Whether the caller may change the configuration under root: on the live system the
 * capabilities to replace root-owned files and restore their owners (CAP_DAC_OVERRIDE,
 * CAP_CHOWN, CAP_FOWNER); under --root those, or owning the root directory; with
 * chroot set also CAP_SYS_CHROOT. 0, or -EPERM with *ret_missing naming what lacks. */
int privs_check_write(const struct sysroot *root, bool chroot, const char **ret_missing);

/* Checks, the way sudo and OpenSSH's safe_path() do, that a file read with privileges
 * cannot have been planted: st (the fstat of the open file) is a regular file owned by
 * root and not writable by group or others, and so is every directory from its parent
 * up to the top ("/" on the host, the root directory inside root; compared component
 * by component). A directory writable by others is accepted only when it is root's and
 * sticky (like /tmp: nobody else can replace what root put there). root NULL: path is on
 * the host. 0, or -EPERM with *ret_what set to the offending path (a new string). */
int privs_trusted(const struct sysroot *root, const char *path, const struct stat *st,
		  char **ret_what);

/* In a child before execve: closes every descriptor above 2 but keep (with
 * close_range(2) where the kernel has it), so nothing of ours leaks into the program. */
void privs_close_fds_but(int keep);

/* Opens path for reading with the rights of whoever asked for it: when we have
 * privileges over the file system, a child takes on the credentials (uids, gids,
 * supplementary groups; no capability) of the real user of a set-uid or
 * file-capability run, or of the user sudo (SUDO_UID, SUDO_GID), pkexec (PKEXEC_UID)
 * or doas (DOAS_USER) ran us for, opens the file and hands the descriptor back over a
 * socket (SCM_RIGHTS), so that ours never change and a user allowed to run a command as
 * root cannot make it read a file they could not. Root run by nobody else, and an
 * unprivileged user, open with their own rights. Opened O_NONBLOCK (a FIFO does not
 * block) and O_NOCTTY. The fd, or -errno (-EPERM when the child could not take the
 * caller's credentials). *ret_caller: the uid whose rights were used, or -1 for ours. */
int privs_open_as_caller(const char *path, long *ret_caller);
