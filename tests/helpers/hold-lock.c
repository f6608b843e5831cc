/* Holds amdgpu-tune's lock file (an fcntl write lock) until stdin closes or it is
 * killed, printing "locked" once it has it. Usage: hold-lock FILE */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	char c;
	int fd;

	if (argc != 2)
		return 2;
	fd = open(argv[1], O_RDWR | O_CREAT, 0600);
	if (fd < 0 || fcntl(fd, F_SETLKW, &fl) < 0)
		return 1;
	printf("locked\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return 0;
}
