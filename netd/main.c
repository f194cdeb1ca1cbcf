#include <sys/stat.h>

#include "cli.h"

int main(int argc, char **argv)
{
	/* Files netd writes are meant to be read by others (bridge.conf by
	 * every qemu user, configs by admins); never inherit a stricter or
	 * looser umask from the caller. */
	umask(022);
	return cli_main(argc, argv);
}
