/* netd edit. The editor runs without netd's lock held (an editor may stay
 * open for an hour; status, boot and apply must not wait for it); the lock
 * is taken to store, and the stored file must then still be what was
 * copied, or another netd changed it meanwhile and nothing is stored. */
#include "edit.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "model.h"

/* The temp file goes on every path out. */
static void edit_unlinkp(char (*path)[PATH_MAX])
{
	if ((*path)[0])
		(void)unlink(*path);
}

static const char *edit_editor(void)
{
	const char *v = getenv("VISUAL");

	if (!v || !v[0])
		v = getenv("EDITOR");
	return v && v[0] ? v : "vi";
}

/* As git runs it: through the shell, so that EDITOR may carry arguments
 * ("emacs -nw"), the file as "$1". netd ignores ^C meanwhile: it is the
 * editor's to handle, and netd must still remove the temp file. */
static int edit_spawn(const char *editor, const char *path, struct nerr *e)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, oint, oquit;
	_cleanup_free_ char *script = NULL;
	pid_t pid, w;
	int st;

	if (asprintf(&script, "%s \"$@\"", editor) < 0) {
		script = NULL;
		return nerr_set(e, -ENOMEM, "edit: out of memory");
	}
	(void)sigemptyset(&ign.sa_mask);
	(void)fflush(stdout);
	(void)fflush(stderr);
	pid = fork();
	if (pid < 0)
		return nerr_set(e, -errno, "edit: fork: %s", strerror(errno));
	if (pid == 0) {
		/* The editor gets the terminal and nothing else of netd's:
		 * libnftables' netlink sockets are not close-on-exec. */
		(void)close_range(3, ~0U, 0);
		execl("/bin/sh", "sh", "-c", script, editor, path, (char *)NULL);
		_exit(127);
	}
	(void)sigaction(SIGINT, &ign, &oint);
	(void)sigaction(SIGQUIT, &ign, &oquit);
	while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	(void)sigaction(SIGINT, &oint, NULL);
	(void)sigaction(SIGQUIT, &oquit, NULL);
	if (w < 0)
		return nerr_set(e, -errno, "edit: wait for the editor: %s", strerror(errno));
	if (WIFSIGNALED(st))
		return nerr_set(e, -EINTR, "editor '%s' was killed by signal %d", editor,
				WTERMSIG(st));
	if (WEXITSTATUS(st) == 127)
		return nerr_set(e, -ENOENT, "editor '%s' could not be run (exit status 127)",
				editor);
	if (WEXITSTATUS(st) != 0)
		return nerr_set(e, -ECANCELED, "editor '%s' exited with status %d", editor,
				WEXITSTATUS(st));
	return 0;
}

/* Ask on the terminal; false on "n", end of input or when stdin is not a
 * terminal (a script cannot answer, and must not loop). */
static bool edit_again(void)
{
	char line[64];

	if (!isatty(STDIN_FILENO))
		return false;
	for (int tries = 0; tries < 5; tries++) {
		fputs("Try again? [y/n]: ", stderr);
		(void)fflush(stderr);
		if (!fgets(line, sizeof line, stdin))
			return false;
		char *a = line + strspn(line, " \t");

		if (*a == 'y' || *a == 'Y')
			return true;
		if (*a == 'n' || *a == 'N')
			return false;
	}
	return false;
}

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* Store n under the lock, unless the stored file is no longer 'orig'. A
 * failure of define (a clash, another uuid) is the edit's, in ve: the user
 * may edit again. -EAGAIN: the store changed under us (message in e). */
static int edit_store(const struct store *s, const char *name, const char *conf, const char *orig,
		      size_t olen, struct net *n, struct nerr *ve, struct nerr *e)
{
	_cleanup_store_ struct store ls = { .lock_fd = -1 };
	_cleanup_free_ char *now = NULL;
	size_t nlen = 0;
	bool replaced;
	int r;

	(void)s;
	if ((r = store_open(&ls, true, e)) < 0)
		return r;
	r = nd_read_file(conf, &now, &nlen);
	if (r < 0 || !same(orig, olen, now, nlen))
		return nerr_set(e, -EAGAIN,
				"network %s: %s changed while it was being edited (another netd "
				"run?); nothing stored: run 'netd edit %s' again",
				name, conf, name);
	return store_define(&ls, n, &replaced, ve) < 0 ? 1 : 0;
}

/* One round: the editor, then the checks. Returns 0 stored, 1 unchanged,
 * 2 invalid (ve says why), or a negative errno (e). */
static int edit_round(struct store *s, const char *name, const char *conf, const char *tmp,
		      const char *orig, size_t olen, struct nerr *ve, struct nerr *e)
{
	_cleanup_net_ struct net n = { 0 };
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r;

	if ((r = edit_spawn(edit_editor(), tmp, e)) < 0)
		return nerr_wrap(e, r, "network %s: nothing stored", name);
	if ((r = nd_read_file(tmp, &data, &len)) < 0)
		return nerr_set(e, r, "network %s: read %s: %s; nothing stored", name, tmp,
				nd_strerror(r));
	if (same(orig, olen, data, len))
		return 1;
	if (net_load_file(tmp, &n, ve) < 0)
		return 2;
	if (strcmp(n.name, name) != 0)
		return nerr_set(ve, 2,
				"%s: names network '%s': 'netd edit %s' cannot rename it (define "
				"the new name from a file, then undefine %s)",
				tmp, n.name, name, name);
	r = edit_store(s, name, conf, orig, olen, &n, ve, e);
	return r < 0 ? r : r ? 2 : 0;
}

static int edit_copy(const char *name, const char *orig, size_t olen, char (*tmp)[PATH_MAX],
		     struct nerr *e)
{
	const char *dir = getenv("TMPDIR");
	_cleanup_close_ int fd = -1;
	int r;

	if (!dir || dir[0] != '/')
		dir = "/tmp";
	if (nd_snprintf(*tmp, sizeof *tmp, "%s/netd-edit-%s-XXXXXX.xml", dir, name) < 0) {
		(*tmp)[0] = '\0';
		return nerr_set(e, -ENAMETOOLONG, "network %s: temp file name too long", name);
	}
	fd = mkostemps(*tmp, 4, O_CLOEXEC); /* mode 0600 */
	if (fd < 0) {
		r = -errno;
		nerr_set(e, r, "network %s: create a temp file in %s: %s", name, dir,
			 strerror(errno));
		(*tmp)[0] = '\0';
		return r;
	}
	if ((r = nd_write_all(fd, orig, olen)) < 0 || (fsync(fd) < 0 && (r = -errno)))
		return nerr_set(e, r, "network %s: write %s: %s", name, *tmp, strerror(-r));
	return 0;
}

int edit_run(struct store *s, const char *name, FILE *out, struct nerr *e)
{
	__attribute__((cleanup(edit_unlinkp))) char tmp[PATH_MAX] = "";
	_cleanup_free_ char *orig = NULL;
	char conf[PATH_MAX];
	size_t olen = 0;
	int r;

	if (store_conf_path(s, name, conf, sizeof conf) < 0)
		return nerr_set(e, -ENAMETOOLONG, "network %s: config path too long", name);
	if (!store_exists(s, name))
		return nerr_set(e, -ENOENT, "network %s: not defined (no %s)", name, conf);
	if ((r = nd_read_file(conf, &orig, &olen)) < 0)
		return nerr_set(e, r, "network %s: read %s: %s", name, conf, nd_strerror(r));
	if ((r = edit_copy(name, orig, olen, &tmp, e)) < 0)
		return r;
	for (;;) {
		struct nerr ve = { { 0 } };

		r = edit_round(s, name, conf, tmp, orig, olen, &ve, e);
		if (r < 0)
			return r;
		if (r == 1) {
			fprintf(out, "network '%s' XML configuration not changed\n", name);
			return 0;
		}
		if (r == 0)
			break;
		fprintf(stderr, "netd: %s\n", ve.msg);
		if (!edit_again())
			return nerr_set(
				e, -EINVAL,
				"network %s: the edited config is not valid; nothing stored", name);
	}
	fprintf(out, "network '%s' XML configuration edited\n", name);
	if (store_active(s, name))
		fprintf(out,
			"network '%s' is running: changes take effect at 'netd reload %s' or "
			"next start\n",
			name, name);
	return 0;
}
