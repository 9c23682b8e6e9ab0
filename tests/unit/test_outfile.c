/*
 * test_outfile.c — wr_out (runtime/outfile.h), the one way frost writes files: a regular file is
 * replaced atomically keeping its mode, a new one gets the umask's mode, a failure or an abort
 * leaves the path as it was and no temporary file, links stay links, devices and FIFOs are
 * written directly, and a write error names the path.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#include "../import/fixture_util.h"
#include "frost_import.h"
#include "outfile.h"
#include "testutil.h"

static char *dir;

static void setup(void)
{
    dir = tu_tmpdir();
    cr_assert(dir);
}

static void teardown(void)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    free(dir);
}

TestSuite(outfile, .init = setup, .fini = teardown);

static const char *at(const char *name)
{
    static char buf[4][600];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void put(const char *name, const char *text, mode_t mode)
{
    FILE *f = fopen(at(name), "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
    cr_assert_eq(chmod(at(name), mode), 0);
}

static void expect_text(const char *path, const char *text)
{
    size_t n = 0;
    char *got = (char *)tu_read_file(path, &n);
    cr_assert(got, "%s unreadable", path);
    cr_assert_eq(n, strlen(text), "%s: %zu bytes", path, n);
    cr_assert(memcmp(got, text, n) == 0, "%s: %.*s", path, (int)n, got);
    free(got);
}

/* Entries of the test directory (no temporary file may be left among them). */
static int entries(void)
{
    DIR *d = opendir(dir);
    cr_assert(d);
    int n = 0;
    for (struct dirent *de; (de = readdir(d));)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void write_all(const char *path, const char *text)
{
    wr_out o;
    fr_err e = {0};
    cr_assert_eq(wr_out_open(&o, path, NULL, &e), 0, "%s", e.msg);
    cr_assert_eq(wr_out_write(&o, text, strlen(text), &e), 0, "%s", e.msg);
    cr_assert_eq(wr_out_commit(&o, &e), 0, "%s", e.msg);
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "%s", path);
    return st.st_mode & 07777;
}

Test(outfile, new_file_gets_the_umask_mode)
{
    umask(022);
    write_all(at("a"), "first");
    expect_text(at("a"), "first");
    cr_assert_eq(mode_of(at("a")), 0644);
    umask(077);
    write_all(at("b"), "second");
    cr_assert_eq(mode_of(at("b")), 0600);
    cr_assert_eq(entries(), 2);
}

Test(outfile, regular_file_replaced_whole_keeping_its_mode)
{
    umask(022);
    put("m", "old contents, longer than the new ones", 0640);
    struct stat before, after;
    cr_assert_eq(stat(at("m"), &before), 0);
    write_all(at("m"), "new");
    expect_text(at("m"), "new");
    cr_assert_eq(stat(at("m"), &after), 0);
    cr_assert_eq(after.st_mode & 07777, 0640);
    cr_assert_neq(after.st_ino, before.st_ino, "replaced by rename, not rewritten in place");
    put("x", "x", 0755);
    write_all(at("x"), "y");
    cr_assert_eq(mode_of(at("x")), 0755);
    cr_assert_eq(entries(), 2);
}

Test(outfile, abort_leaves_the_file_and_no_temporary)
{
    put("keep", "precious", 0600);
    wr_out o;
    fr_err e = {0};
    cr_assert_eq(wr_out_open(&o, at("keep"), NULL, &e), 0, "%s", e.msg);
    char big[65536];
    memset(big, 'z', sizeof big);
    for (int i = 0; i < 16; i++)
        cr_assert_eq(wr_out_write(&o, big, sizeof big, &e), 0);
    cr_assert_eq(entries(), 2, "the temporary file sits beside the target while writing");
    wr_out_abort(&o);
    expect_text(at("keep"), "precious");
    cr_assert_eq(entries(), 1);
    /* a new name given up: nothing at all */
    cr_assert_eq(wr_out_open(&o, at("never"), NULL, &e), 0, "%s", e.msg);
    FILE *f = wr_out_file(&o, &e);
    cr_assert(f);
    fprintf(f, "row 1\n");
    wr_out_abort(&o);
    cr_assert_eq(access(at("never"), F_OK), -1);
    cr_assert_eq(entries(), 1);
}

Test(outfile, failed_commit_removes_the_temporary)
{
    put("t", "old", 0644);
    wr_out o;
    fr_err e = {0};
    cr_assert_eq(wr_out_open(&o, at("t"), NULL, &e), 0, "%s", e.msg);
    cr_assert_eq(wr_out_write(&o, "new", 3, &e), 0);
    /* the target turns into a directory before the rename: the rename fails */
    cr_assert_eq(unlink(at("t")), 0);
    cr_assert_eq(mkdir(at("t"), 0755), 0);
    cr_assert_eq(wr_out_commit(&o, &e), FROST_EIO);
    cr_assert(strstr(e.msg, "cannot write") && strstr(e.msg, "/t: "), "%s", e.msg);
    cr_assert_eq(entries(), 1, "only the directory is left");
}

Test(outfile, stream_writes_and_commits)
{
    wr_out o;
    fr_err e = {0};
    cr_assert_eq(wr_out_open(&o, at("s.csv"), NULL, &e), 0, "%s", e.msg);
    FILE *f = wr_out_file(&o, &e);
    cr_assert(f);
    cr_assert_geq(fileno(f), 0);
    fprintf(f, "prediction\n%d\n", 7);
    cr_assert_eq(wr_out_commit(&o, &e), 0, "%s", e.msg);
    expect_text(at("s.csv"), "prediction\n7\n");
    cr_assert_eq(entries(), 1);
}

Test(outfile, symlink_stays_a_link_and_its_target_is_replaced)
{
    put("target", "old", 0600);
    cr_assert_eq(symlink("target", at("link")), 0);      /* relative to the link's folder */
    cr_assert_eq(symlink(at("link"), at("link2")), 0);   /* a chain, absolute */
    write_all(at("link2"), "through two links");
    struct stat st;
    cr_assert_eq(lstat(at("link"), &st), 0);
    cr_assert(S_ISLNK(st.st_mode));
    cr_assert_eq(lstat(at("link2"), &st), 0);
    cr_assert(S_ISLNK(st.st_mode));
    expect_text(at("target"), "through two links");
    cr_assert_eq(mode_of(at("target")), 0600);
    cr_assert_eq(entries(), 3);
}

Test(outfile, dangling_symlink_creates_its_target)
{
    cr_assert_eq(mkdir(at("sub"), 0755), 0);
    cr_assert_eq(symlink("made", at("sub/link")), 0); /* sub/made, not ./made */
    write_all(at("sub/link"), "created");
    struct stat st;
    cr_assert_eq(lstat(at("sub/link"), &st), 0);
    cr_assert(S_ISLNK(st.st_mode));
    expect_text(at("sub/made"), "created");
    cr_assert_eq(entries(), 1);
}

Test(outfile, symlink_loop_and_directory_are_errors)
{
    cr_assert_eq(symlink("b", at("a")), 0);
    cr_assert_eq(symlink("a", at("b")), 0);
    wr_out o;
    fr_err e = {0};
    cr_assert_eq(wr_out_open(&o, at("a"), NULL, &e), FROST_EIO);
    cr_assert(strstr(e.msg, "Too many levels of symbolic links"), "%s", e.msg);
    cr_assert_eq(wr_out_open(&o, dir, NULL, &e), FROST_EIO);
    cr_assert(strstr(e.msg, "Is a directory"), "%s", e.msg);
    cr_assert_eq(wr_out_open(&o, at("no/such/dir/file"), NULL, &e), FROST_EIO);
    cr_assert(strstr(e.msg, "No such file or directory"), "%s", e.msg);
    cr_assert_eq(entries(), 2);
}

Test(outfile, dev_null_is_written_directly)
{
    /* first a copy of the null device in the test folder: a regression that replaced its
     * output by rename must not get to replace the system's /dev/null (where mknod is not
     * permitted, /dev is not writable either, and no rename there can succeed) */
    if (mknod(at("nulldev"), S_IFCHR | 0666, makedev(1, 3)) == 0) {
        write_all(at("nulldev"), "discarded");
        struct stat st;
        cr_assert_eq(lstat(at("nulldev"), &st), 0);
        cr_assert(S_ISCHR(st.st_mode), "the device node was replaced");
        cr_assert_eq(entries(), 1);
        cr_assert_eq(unlink(at("nulldev")), 0);
    }
    cr_assert_eq(access("/dev/null", W_OK), 0);
    write_all("/dev/null", "discarded");
    struct stat st;
    cr_assert_eq(stat("/dev/null", &st), 0);
    cr_assert(S_ISCHR(st.st_mode), "/dev/null is still the device");
    /* through a link to it too */
    cr_assert_eq(symlink("/dev/null", at("null")), 0);
    write_all(at("null"), "discarded");
    cr_assert_eq(lstat(at("null"), &st), 0);
    cr_assert(S_ISLNK(st.st_mode));
    cr_assert_eq(entries(), 1);
}

Test(outfile, full_device_reports_the_path_and_reason)
{
    wr_out o;
    fr_err e = {0};
    cr_assert_eq(wr_out_open(&o, "/dev/full", NULL, &e), 0, "%s", e.msg);
    cr_assert_eq(wr_out_write(&o, "x", 1, &e), FROST_EIO);
    cr_assert_str_eq(e.msg, "write error on /dev/full: No space left on device");
    wr_out_abort(&o);
    /* through a stream: reported at the commit */
    cr_assert_eq(wr_out_open(&o, "/dev/full", NULL, &e), 0, "%s", e.msg);
    fputs("row\n", wr_out_file(&o, &e));
    cr_assert_eq(wr_out_commit(&o, &e), FROST_EIO);
    cr_assert_str_eq(e.msg, "write error on /dev/full: No space left on device");
}

Test(outfile, socket_is_an_error_and_stays)
{
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    cr_assert_geq(s, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", at("sock"));
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    wr_out o;
    fr_err e = {0};
    cr_assert_eq(wr_out_open(&o, at("sock"), NULL, &e), FROST_EIO);
    cr_assert(strstr(e.msg, "cannot write ") && strstr(e.msg, "sock: "), "%s", e.msg);
    struct stat st;
    cr_assert_eq(lstat(at("sock"), &st), 0);
    cr_assert(S_ISSOCK(st.st_mode));
    cr_assert_eq(entries(), 1);
    close(s);
}

typedef struct reader {
    const char *path;
    char got[256];
    size_t n;
    int close_at_once;
} reader;

static void *read_fifo(void *arg)
{
    reader *r = arg;
    int fd = open(r->path, O_RDONLY);
    if (fd < 0)
        return NULL;
    if (!r->close_at_once)
        for (ssize_t k; (k = read(fd, r->got + r->n, sizeof r->got - 1 - r->n)) > 0;)
            r->n += (size_t)k;
    close(fd);
    return NULL;
}

Test(outfile, fifo_is_written_directly)
{
    cr_assert_eq(mkfifo(at("fifo"), 0644), 0);
    reader r = {.path = at("fifo")};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, read_fifo, &r), 0);
    write_all(at("fifo"), "through the pipe");
    pthread_join(t, NULL);
    cr_assert_eq(r.n, 16);
    cr_assert(memcmp(r.got, "through the pipe", 16) == 0);
    struct stat st;
    cr_assert_eq(lstat(at("fifo"), &st), 0);
    cr_assert(S_ISFIFO(st.st_mode), "the FIFO is not replaced");
    cr_assert_eq(entries(), 1);
}

Test(outfile, fifo_without_reader_is_epipe_not_sigpipe)
{
    cr_assert_eq(mkfifo(at("fifo"), 0644), 0);
    reader r = {.path = at("fifo"), .close_at_once = 1};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, read_fifo, &r), 0);
    wr_out o;
    fr_err e = {0};
    cr_assert_eq(wr_out_open(&o, at("fifo"), NULL, &e), 0, "%s", e.msg);
    pthread_join(t, NULL); /* the reader has gone */
    cr_assert_eq(wr_out_write(&o, "lost", 4, &e), FROST_EIO);
    cr_assert(strstr(e.msg, "write error on ") && strstr(e.msg, "fifo: Broken pipe"), "%s",
              e.msg);
    sigset_t pending;
    sigpending(&pending);
    cr_assert_not(sigismember(&pending, SIGPIPE), "no SIGPIPE left pending");
    wr_out_abort(&o);
    cr_assert_eq(entries(), 1);
}

Test(outfile, descriptor_names_write_to_the_descriptor)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    char name[64];
    snprintf(name, sizeof name, "/dev/fd/%d", p[1]);
    write_all(name, "one,");
    snprintf(name, sizeof name, "/proc/self/fd/%d", p[1]);
    write_all(name, "two");
    close(p[1]);
    char got[16] = {0};
    cr_assert_eq(read(p[0], got, sizeof got), 7);
    cr_assert_str_eq(got, "one,two");
    close(p[0]);
}

Test(outfile, input_identity)
{
    put("in", "model", 0644);
    put("other", "model", 0644);
    cr_assert_eq(link(at("in"), at("hard")), 0);
    cr_assert_eq(symlink("in", at("soft")), 0);
    cr_assert_eq(symlink("soft", at("soft2")), 0);
    cr_assert(wr_out_is_input(at("in"), at("in")));
    cr_assert(wr_out_is_input(at("hard"), at("in")));
    cr_assert(wr_out_is_input(at("soft2"), at("in")));
    cr_assert(wr_out_is_input(at("in"), at("soft")));
    cr_assert_not(wr_out_is_input(at("other"), at("in")));
    cr_assert_not(wr_out_is_input(at("new"), at("in")));
    cr_assert_not(wr_out_is_input("/dev/null", "/dev/null"), "writing a device destroys nothing");
}

/* The library refuses too, not only the CLI: frost_convert never writes onto its input. */
Test(outfile, frost_convert_never_writes_its_input)
{
    size_t n = 0;
    char src[1100];
    snprintf(src, sizeof src, "%s/1_8_0-decision_tree_clf-proto4.pkl", fx_corpus());
    unsigned char *orig = tu_read_file(src, &n);
    cr_assert(orig, "no corpus at %s (set FROST_SHARED)", fx_corpus());
    FILE *f = fopen(at("in.pkl"), "wb");
    cr_assert(f);
    cr_assert_eq(fwrite(orig, 1, n, f), n);
    fclose(f);
    cr_assert_eq(link(at("in.pkl"), at("hard.pkl")), 0);
    cr_assert_eq(symlink("in.pkl", at("soft.pkl")), 0);
    const char *outs[] = {at("in.pkl"), at("hard.pkl"), at("soft.pkl")};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(frost_convert(at("in.pkl"), outs[i], NULL), FROST_EINVAL);
        cr_assert(strstr(frost_import_errmsg(), "is the input file"), "%s",
                  frost_import_errmsg());
    }
    size_t m = 0;
    unsigned char *now = tu_read_file(at("in.pkl"), &m);
    cr_assert(m == n && memcmp(now, orig, n) == 0, "the input is byte-identical");
    cr_assert_eq(entries(), 3);
    cr_assert_eq(frost_convert(at("soft.pkl"), at("out.frost"), NULL), 0, "%s",
                 frost_import_errmsg());
    free(now);
    free(orig);
}
