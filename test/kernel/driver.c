/*
 * Kernel side of the fdwarden differential harness (see README.md): runs
 * syscall programs and reports, after every step, the result plus the whole
 * fd table and cwd.   usage: driver PROGRAM-FILE|- [TMPDIR]
 *
 * The supervisor parses all input, then forks one worker per program. The
 * worker closes EVERY fd, so the program starts with an empty table and the
 * harness owns no fd it could see, reuse or close (close_range(0, ~0U) is a
 * legal step); reports go to a MAP_SHARED buffer, not a pipe, for that reason.
 *
 * fd scan: an fd on /proc/self/fd, even parked high, would be part of the
 * table under test (close_range or dup2 can hit it; opening it briefly takes
 * the lowest free slot). Instead we probe 0..nofile-1 with F_GETFD, which
 * allocates nothing. That range holds every fd: the table starts empty and
 * the kernel never creates one at or above RLIMIT_NOFILE (EMFILE for
 * open/pipe, EBADF for dup2/dup3, EINVAL for F_DUPFD). Links come from
 * readlink("/proc/self/fd/N"), which opens nothing either.
 *
 * Sandbox: root = T/@/.../@ (CHAIN levels), T = mkdtemp(TMPDIR/fdwarden-XXXXXX),
 * reset between programs; ".." above the root stays inside T, and a program
 * climbing past GUARD levels is stopped before it could leave.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#define CHAIN 32
#define GUARD 24
#define REPORT_BYTES (64u << 20)
#define MAX_NOFILE 4096
#define MAX_DEPTH 8

enum op { OP_OPENAT, OP_OPENAT2, OP_MKDIRAT, OP_UNLINKAT, OP_RENAMEAT2, OP_LINKAT, OP_SYMLINKAT, OP_CLOSE,
	  OP_DUP, OP_DUP2, OP_DUP3, OP_FCNTL, OP_CLOSE_RANGE, OP_CHDIR, OP_FCHDIR, OP_PIPE2, OP_FORK, NOPS };

/* Argument kinds in order: n = integer, s = string. */
static const struct { const char *name, *args; } ops[NOPS] = {
	[OP_OPENAT] = {"openat", "nsnn"}, [OP_OPENAT2] = {"openat2", "nsnnn"},
	[OP_MKDIRAT] = {"mkdirat", "nsn"}, [OP_UNLINKAT] = {"unlinkat", "nsn"},
	[OP_RENAMEAT2] = {"renameat2", "nsnsn"}, [OP_LINKAT] = {"linkat", "nsnsn"},
	[OP_SYMLINKAT] = {"symlinkat", "sns"}, [OP_CLOSE] = {"close", "n"},
	[OP_DUP] = {"dup", "n"}, [OP_DUP2] = {"dup2", "nn"}, [OP_DUP3] = {"dup3", "nnn"},
	[OP_FCNTL] = {"fcntl", "nnn"}, [OP_CLOSE_RANGE] = {"close_range", "nnn"},
	[OP_CHDIR] = {"chdir", "s"}, [OP_FCHDIR] = {"fchdir", "n"}, [OP_PIPE2] = {"pipe2", "n"},
	[OP_FORK] = {"fork", ""},
};

struct steps { struct step *v; int n, cap; };
struct step {
	enum op op;
	int index; /* flat report order */
	long long n[5];
	char *s[2];
	struct steps child; /* fork only */
};
struct program { long long nofile; struct steps setup, main; };

static struct program *progs;
static int nprogs, progcap;
static void run_steps(const struct steps *steps);

/* ---------- input ---------- */

static FILE *in;
static int lineno, counter;
static char *line;
static size_t linecap;

#define die(...) (fputs("driver: ", stderr), fprintf(stderr, __VA_ARGS__), fputc('\n', stderr), exit(2))

static void *grow(void *v, int *cap, size_t elem) {
	*cap = *cap ? *cap * 2 : 16;
	if (!(v = realloc(v, (size_t)*cap * elem))) die("out of memory");
	return v;
}

/* Next non-blank, non-comment line without its newline. At EOF: NULL, or
 * an error naming what was expected. */
static char *next_line(const char *expected) {
	ssize_t len;
	while ((len = getline(&line, &linecap, in)) >= 0) {
		lineno++;
		if ((size_t)len != strlen(line)) die("input:%d: NUL byte", lineno);
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
		if (len && line[0] != '#') return line;
	}
	if (expected) die("input: unexpected end of input, expected %s", expected);
	return NULL;
}

/* "=<bytes, with %XX escapes>" */
static char *parse_string(const char *tok, int argno, const char *op) {
	if (tok[0] != '=') die("input:%d: argument %d of %s must be a string (=...), got \"%s\"", lineno, argno, op, tok);
	char *out = malloc(strlen(tok)), *o = out;
	if (!out) die("out of memory");
	for (const char *p = tok + 1; *p; o++) {
		unsigned v;
		if (*p != '%') { *o = *p++; continue; }
		if (sscanf(p + 1, "%2x", &v) != 1 || !v || strspn(p + 1, "0123456789abcdefABCDEF") < 2)
			die("input:%d: bad %%-escape in argument %d of %s", lineno, argno, op);
		*o = (char)v;
		p += 3;
	}
	*o = 0;
	return out;
}

static long long parse_number(const char *tok, int argno, const char *op) {
	char *end;
	errno = 0;
	long long v = strtoll(tok, &end, 10);
	if (!*tok || *end || errno) die("input:%d: argument %d of %s must be a decimal integer, got \"%s\"", lineno, argno, op, tok);
	return v;
}

static void parse_steps(struct steps *out, const char *terminator, int depth) {
	char *l, *save;
	while (strcmp(l = next_line(terminator), terminator)) {
		const char *name = strtok_r(l, " ", &save);
		int k = 0, ni = 0, si = 0, argno = 0;
		while (k < NOPS && strcmp(ops[k].name, name)) k++;
		if (k == NOPS) die("input:%d: unknown step \"%s\"", lineno, name);
		if (out->n == out->cap) out->v = grow(out->v, &out->cap, sizeof *out->v);
		struct step st = {.op = (enum op)k, .index = counter++};
		for (const char *kind = ops[k].args; *kind; kind++) {
			char *tok = strtok_r(NULL, " ", &save);
			if (!tok) die("input:%d: %s needs %zu arguments, got %d", lineno, name, strlen(ops[k].args), argno);
			argno++;
			if (*kind == 's') st.s[si++] = parse_string(tok, argno, name);
			else st.n[ni++] = parse_number(tok, argno, name);
		}
		if (strtok_r(NULL, " ", &save)) die("input:%d: %s takes %zu arguments, got more", lineno, name, strlen(ops[k].args));
		if (st.op == OP_FORK) {
			if (depth >= MAX_DEPTH) die("input:%d: forks nested too deeply", lineno);
			parse_steps(&st.child, "endfork", depth + 1);
		}
		out->v[out->n++] = st;
	}
}

static void parse_input(void) {
	char *l = next_line("the header");
	if (strcmp(l, "fdwarden 1")) die("input:%d: expected header \"fdwarden 1\", got \"%s\"", lineno, l);
	while ((l = next_line(NULL))) {
		if (strncmp(l, "program ", 8)) die("input:%d: expected \"program NOFILE\", got \"%s\"", lineno, l);
		if (nprogs == progcap) progs = grow(progs, &progcap, sizeof *progs);
		struct program *p = &progs[nprogs++];
		*p = (struct program){.nofile = parse_number(l + 8, 1, "program")};
		if (p->nofile < 1 || p->nofile > MAX_NOFILE) die("input:%d: nofile must be in 1..%d", lineno, MAX_NOFILE);
		counter = 0;
		if (strcmp(l = next_line("\"setup\""), "setup")) die("input:%d: expected \"setup\", got \"%s\"", lineno, l);
		parse_steps(&p->setup, "main", 0);
		parse_steps(&p->main, "end", 0);
	}
}

/* ---------- report (shared by the worker and its fork children) ---------- */

struct report { size_t len; char data[]; };
static struct report *rep;
static char tdir[PATH_MAX], root[PATH_MAX]; /* T (resolved) and T + "/@" * CHAIN */
static size_t tdir_len;
static long long nofile;
static unsigned timeout_s = 10; /* FDWARDEN_DRIVER_TIMEOUT overrides it, for tests */

/* printf into the shared buffer; vsnprintf opens no fd. */
static void emit(const char *fmt, ...) {
	size_t room = REPORT_BYTES - sizeof *rep - rep->len;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(rep->data + rep->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room - 64) {
		rep->len += (size_t)snprintf(rep->data + rep->len, room, "\nx report buffer full\n");
		_exit(3);
	}
	rep->len += (size_t)n;
}

/* Bytes outside printable non-space ASCII, and '%', are %-escaped. */
static const char *enc(const char *s, char *buf) {
	char *o = buf;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		o += *p > 0x20 && *p < 0x7f && *p != '%' ? sprintf(o, "%c", *p) : sprintf(o, "%%%02x", *p);
	*o = 0;
	return buf;
}

/* Worker-side fatal error: recorded in the report, exit status 3. */
static void fail(const char *msg, const char *detail) {
	static char buf[PATH_MAX * 4];
	emit("x %s%%3a%%20%s\n", msg, enc(detail, buf));
	_exit(3);
}

/*
 * T/@/.../@/rest -> "@" + "/.." per missing chain level + rest. Stops the
 * run above GUARD, or at anything on the way up from T (a real escape).
 */
static const char *normalise(const char *path, char *out) {
	if (strncmp(path, tdir, tdir_len) || (path[tdir_len] != '/' && path[tdir_len])) {
		size_t n = strlen(path);
		if (path[0] == '/' && (n == 1 || (!strncmp(tdir, path, n) && tdir[n] == '/')))
			fail("program%20escaped%20the%20sandbox", path);
		return strcpy(out, path);
	}
	const char *rest = path + tdir_len;
	int c = 0;
	while (c < CHAIN && !strncmp(rest, "/@", 2) && (rest[2] == '/' || !rest[2] || !strcmp(rest + 2, " (deleted)")))
		rest += 2, c++;
	if (CHAIN - c > GUARD) fail("program%20climbed%20too%20far%20above%20@", path);
	char *o = out + sprintf(out, "@");
	for (int i = c; i < CHAIN; i++) o += sprintf(o, "/..");
	strcpy(o, rest);
	return out;
}

static void observe(int index, long ret, int err) {
	static char buf[PATH_MAX + 64], norm[PATH_MAX * 2], e[PATH_MAX * 6];
	static int fds[MAX_NOFILE];
	int n = 0;
	/* Raw getcwd: libc would fall back to a path walk instead of ENOENT. */
	long c = syscall(SYS_getcwd, buf, sizeof buf);
	int cwd_errno = c < 0 ? errno : 0;
	for (int fd = 0; fd < nofile; fd++)
		if (syscall(SYS_fcntl, fd, F_GETFD) >= 0) fds[n++] = fd;
	if (cwd_errno) emit("o %d %ld %d !%d %d\n", index, ret, err, cwd_errno, n);
	else emit("o %d %ld %d =%s %d\n", index, ret, err, enc(normalise(buf, norm), e), n);
	for (int i = 0; i < n; i++) {
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", fds[i]);
		ssize_t l = readlink(proc, buf, sizeof buf - 1);
		if (l < 0) fail("readlink%20failed", proc);
		buf[l] = 0;
		emit("f %d %ld %ld =%s\n", fds[i], syscall(SYS_fcntl, fds[i], F_GETFD),
		     syscall(SYS_fcntl, fds[i], F_GETFL), enc(normalise(buf, norm), e));
	}
}

/* "@" and "@/..." name the sandbox root. */
static const char *expand(const char *s, char *buf) {
	if (!s || s[0] != '@' || (s[1] != '/' && s[1])) return s;
	snprintf(buf, PATH_MAX * 2, "%s%s", root, s + 1);
	return buf;
}

static long run_step(const struct step *st) {
	static char b0[PATH_MAX * 2], b1[PATH_MAX * 2];
	const long long *n = st->n;
	const char *s0 = expand(st->s[0], b0), *s1 = expand(st->s[1], b1);
	int p[2];
	struct { uint64_t flags, mode, resolve; } how = {(uint64_t)n[1], (uint64_t)n[2], (uint64_t)n[3]};
	switch (st->op) {
	case OP_OPENAT: return syscall(SYS_openat, (int)n[0], s0, (int)n[1], (unsigned)n[2]);
	case OP_OPENAT2: return syscall(SYS_openat2, (int)n[0], s0, &how, sizeof how);
	case OP_MKDIRAT: return syscall(SYS_mkdirat, (int)n[0], s0, (unsigned)n[1]);
	case OP_UNLINKAT: return syscall(SYS_unlinkat, (int)n[0], s0, (int)n[1]);
	case OP_RENAMEAT2: return syscall(SYS_renameat2, (int)n[0], s0, (int)n[1], s1, (unsigned)n[2]);
	case OP_LINKAT: return syscall(SYS_linkat, (int)n[0], s0, (int)n[1], s1, (int)n[2]);
	case OP_SYMLINKAT: return syscall(SYS_symlinkat, s0, (int)n[0], s1);
	case OP_CLOSE: return syscall(SYS_close, (int)n[0]);
	case OP_DUP: return syscall(SYS_dup, (int)n[0]);
	case OP_DUP2: return syscall(SYS_dup2, (int)n[0], (int)n[1]);
	case OP_DUP3: return syscall(SYS_dup3, (int)n[0], (int)n[1], (int)n[2]);
	case OP_FCNTL: return syscall(SYS_fcntl, (int)n[0], (int)n[1], (long)n[2]);
	case OP_CLOSE_RANGE: return syscall(SYS_close_range, (unsigned)n[0], (unsigned)n[1], (unsigned)n[2]);
	case OP_CHDIR: return syscall(SYS_chdir, s0);
	case OP_FCHDIR: return syscall(SYS_fchdir, (int)n[0]);
	case OP_PIPE2: return syscall(SYS_pipe2, p, (int)n[0]);
	default: fail("internal%20error", ops[st->op].name); return -1;
	}
}

/* Parent side of a fork step: 0 once the child has run its steps. */
static long fork_step(const struct step *st) {
	int status;
	pid_t pid = fork();
	if (pid < 0) return -1;
	if (pid == 0) {
		alarm(timeout_s); /* alarms are not inherited */
		run_steps(&st->child);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 3) _exit(3); /* reason already reported */
	char why[64];
	snprintf(why, sizeof why, "status 0x%x%s", status, WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
	fail("fork%20child%20failed", why);
	return -1;
}

static void run_steps(const struct steps *steps) {
	for (int i = 0; i < steps->n; i++) {
		const struct step *st = &steps->v[i];
		errno = 0;
		long ret = st->op == OP_FORK ? fork_step(st) : run_step(st);
		observe(st->index, ret, ret < 0 ? errno : 0);
	}
}

static void worker(const struct program *p) {
	/* First of all, so the table really is empty. */
	if (syscall(SYS_close_range, 0u, ~0u, 0u) < 0)
		for (int fd = 0; fd < 65536; fd++) close(fd);
	setpgid(0, 0); /* lets the supervisor kill stray fork children too */
	alarm(timeout_s);
	umask(022);
	struct rlimit rl;
	if (chdir(root) < 0) fail("chdir%20to%20sandbox%20failed", strerror(errno));
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) fail("getrlimit%20failed", strerror(errno));
	rl.rlim_cur = (rlim_t)p->nofile;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) fail("setrlimit%20failed%20(above%20the%20hard%20limit?)", strerror(errno));
	nofile = p->nofile;
	run_steps(&p->setup);
	run_steps(&p->main);
	_exit(0);
}

/* ---------- supervisor ---------- */

static void remove_tree(int dfd, const char *name) {
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return;
	if (!S_ISDIR(st.st_mode)) { unlinkat(dfd, name, 0); return; }
	fchmodat(dfd, name, 0700, 0); /* a program may leave a mode-0 dir; non-root needs rwx */
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	for (struct dirent *e; d && (e = readdir(d));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) remove_tree(fd, e->d_name);
	if (d) closedir(d);
	unlinkat(dfd, name, AT_REMOVEDIR);
}

static void make_sandbox(const char *tmp) {
	char templ[PATH_MAX];
	snprintf(templ, sizeof templ, "%s/fdwarden-XXXXXX", tmp);
	if (!mkdtemp(templ)) die("mkdtemp in %s: %s", tmp, strerror(errno));
	if (!realpath(templ, tdir)) die("realpath %s: %s", templ, strerror(errno));
	tdir_len = strlen(tdir);
	strcpy(root, tdir);
	for (int i = 0; i < CHAIN; i++) strcat(root, "/@");
}

/*
 * Brings T back to exactly the chain with an empty root, whatever the last
 * program did at any level. Cheaper than a new chain per program: mkdir can
 * cost 0.1 ms on ext4.
 */
static void reset_sandbox(void) {
	int fd = open(tdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	for (int level = 0; fd >= 0; level++) {
		int scan = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *d = scan < 0 ? NULL : fdopendir(scan);
		if (!d) die("reading sandbox level %d: %s", level, strerror(errno));
		for (struct dirent *e; (e = readdir(d));) {
			struct stat st;
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
			if (level < CHAIN && !strcmp(e->d_name, "@") && !fstatat(fd, "@", &st, AT_SYMLINK_NOFOLLOW) && S_ISDIR(st.st_mode))
				continue;
			remove_tree(fd, e->d_name);
		}
		closedir(d);
		if (level == CHAIN) break;
		if (mkdirat(fd, "@", 0755) < 0 && errno != EEXIST) die("mkdir at sandbox level %d: %s", level, strerror(errno));
		int next = openat(fd, "@", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	if (fd < 0) die("opening the sandbox %s: %s", tdir, strerror(errno));
	close(fd);
}

int main(int argc, char **argv) {
	if (argc < 2 || argc > 3) die("usage: driver PROGRAM-FILE [TMPDIR]");
	const char *tmp = argc > 2 ? argv[2] : getenv("TMPDIR"), *t = getenv("FDWARDEN_DRIVER_TIMEOUT");
	if (!tmp || !*tmp) tmp = "/tmp";
	if (t && atoi(t) > 0) timeout_s = (unsigned)atoi(t);
	if (!(in = strcmp(argv[1], "-") ? fopen(argv[1], "r") : stdin)) die("cannot open %s: %s", argv[1], strerror(errno));
	parse_input();
	fflush(NULL);
	make_sandbox(tmp);
	for (int i = 0; i < nprogs; i++) {
		int status, ok;
		char tail[160];
		if (!rep) rep = mmap(NULL, REPORT_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (rep == MAP_FAILED) die("mmap: %s", strerror(errno));
		reset_sandbox();
		rep->len = 0;
		pid_t pid = fork();
		if (pid < 0) die("fork: %s", strerror(errno));
		if (pid == 0) worker(&progs[i]);
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR) die("waitpid: %s", strerror(errno));
		ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (ok || (WIFEXITED(status) && WEXITSTATUS(status) == 3)) /* 3: reason already reported */
			snprintf(tail, sizeof tail, "done %s\n", ok ? "ok" : "error");
		else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
			snprintf(tail, sizeof tail, "x timeout%%20after%%20%us\ndone error\n", timeout_s);
		else
			snprintf(tail, sizeof tail, "x worker%%20died,%%20status%%200x%x\ndone error\n", status);
		printf("program %d\n", i);
		fwrite(rep->data, 1, rep->len, stdout);
		fputs(tail, stdout);
		if (fflush(stdout)) die("write to stdout failed: %s", strerror(errno));
		kill(-pid, SIGKILL); /* fork children left behind by a failed worker */
		if (!ok) { /* ... which may not be gone yet: give them nothing shared */
			munmap(rep, REPORT_BYTES);
			rep = NULL;
			remove_tree(AT_FDCWD, tdir);
			make_sandbox(tmp);
		}
	}
	remove_tree(AT_FDCWD, tdir);
	return 0;
}
