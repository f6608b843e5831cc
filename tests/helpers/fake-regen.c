/* A stand-in for update-grub and update-initramfs inside a test root, built static so
 * it runs after chroot. It appends its argv, environment and open fds above 2 to
 * /var/log/fake-regen.log, then fails when /etc/fake-regen/fail-NAME exists (or
 * fail-once-NAME, which it removes), and sleeps 2 s when sleep-NAME exists. Signals it
 * inherited as ignored or blocked, and a file size limit, are logged too. */
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	char path[256], cwd[256];
	FILE *log;

	log = fopen("/var/log/fake-regen.log", "a");
	if (!log)
		return 2;
	fprintf(log, "argv:");
	for (int i = 0; i < argc; i++)
		fprintf(log, " %s", argv[i]);
	fprintf(log, "\ncwd: %s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	for (char **e = environ; *e; e++)
		fprintf(log, "env: %s\n", *e);
	for (int fd = 3; fd < 256; fd++)
		if (fcntl(fd, F_GETFD) >= 0 && fd != fileno(log))
			fprintf(log, "open fd: %d\n", fd);
	{
		sigset_t blocked;
		struct rlimit fsize;

		sigprocmask(SIG_BLOCK, NULL, &blocked);
		for (int s = 1; s < 32; s++) {
			struct sigaction sa;

			if (sigaction(s, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
				fprintf(log, "ignored signal: %d\n", s);
			if (sigismember(&blocked, s) == 1)
				fprintf(log, "blocked signal: %d\n", s);
		}
		if (getrlimit(RLIMIT_FSIZE, &fsize) == 0 &&
		    fsize.rlim_cur != RLIM_INFINITY)
			fprintf(log, "file size limit: %llu\n",
				(unsigned long long)fsize.rlim_cur);
	}
	fclose(log);
	snprintf(path, sizeof(path), "/etc/fake-regen/sleep-%s", name);
	if (access(path, F_OK) == 0)
		sleep(2);
	snprintf(path, sizeof(path), "/etc/fake-regen/fail-once-%s", name);
	if (unlink(path) == 0)
		return 1;
	snprintf(path, sizeof(path), "/etc/fake-regen/fail-%s", name);
	return access(path, F_OK) == 0 ? 1 : 0;
}
