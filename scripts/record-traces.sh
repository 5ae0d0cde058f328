#!/usr/bin/env bash
# Record strace fixtures of real programs into test/fixtures/traces/.
#
#   scripts/record-traces.sh              record every recording
#   scripts/record-traces.sh NAME...      record only these (INDEX.tsv is rebuilt)
#   scripts/record-traces.sh --list       list the recording names
#
# Every recording runs as
#   strace -f -yy -qq -s 256 -o OUT -- CMD
# in a fresh empty directory /tmp/fdw-rec/NAME, with stdin, stdout and stderr
# on /dev/null, no other fds, and a minimal environment (PATH, HOME=/tmp/fdw-rec,
# LANG=C, TZ=UTC), so that the traces do not depend on the user or the shell
# that records them. Each CMD builds its own input tree inside the trace, so a
# replay can start from an empty directory.
#
# The fixtures are generated: never edit them by hand, re-record instead.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
OUT_DIR="$ROOT/test/fixtures/traces"
REC_BASE=/tmp/fdw-rec
REC_PATH=/usr/bin:/bin
STRACE_FLAGS=(-f -yy -qq -s 256)
PY=(/usr/bin/python3 -S -B -c)
SH=(/bin/bash --norc --noprofile -c)

ALL=(
  git-repo
  sqlite-rollback sqlite-wal
  py-threads perl-inplace
  exec-cloexec cwd-ancestor-rename
  deleted-files odd-names pipes-sockets dup2-juggle
  tar-zip tree-ops escape-workdir root-walk
)

die() { printf 'record-traces: %s\n' "$*" >&2; exit 1; }

# tree [DIR...]: a shell prelude for the bash-driven recordings that builds a
# small tree (nested directories, regular files, two hard links, a relative
# directory symlink and a dangling absolute symlink) with few processes.
tree() {
  cat <<EOF
set -e
mkdir -p t/a/b/c t/d $*
for f in t/a/x.o t/a/b/y.c t/a/b/c/z.o t/d/w.o t/top.c; do echo "data \$f" >\$f; done
ln t/top.c t/a/b/y.c t/d/
ln -s ../d /nonexistent/abs t/a/
EOF
}

# Git without system/user config, with fixed identities and dates (so object
# names and hence object paths are stable), one pack thread and no
# auto-maintenance child.
GIT_ENV='set -e
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=fdw GIT_AUTHOR_EMAIL=fdw@example.invalid GIT_COMMITTER_NAME=fdw GIT_COMMITTER_EMAIL=fdw@example.invalid
export GIT_AUTHOR_DATE=2024-01-01T00:00:00Z GIT_COMMITTER_DATE=2024-01-01T00:00:00Z
export GIT_CONFIG_COUNT=2 GIT_CONFIG_KEY_0=maintenance.auto GIT_CONFIG_VALUE_0=false GIT_CONFIG_KEY_1=pack.threads GIT_CONFIG_VALUE_1=1
'

# recipe NAME: sets CMD (the traced command) and NEEDS (tools it needs).
recipe() {
  CMD=() NEEDS=()
  case "$1" in

  git-repo)
    # init, add, commit, checkout -b (branch + checkout), git mv of a
    # directory, status, then packing: rev-list piped into pack-objects,
    # which writes a temp pack and renames the .pack/.idx into place.
    NEEDS=(git mkdir)
    CMD=("${SH[@]}" "$GIT_ENV$(cat <<'EOF'
git init -q -b main --template= repo
cd repo
mkdir -p src/lib; echo 'int main;' >src/main.c; echo lib >src/lib/util.c; echo readme >README
git add .
git commit -q -m initial
git checkout -q -b topic
git mv src/lib src/core
echo more >>src/main.c
git status --porcelain >../status.txt
git rev-list --objects --all | git pack-objects -q .git/objects/pack/pack >../pack.txt
EOF
)")
    ;;

  sqlite-rollback)
    # Rollback journal (DELETE mode): transactions, a ROLLBACK, an attached
    # second database (multi-file commit with a super-journal), then a
    # second connection opened while the first is inside a write
    # transaction (.system), and VACUUM.
    NEEDS=(sqlite3)
    CMD=("${SH[@]}" "$(cat <<'EOF'
set -e
sqlite3 -batch -init /dev/null main.db "PRAGMA journal_mode=DELETE; CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT); BEGIN; INSERT INTO t(v) VALUES ('a'),('b'); COMMIT; BEGIN; DELETE FROM t; ROLLBACK; ATTACH 'other.db' AS o; CREATE TABLE o.u(x); BEGIN; INSERT INTO t(v) VALUES ('c'); INSERT INTO o.u VALUES (1); COMMIT; DETACH o;"
sqlite3 -batch -init /dev/null main.db "BEGIN; UPDATE t SET v = upper(v);" '.system sqlite3 -batch -init /dev/null main.db "SELECT count(*) FROM t" >count.txt' "COMMIT; DELETE FROM t WHERE k = 1; VACUUM;"
EOF
)")
    ;;

  sqlite-wal)
    # WAL mode: -wal and -shm files (mmap of the shm), several transactions,
    # a second connection sharing the WAL while the first is open, an
    # explicit checkpoint, and the WAL cleanup when the last connection
    # closes.
    NEEDS=(sqlite3)
    CMD=("${SH[@]}" "$(cat <<'EOF'
set -e
sqlite3 -batch -init /dev/null wal.db "PRAGMA journal_mode=WAL; CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT); INSERT INTO t(v) VALUES ('a'); BEGIN; INSERT INTO t(v) VALUES ('b'),('c'); COMMIT;" '.system sqlite3 -batch -init /dev/null wal.db "INSERT INTO t(v) VALUES (1); SELECT count(*) FROM t" >count.txt' "INSERT INTO t(v) VALUES ('d'); PRAGMA wal_checkpoint(TRUNCATE); INSERT INTO t(v) VALUES ('e');"
EOF
)")
    ;;

  py-threads)
    # Threads (joined between phases): create/write/rename with relative
    # paths; one thread chdir()s while the others work only through a dirfd,
    # then all use relative paths in the new cwd; *at() calls on per-thread
    # dirfds, os.scandir on an fd, the directory behind a dirfd renamed,
    # fchdir by one thread, cleanup via unlinkat/rmdir.
    CMD=("${PY[@]}" "$(cat <<'EOF'
import os, sys, threading
N = 3
sys.setswitchinterval(1.0)
def run(fn):
    ts = [threading.Thread(target=fn, args=(i,)) for i in range(N)]
    for t in ts: t.start()
    for t in ts: t.join()
os.makedirs("w/one"); os.mkdir("w/two")
def phase1(i):
    tmp = "w/t%d.tmp" % i
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, b"thread %d\n" % i)
    os.close(fd)
    os.rename(tmp, "w/t%d" % i)
run(phase1)
wfd = os.open("w", os.O_RDONLY | os.O_DIRECTORY)
before, after = threading.Barrier(N), threading.Barrier(N)
def phase2(i):
    keep = os.open("w/keep%d" % i, os.O_WRONLY | os.O_CREAT, 0o644)
    before.wait()
    if i == 0:
        os.chdir("w/one")
    else:
        fd = os.open("two/side%d" % i, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=wfd)
        os.close(fd)
        os.stat("one", dir_fd=wfd)
    after.wait()
    fd = os.open("rel%d" % i, os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(keep, b"k"); os.write(fd, b"r")
    os.close(fd); os.close(keep)
    os.rename("rel%d" % i, "../two/rel%d" % i)
run(phase2)
os.mkdir("../three")
tfd = os.open("../three", os.O_RDONLY | os.O_DIRECTORY)
def phase3(i):
    sub = "s%d" % i
    os.mkdir(sub, dir_fd=tfd)
    sfd = os.open(sub, os.O_RDONLY | os.O_DIRECTORY, dir_fd=tfd)
    fd = os.open("data", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600, dir_fd=sfd)
    os.write(fd, b"x" * (i + 1)); os.close(fd)
    os.symlink("data", "link", dir_fd=sfd)
    os.readlink("link", dir_fd=sfd)
    os.stat("link", dir_fd=sfd, follow_symlinks=False)
    os.chmod("data", 0o640, dir_fd=sfd)
    os.link("data", "hard", src_dir_fd=sfd, dst_dir_fd=sfd)
    sorted(e.name for e in os.scandir(sfd))
    os.rename("hard", "s%d-hard" % i, src_dir_fd=sfd, dst_dir_fd=tfd)
    os.close(sfd)
run(phase3)
os.rename("../three", "../three-moved")
gate = threading.Barrier(N)
def phase4(i):
    fd = os.open("s%d/data" % i, os.O_RDONLY, dir_fd=tfd)
    os.read(fd, 16); os.close(fd)
    if i == 0:
        os.fchdir(tfd)
    gate.wait()
    sfd = os.open("s%d" % i, os.O_RDONLY | os.O_DIRECTORY)
    for name in sorted(e.name for e in os.scandir(sfd)):
        os.unlink(name, dir_fd=sfd)
    os.close(sfd)
    os.rmdir("s%d" % i)
    os.unlink("s%d-hard" % i)
run(phase4)
with open("cwd.txt", "w") as f:
    f.write(os.getcwd() + "\n")
EOF
)")
    ;;

  perl-inplace)
    # Perl as a second runtime: -i.bak in-place edits (temp file + rename
    # through a dirfd of the starting cwd), an in-place edit that chdir()s
    # mid-edit, readdir, rename/link/symlink, sysopen O_EXCL, STDOUT
    # save/redirect/restore (dup2), a piped open of a child, fork + chdir.
    NEEDS=(perl)
    CMD=("${SH[@]}" "$(cat <<'EOF'
set -e
mkdir -p p/q; for i in 1 2 3; do echo "line $i" >p/f$i.txt; done; ln -s f1.txt p/link.txt
perl -i.bak -pe 's/line/LINE/' p/f1.txt p/link.txt p/f2.txt
perl -e '
chdir "p" or die;
{ local ($^I, @ARGV) = ("", "f3.txt"); while (<>) { chdir "q" if $. == 1; s/^/> /; print; } }
chdir ".." or die;
opendir(my $dh, ".") or die; my @n = sort grep { !/^\./ } readdir $dh; closedir $dh;
rename "f1.txt", "q/f1.moved" or die;
link "f2.txt", "q/f2.hard" or die;
symlink "../f3.txt", "q/f3.sym" or die;
sysopen(my $x, "excl", 193, 0644) or die; print $x "@n\n"; close $x;
sysopen(my $y, "excl", 193, 0644) and die;
open(my $save, ">&", \*STDOUT) or die;
open(STDOUT, ">", "stdout.txt") or die; print "to file\n";
open(STDOUT, ">&", $save) or die; close $save;
open(my $kid, "-|", "/bin/ls", "-1", "q") or die; my @ls = <$kid>; close $kid;
my $pid = fork; if (!$pid) { chdir "q" or die; open(my $f, ">", "child.txt") or die; print $f @ls; close $f; exit 0 }
waitpid($pid, 0);
unlink glob("*.bak");
mkdir "r" or die; rmdir "r" or die;
'
EOF
)")
    ;;

  exec-cloexec)
    # fds opened with and without close-on-exec (O_CLOEXEC default,
    # set_inheritable via ioctl, fcntl F_SETFD, F_DUPFD, F_DUPFD_CLOEXEC,
    # dup2 vs dup3(O_CLOEXEC), a pipe), children via subprocess with
    # pass_fds (close_range) and close_fds=False, listing /proc/self/fd; then
    # execv into bash, which uses the inherited fds and finally execs cat.
    NEEDS=(ls cat /bin/bash)
    local inner
    inner=$(cat <<'EOF'
ls -ln /proc/self/fd/ >fds.exec
read -r x <&4; echo "$x" >from-4
read -r x <&6; echo "$x" >from-pipe
echo charlie >&5
read -r x </proc/self/fd/7; echo "$x" >from-7
echo delta >&20
exec 7>&- 20>&-
exec 3<b.txt
exec /bin/cat /proc/self/fd/3 /dev/fd/4 >cat.out
EOF
)
    CMD=("${PY[@]}" "$(cat <<'EOF'
import os, sys, fcntl, subprocess
a = os.open("a.txt", os.O_RDWR | os.O_CREAT, 0o644)
os.write(a, b"alpha\n")
b = os.open("b.txt", os.O_RDWR | os.O_CREAT, 0o644)
os.write(b, b"bravo\n"); os.lseek(b, 0, os.SEEK_SET)
os.set_inheritable(b, True)
c = os.open("c.txt", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
fcntl.fcntl(c, fcntl.F_SETFD, fcntl.fcntl(c, fcntl.F_GETFD) & ~fcntl.FD_CLOEXEC)
r, w = os.pipe()
os.set_inheritable(r, True)
os.write(w, b"via pipe\n"); os.close(w)
os.dup2(a, 7)
os.dup2(c, 8, inheritable=False)
d = fcntl.fcntl(b, fcntl.F_DUPFD, 20)
e = fcntl.fcntl(a, fcntl.F_DUPFD_CLOEXEC, 30)
lst = os.open("fds.child", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
subprocess.run(["/bin/ls", "-ln", "/proc/self/fd/"], stdout=lst, pass_fds=(c,), check=True)
subprocess.run(["/bin/ls", "-ln", "/proc/self/fd/"], stdout=lst, close_fds=False, check=True)
os.close(lst)
os.execv("/bin/bash", ["bash", "--norc", "--noprofile", "-c", sys.argv[1]])
EOF
)" "$inner")
    ;;

  cwd-ancestor-rename)
    # A python process deep in a tree (cwd + a dirfd on an ancestor) while a
    # sibling mv renames two ancestors; it keeps working relatively, then
    # rmdir()s its own cwd and calls getcwd. Synchronised through fifos.
    # Then bash's own cwd is renamed by a child mv, and bash's cwd is removed.
    NEEDS=(mkdir mkfifo mv rmdir /usr/bin/python3)
    local py
    py=$(cat <<'EOF'
import os
base = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
os.chdir("top/mid/low/leaf")
anc = os.open("../..", os.O_RDONLY | os.O_DIRECTORY)
f = os.open("before", os.O_WRONLY | os.O_CREAT, 0o644)
w = os.open("ready", os.O_WRONLY, dir_fd=base); os.write(w, b"ready\n"); os.close(w)
g = os.open("go", os.O_RDONLY, dir_fd=base); os.read(g, 16); os.close(g)
os.write(f, b"still open\n")
n = os.open("after", os.O_WRONLY | os.O_CREAT, 0o644); os.close(n)
os.mkdir("newdir"); os.rename("after", "newdir/after")
n = os.open("low/via-anc", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=anc); os.close(n)
os.getcwd(); os.readlink("/proc/self/cwd")
os.listdir(".."); os.stat("../../..")
os.mkdir("doomed"); os.chdir("doomed"); os.rmdir("../doomed")
try:
    os.getcwd()
except FileNotFoundError:
    pass
os.readlink("/proc/self/cwd")
try:
    os.open("ghost", os.O_WRONLY | os.O_CREAT, 0o644)
except FileNotFoundError:
    pass
os.listdir(".")
os.chdir("..")
os.getcwd()
EOF
)
    CMD=("${SH[@]}" "$(cat <<'EOF'
set -e
mkdir -p top/mid/low/leaf x/y; mkfifo ready go
/usr/bin/python3 -S -B -c "$1" &
read -r _ <ready
mv top TOP
mv TOP/mid TOP/MID
echo go >go
wait $!
cd x/y
mv ../../x ../../x2
pwd -P >../pwd.txt
echo "$PWD" >>../pwd.txt
: >here
cd .. || cd -P ..
mkdir gone; cd gone; rmdir ../gone
pwd -P || true
: >ghost || true
cd ..
pwd -P >>pwd.txt
EOF
)" fdw "$py")
    ;;

  deleted-files)
    # (deleted) annotations: a file replaced by rename-over while open, an
    # open file renamed across directories, hard links with one name
    # unlinked, rename between two links of one inode (a no-op), a name
    # reused after unlink, O_TMPFILE (link() fails, linkat via
    # /proc/self/fd with AT_SYMLINK_FOLLOW works, O_EXCL forbids it),
    # memfd, an open directory removed and one replaced by rename.
    CMD=("${PY[@]}" "$(cat <<'EOF'
import os
def put(name, data, dir_fd=None):
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644, dir_fd=dir_fd)
    os.write(fd, data); os.close(fd)
def fails(fn, *args, **kw):
    try:
        fn(*args, **kw)
    except OSError:
        return
    raise SystemExit("unexpected success: %s%r" % (fn.__name__, args))
os.mkdir("sub")
here = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
sub = os.open("sub", os.O_RDONLY | os.O_DIRECTORY)
put("victim", b"old\n")
old = os.open("victim", os.O_RDONLY)
put("victim.new", b"new\n")
os.rename("victim.new", "victim")
os.read(old, 64); os.fstat(old); os.readlink("/proc/self/fd/%d" % old)
new = os.open("victim", os.O_RDONLY); os.read(new, 64)
os.close(old); os.close(new)
mv = os.open("moving", os.O_WRONLY | os.O_CREAT, 0o644)
os.rename("moving", "moved"); os.write(mv, b"1")
os.rename("moved", "sub/moved"); os.write(mv, b"2")
os.rename("moved", "back", src_dir_fd=sub, dst_dir_fd=here); os.write(mv, b"3")
os.close(mv)
h = os.open("h1", os.O_RDWR | os.O_CREAT, 0o644)
os.link("h1", "h2"); os.link("h1", "h3", dst_dir_fd=sub)
os.unlink("h1"); os.write(h, b"x"); os.fstat(h)
h2 = os.open("h2", os.O_RDONLY)
os.unlink("h3", dir_fd=sub); os.rename("h2", "h4"); os.fstat(h2); os.fstat(h)
os.unlink("h4"); os.fstat(h2); os.write(h, b"y")
os.close(h); os.close(h2)
put("same1", b"s"); os.link("same1", "same2"); os.rename("same1", "same2")
os.stat("same1"); os.stat("same2")
u = os.open("reuse", os.O_RDWR | os.O_CREAT, 0o644); os.unlink("reuse")
u2 = os.open("reuse", os.O_RDWR | os.O_CREAT, 0o644)
os.write(u, b"gone"); os.write(u2, b"here"); os.close(u); os.close(u2)
t = os.open(".", os.O_TMPFILE | os.O_RDWR, 0o600)
os.write(t, b"anon\n")
fails(os.link, "/proc/self/fd/%d" % t, "naive")
os.link("/proc/self/fd/%d" % t, "materialized", dst_dir_fd=here, follow_symlinks=True)
os.write(t, b"named\n"); os.fstat(t)
os.link("/proc/self/fd/%d" % t, "second", src_dir_fd=here, dst_dir_fd=sub, follow_symlinks=True)
os.unlink("materialized"); os.write(t, b"renamed\n")
os.unlink("second", dir_fd=sub); os.write(t, b"deleted again\n"); os.close(t)
t2 = os.open("sub", os.O_TMPFILE | os.O_WRONLY, 0o640)
os.write(t2, b"in sub\n")
os.link("/proc/self/fd/%d" % t2, "from-tmp", dst_dir_fd=sub, follow_symlinks=True)
os.close(t2)
tx = os.open(".", os.O_TMPFILE | os.O_WRONLY | os.O_EXCL, 0o600)
fails(os.link, "/proc/self/fd/%d" % tx, "never", dst_dir_fd=here, follow_symlinks=True)
os.close(tx)
m = os.memfd_create("blob")
os.write(m, b"z"); os.readlink("/proc/self/fd/%d" % m)
fails(os.link, "/proc/self/fd/%d" % m, "from-memfd", dst_dir_fd=here, follow_symlinks=True)
os.close(m)
os.mkdir("dgone"); dg = os.open("dgone", os.O_RDONLY | os.O_DIRECTORY)
os.rmdir("dgone"); os.fstat(dg)
fails(os.open, "x", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=dg)
os.listdir(dg); os.close(dg)
os.mkdir("d1"); os.mkdir("d2"); put("d1/inside", b"i")
d2 = os.open("d2", os.O_RDONLY | os.O_DIRECTORY)
os.rename("d1", "d2"); os.fstat(d2); os.listdir(d2)
d2n = os.open("d2", os.O_RDONLY | os.O_DIRECTORY)
os.close(d2); os.close(d2n)
EOF
)")
    ;;

  odd-names)
    # Names that need escaping in fd annotations: < > " \ newline, tab,
    # control and non-ASCII bytes, a name ending in " (deleted)" (live, and
    # then really deleted while open, re-opened via /proc/self/fd),
    # directories with such names as cwd, a directory renamed while an fd
    # into it is open, and paths longer than the -s limit.
    NEEDS=(mkdir mv rm)
    CMD=("${SH[@]}" "$(cat <<'EOF'
set -e
l=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
mkdir -p 'd>ir' $'new\nline' 'sp ace (deleted)' 'back\slash' 'q"uote' $l/$l/$l
cd 'd>ir'; echo a >'a<b'; exec 3<'a<b'; cd ..
cd $'new\nline'; echo b >$'\t\001ctl'; exec 4>caf$'\303\251'; echo c >&4; cd ..
cd 'sp ace (deleted)'; echo d >'f (deleted)'; exec 5<'f (deleted)'; read -r x <&5
rm 'f (deleted)'; read -r y </proc/self/fd/5; echo "$x$y" >copy; cd ..
mv 'd>ir' 'd<ir'; read -r x <&3; echo "$x" >'back\slash/from3'; echo e >'q"uote/x'
cd $l/$l; exec 6>$l.txt; echo long >&6; cd $l; read -r x <../$l.txt; cd ../../..
exec 3<&- 4>&- 5<&- 6>&-
rm -r 'd<ir' $'new\nline' $l
EOF
)")
    ;;

  pipes-sockets)
    # pipe, pipe2(O_NONBLOCK), socketpairs (stream, dgram, seqpacket),
    # AF_UNIX stream/dgram sockets bound to relative paths and to an
    # abstract name, listen/connect/accept, a fifo, epoll and eventfd, fork
    # with fds passed back over SCM_RIGHTS, and dup2 of stdio onto them.
    CMD=("${PY[@]}" "$(cat <<'EOF'
import os, socket, select
r, w = os.pipe()
nr, nw = os.pipe2(os.O_NONBLOCK)
os.write(w, b"ping"); os.read(r, 4)
try:
    os.read(nr, 1)
except BlockingIOError:
    pass
a, b = socket.socketpair()
da, db = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
sa, sb = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
os.mkdir("sub")
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); srv.bind("sub/sock"); srv.listen(1)
cli = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); cli.connect("sub/sock")
conn, _ = srv.accept()
cli.sendall(b"hello"); conn.recv(16)
ab = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); ab.bind("\0fdw-abstract"); ab.listen(1)
dg = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); dg.bind("dgram.sock")
db.sendto(b"dgram", "dgram.sock"); dg.recv(16)
da.send(b"pair"); db.recv(16)
os.rename("sub/sock", "sock.moved")
os.mkfifo("fifo")
fr = os.open("fifo", os.O_RDONLY | os.O_NONBLOCK); fw = os.open("fifo", os.O_WRONLY)
os.write(fw, b"f"); os.read(fr, 1)
ep = select.epoll(); ep.register(r, select.EPOLLIN); ep.register(a.fileno(), select.EPOLLIN); ep.poll(0)
ev = os.eventfd(0); os.eventfd_write(ev, 3); os.eventfd_read(ev)
pid = os.fork()
if pid == 0:
    f = os.open("from-child", os.O_WRONLY | os.O_CREAT, 0o644)
    socket.send_fds(sb, [b"fds"], [f, w])
    os.write(w, b"child\n")
    os.dup2(b.fileno(), 1)
    os.write(1, b"stdout is a socket\n")
    os._exit(0)
msg, fds, flags, addr = socket.recv_fds(sa, 16, 4)
os.write(fds[0], b"written by the parent through a passed fd\n")
os.read(r, 64)
os.waitpid(pid, 0)
a.recv(64)
saved = os.dup(1)
os.dup2(fds[1], 1); os.write(1, b"via stdout\n"); os.read(r, 64)
os.dup2(saved, 1); os.close(saved)
os.dup2(r, 0, inheritable=False)
for fd in fds:
    os.close(fd)
for s in (a, b, da, db, sa, sb, srv, cli, conn, ab, dg):
    s.close()
ep.close()
for fd in (r, w, nr, nw, fr, fw, ev):
    os.close(fd)
EOF
)")
    ;;

  dup2-juggle)
    # bash redirection machinery: dup2 / fcntl(F_DUPFD) fd saving and
    # restoring, {var} fd allocation, <> read-write, 2>&1 ordering, swapping
    # stdout/stderr through a pipe, heredoc and herestring, process
    # substitution (/dev/fd/63), an fd kept open across mv of its file.
    NEEDS=(cat mv)
    CMD=("${SH[@]}" "$(cat <<'EOF'
set -e
exec 3>log 4>&3
echo one >&4
exec 5<log 6<>rw
exec {dyn}>dynfile; echo "dyn=$dyn" >&$dyn; exec {dyn}>&-
{ echo to-out; echo to-err >&2; } >both 2>&1
{ echo a; echo b >&2; } 3>&1 1>&2 2>&3 3>&- 2>&1 | cat >swapped
exec 7>&1 1>saved; echo into-saved; exec 1>&7 7>&-
read -r x <<HERE
heredoc $dyn
HERE
read -r y <<<"herestring"; echo "$x $y" >here.out
cat <(echo procsub-a) <(echo procsub-b) >procsub.out
exec 8>moving; mv moving moved; echo after-mv >&8
exec 9<&5 5<&-; read -r z <&9; echo "$z" >from9
exec 3>&- 4>&- 6>&- 8>&- 9<&-
EOF
)")
    ;;

  tar-zip)
    # Archives of a tree with hard links, a relative directory symlink and a
    # dangling absolute one. tar -z creates through a pipe to gzip (run via
    # sh -c) and extracts in another cwd through gzip -d; zip writes a temp
    # file, unlinks the archive and renames the temp into its place (on
    # create and on update; -y stores symlinks); unzip -d into a new dir.
    NEEDS=(tar gzip zip unzip mkdir ln)
    CMD=("${SH[@]}" "$(tree out)$(cat <<'EOF'

tar czf a.tgz t
cd out; tar xzf ../a.tgz; cd ..
zip -q -r -y a.zip t
zip -q a.zip a.tgz
unzip -q a.zip -d u
EOF
)")
    ;;

  tree-ops)
    # Tree operations on a tree with hard links, a fifo and symlinks:
    # cp -a (hard links preserved via linkat, mknod of the fifo, symlinks,
    # xattr/acl probing), cp -a of contents into an existing dir (t/.),
    # cp --backup=numbered, cp -l; mv of a directory across directories,
    # -T onto an empty directory, into a subdirectory of itself (refused), a
    # rename of the directory holding the cwd (mv runs inside it); find
    # -delete (unlinkat relative to directory fds) and -execdir (children
    # run in the matched file's directory).
    NEEDS=(cp mv find mkfifo mkdir ln)
    CMD=("${SH[@]}" "$(tree c x/y x/empty)$(cat <<'EOF'

mkfifo t/d/fifo
cp -a t t2
cp -a t/. c/
cp --backup=numbered t/top.c t2/top.c
cp -l t/d/w.o c/w.link
mv t2/a/b x/
mv -T t2/d x/empty
mv x x/y/inside || true
cd x/y; mv ../../x ../../x2; cd -P ../..
find c -name '*.o' -delete
find c -name 'top.c' -execdir mv {} {}.bak \;
EOF
)")
    ;;

  escape-workdir)
    # A program that writes outside its work directory (for the auditor's denials): a sibling
    # of the work dir through "..", one through a dirfd of the parent, and a rename out.
    CMD=("${SH[@]}" "$(cat <<'EOF'
echo inside >inside.txt
echo leak >../escape-outside.txt
exec 3<..
echo via-dirfd >/proc/self/fd/3/escape-dirfd.txt
mkdir sub && mv sub ../escape-moved
EOF
)")
    ;;

  root-walk)
    # What ordinary programs do with / and the work directory's ancestors: ls / and a shell's /*
    # glob list /, cd / and back, ls -la stats .., du and find walk the work dir, realpath stats
    # every ancestor, Python lists / and chdirs to / and back by absolute path.
    NEEDS=(ls du find realpath python3)
    CMD=("${SH[@]}" "$(cat <<'EOF'
set -e
mkdir -p d/e; echo x >d/f
ls / >ls-root.txt
echo /* >glob.txt
ls -la >ls-la.txt
du -s . >du.txt
find . -name f >find.txt
realpath . >realpath.txt
cd /; pwd >"$OLDPWD/pwd.txt"; cd - >/dev/null
/usr/bin/python3 -S -B -c 'import os; w = os.getcwd(); os.listdir("/"); os.chdir("/"); os.chdir(w); os.path.realpath(".")'
EOF
)")
    ;;

  *) return 1 ;;
  esac
  # The command itself is the first word; check it too.
  NEEDS+=("${CMD[0]}")
}

usage() {
  sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

names=()
for arg in "$@"; do
  case "$arg" in
    -h|--help) usage; exit 0 ;;
    --list) printf '%s\n' "${ALL[@]}"; exit 0 ;;
    -*) die "unknown option: $arg" ;;
    *) recipe "$arg" || die "unknown recording: $arg (try --list)"; names+=("$arg") ;;
  esac
done
full=0
if [ ${#names[@]} -eq 0 ]; then names=("${ALL[@]}"); full=1; fi

# Check the tools before recording anything.
STRACE=$(command -v strace) || die "strace is not installed"
missing=()
for name in "${names[@]}"; do
  recipe "$name"
  for tool in "${NEEDS[@]}"; do
    if ! PATH=$REC_PATH command -v "$tool" >/dev/null; then
      missing+=("$tool (needed by $name)")
    fi
  done
done
if [ ${#missing[@]} -gt 0 ]; then
  printf 'record-traces: missing tools (looked in %s):\n' "$REC_PATH" >&2
  printf '  %s\n' "${missing[@]}" >&2
  exit 1
fi
if ! "$STRACE" -qq -o /dev/null -- /bin/true 2>/dev/null; then
  die "strace cannot trace here (ptrace restricted? check /proc/sys/kernel/yama/ptrace_scope)"
fi

mkdir -p -- "$OUT_DIR" "$REC_BASE"
tmp_out=""
trap '[ -z "$tmp_out" ] || rm -f -- "$tmp_out"' EXIT

for name in "${names[@]}"; do
  recipe "$name"
  dir="$REC_BASE/$name"
  out="$OUT_DIR/$name.strace"
  tmp_out="$OUT_DIR/.$name.strace.partial"
  rm -rf -- "$dir"
  mkdir -- "$dir"
  status=0
  (
    cd -- "$dir"
    # Only 0, 1 and 2 may reach the traced program: close whatever else the
    # calling environment leaked into this shell.
    for fd in /proc/$BASHPID/fd/*; do
      n=${fd##*/}
      if [ "$n" -gt 2 ]; then exec {n}>&-; fi
    done
    exec env -i PATH="$REC_PATH" HOME="$REC_BASE" LANG=C TZ=UTC \
      "$STRACE" "${STRACE_FLAGS[@]}" -o "$tmp_out" -- "${CMD[@]}"
  ) </dev/null >/dev/null 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    printf 'record-traces: %s: exit status %d; last writes to stderr in the trace:\n' "$name" "$status" >&2
    grep -E '^[0-9]+ +write\(2<' "$tmp_out" 2>/dev/null | tail -n 8 | cut -c1-300 >&2 || true
    exit 1
  fi
  if bad=$(grep -nvE '^[0-9]+ ' "$tmp_out" | head -n 3) && [ -n "$bad" ]; then
    die "$name: lines that are not strace output:"$'\n'"$bad"
  fi
  if grep -q '^strace: ' "$tmp_out"; then
    die "$name: strace reported an error in the trace"
  fi
  mv -f -- "$tmp_out" "$out"
  tmp_out=""
  printf '%-22s %6d lines\n' "$name" "$(wc -l <"$out")"
done

# A full run also drops fixtures of recordings that no longer exist.
if [ "$full" -eq 1 ]; then
  for f in "$OUT_DIR"/*.strace; do
    [ -e "$f" ] || continue
    n=$(basename -- "$f" .strace)
    if ! recipe "$n"; then
      printf 'record-traces: removing stale fixture %s\n' "$n.strace"
      rm -f -- "$f"
    fi
  done
fi

# Rebuild the index from the fixtures present, in recording order.
index="$OUT_DIR/INDEX.tsv"
: >"$index.partial"
for name in "${ALL[@]}"; do
  f="$OUT_DIR/$name.strace"
  [ -f "$f" ] || continue
  printf '%s\tcwd=%s\tlines=%d\n' "$name" "$REC_BASE/$name" "$(wc -l <"$f")" >>"$index.partial"
done
mv -f -- "$index.partial" "$index"

# The system names the recordings rely on, as a snapshot (`--fs system.json`): replays and
# audits of the fixtures then never depend on the disk of the machine that runs them.
node "$ROOT/scripts/fixture-snapshot.mjs" "$OUT_DIR"
node "$ROOT/scripts/fixture-snapshot.mjs" "$OUT_DIR" "$ROOT/examples/traces/system.json" deleted-files escape-workdir
