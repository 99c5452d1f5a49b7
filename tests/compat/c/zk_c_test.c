/*
 * Black-box compatibility test for a ZooKeeper-protocol server, driven through the official
 * multi-threaded C client (libzookeeper_mt, 3.8).  Validated against Apache ZooKeeper 3.8.
 *
 * usage: zk_c_test HOST:PORT [TICK_TIME_MS]
 *
 * Prints one line per check ("ok - name" / "not ok - name: detail"), then "N passed, N failed";
 * exits 1 when any check failed, 2 on a usage or setup error.  Every wait is bounded.
 *
 * The server is expected to run with its default min/max session timeout (2x / 20x tickTime)
 * and with extended types (TTL) enabled.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#define ROOT "/c_compat"
#define WAIT_MS 5000   /* bound for completions and expected events */
#define QUIET_MS 300   /* how long "no further event" is watched for */

static const char *g_host;
static int g_tick = 2000;
static int g_passed, g_failed;

/* ------------------------------------------------------------------ reporting */

static void check(int cond, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void check(int cond, const char *name, const char *fmt, ...)
{
    if (cond) {
        printf("ok - %s\n", name);
        g_passed++;
    } else {
        char detail[512] = "";
        if (fmt) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(detail, sizeof detail, fmt, ap);
            va_end(ap);
        }
        printf("not ok - %s: %s\n", name, detail);
        g_failed++;
    }
    fflush(stdout);
}

static void check_rc(int rc, int want, const char *name)
{
    check(rc == want, name, "rc %d (%s), want %d (%s)", rc, zerror(rc), want, zerror(want));
}

static void check_int(long long got, long long want, const char *name)
{
    check(got == want, name, "got %lld, want %lld", got, want);
}

static void check_str(const char *got, const char *want, const char *name)
{
    check(got && want && strcmp(got, want) == 0, name, "got \"%s\", want \"%s\"",
          got ? got : "(null)", want ? want : "(null)");
}

/* ------------------------------------------------------------------ time */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct timespec deadline_in(int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* ------------------------------------------------------------------ events */

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static int g_seq; /* orders watch events and async completions, under g_mu */

#define MAX_EVENTS 512
typedef struct {
    const char *tag;
    int type;
    int state;
    char path[256];
    int seq;
    int consumed;
} event_t;
static event_t g_events[MAX_EVENTS];
static int g_nevents;

static void record_event(const char *tag, int type, int state, const char *path)
{
    pthread_mutex_lock(&g_mu);
    if (g_nevents < MAX_EVENTS) {
        event_t *e = &g_events[g_nevents++];
        e->tag = tag;
        e->type = type;
        e->state = state;
        snprintf(e->path, sizeof e->path, "%s", path ? path : "(null)");
        e->seq = ++g_seq;
        e->consumed = 0;
    }
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

/* A watcher object: the context is the tag string. */
static void tag_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh;
    record_event((const char *)ctx, type, state, path);
}

/* Per-handle context of the default (global) watcher. */
typedef struct {
    const char *tag; /* legacy watches (watch=1) are recorded under this tag */
    int state;       /* last session state seen */
    int nsession;    /* number of session events */
} hctx_t;

static void global_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    hctx_t *h = (hctx_t *)ctx;
    (void)zh;
    if (!h)
        return;
    if (type == ZOO_SESSION_EVENT) {
        pthread_mutex_lock(&g_mu);
        h->state = state;
        h->nsession++;
        pthread_cond_broadcast(&g_cv);
        pthread_mutex_unlock(&g_mu);
    } else {
        record_event(h->tag, type, state, path);
    }
}

/* Takes the oldest unconsumed event with this tag, waiting up to ms. */
static int take_event(const char *tag, int ms, event_t *out)
{
    struct timespec dl = deadline_in(ms);
    int found = 0;
    pthread_mutex_lock(&g_mu);
    for (;;) {
        for (int i = 0; i < g_nevents; i++) {
            if (!g_events[i].consumed && strcmp(g_events[i].tag, tag) == 0) {
                g_events[i].consumed = 1;
                *out = g_events[i];
                found = 1;
                break;
            }
        }
        if (found)
            break;
        if (pthread_cond_timedwait(&g_cv, &g_mu, &dl) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&g_mu);
    return found;
}

static const char *type_name(int t)
{
    if (t == ZOO_CREATED_EVENT) return "CREATED";
    if (t == ZOO_DELETED_EVENT) return "DELETED";
    if (t == ZOO_CHANGED_EVENT) return "CHANGED";
    if (t == ZOO_CHILD_EVENT) return "CHILD";
    if (t == ZOO_SESSION_EVENT) return "SESSION";
    if (t == ZOO_NOTWATCHING_EVENT) return "NOTWATCHING";
    return "?";
}

/* Checks that exactly one event (type, path) arrives on tag; returns its seq or -1. */
static int expect_event(const char *tag, int type, const char *path, const char *name)
{
    event_t e;
    if (!take_event(tag, WAIT_MS, &e)) {
        check(0, name, "no %s event for %s within %d ms", type_name(type), path, WAIT_MS);
        return -1;
    }
    check(e.type == type && strcmp(e.path, path) == 0 && e.state == ZOO_CONNECTED_STATE, name,
          "got %s(%d) path %s state %d, want %s path %s", type_name(e.type), e.type, e.path,
          e.state, type_name(type), path);
    return e.seq;
}

static void expect_no_event(const char *tag, const char *name)
{
    event_t e;
    if (take_event(tag, QUIET_MS, &e))
        check(0, name, "unexpected %s(%d) event on %s", type_name(e.type), e.type, e.path);
    else
        check(1, name, NULL);
}

/* ------------------------------------------------------------------ handles */

static int wait_state(hctx_t *h, int state, int ms)
{
    struct timespec dl = deadline_in(ms);
    int ok;
    pthread_mutex_lock(&g_mu);
    while (h->state != state) {
        if (pthread_cond_timedwait(&g_cv, &g_mu, &dl) == ETIMEDOUT)
            break;
    }
    ok = h->state == state;
    pthread_mutex_unlock(&g_mu);
    return ok;
}

static zhandle_t *open_handle(hctx_t *h, int timeout, const clientid_t *cid)
{
    zhandle_t *zh = zookeeper_init(g_host, global_watcher, timeout, cid, h, 0);
    if (!zh)
        return NULL;
    if (!wait_state(h, ZOO_CONNECTED_STATE, 10000)) {
        zookeeper_close(zh);
        return NULL;
    }
    return zh;
}

/* ------------------------------------------------------------------ async completions */

typedef struct {
    int done;
    int rc;
    int seq;
    int has_stat;
    struct Stat stat;
    char value[1024]; /* string result or data */
    int value_len;    /* -1 for null data */
    int nstrings;
    char strings[16][64];
} comp_t;

static void comp_reset(comp_t *c)
{
    pthread_mutex_lock(&g_mu);
    memset(c, 0, sizeof *c);
    c->rc = 999;
    c->value_len = -2;
    pthread_mutex_unlock(&g_mu);
}

static void comp_finish(comp_t *c, int rc)
{
    c->rc = rc;
    c->seq = ++g_seq;
    c->done = 1;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

static int comp_wait(comp_t *c, const char *name)
{
    struct timespec dl = deadline_in(WAIT_MS);
    int done;
    pthread_mutex_lock(&g_mu);
    while (!c->done) {
        if (pthread_cond_timedwait(&g_cv, &g_mu, &dl) == ETIMEDOUT)
            break;
    }
    done = c->done;
    pthread_mutex_unlock(&g_mu);
    if (!done)
        check(0, name, "completion did not run within %d ms", WAIT_MS);
    return done;
}

static void void_cb(int rc, const void *data)
{
    comp_t *c = (comp_t *)data;
    pthread_mutex_lock(&g_mu);
    comp_finish(c, rc);
}

static void string_cb(int rc, const char *value, const void *data)
{
    comp_t *c = (comp_t *)data;
    pthread_mutex_lock(&g_mu);
    if (value) {
        snprintf(c->value, sizeof c->value, "%s", value);
        c->value_len = (int)strlen(c->value);
    }
    comp_finish(c, rc);
}

static void stat_cb(int rc, const struct Stat *stat, const void *data)
{
    comp_t *c = (comp_t *)data;
    pthread_mutex_lock(&g_mu);
    if (stat) {
        c->stat = *stat;
        c->has_stat = 1;
    }
    comp_finish(c, rc);
}

static void data_cb(int rc, const char *value, int value_len, const struct Stat *stat,
                    const void *data)
{
    comp_t *c = (comp_t *)data;
    pthread_mutex_lock(&g_mu);
    if (rc == ZOK) {
        c->value_len = value_len;
        if (value && value_len > 0 && value_len < (int)sizeof c->value)
            memcpy(c->value, value, (size_t)value_len);
    }
    if (stat) {
        c->stat = *stat;
        c->has_stat = 1;
    }
    comp_finish(c, rc);
}

static void strings_stat_cb(int rc, const struct String_vector *strings, const struct Stat *stat,
                            const void *data)
{
    comp_t *c = (comp_t *)data;
    pthread_mutex_lock(&g_mu);
    if (strings) {
        c->nstrings = strings->count;
        for (int i = 0; i < strings->count && i < 16; i++)
            snprintf(c->strings[i], sizeof c->strings[i], "%s", strings->data[i]);
    }
    if (stat) {
        c->stat = *stat;
        c->has_stat = 1;
    }
    comp_finish(c, rc);
}

/* ------------------------------------------------------------------ helpers */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Joins the sorted children into "a,b,c". */
static void join_children(struct String_vector *sv, char *out, size_t n)
{
    out[0] = 0;
    if (sv->count > 1)
        qsort(sv->data, (size_t)sv->count, sizeof(char *), cmp_str);
    for (int i = 0; i < sv->count; i++) {
        if (i)
            strncat(out, ",", n - strlen(out) - 1);
        strncat(out, sv->data[i], n - strlen(out) - 1);
    }
}

static void delete_tree(zhandle_t *zh, const char *path)
{
    struct String_vector sv;
    if (zoo_get_children(zh, path, 0, &sv) == ZOK) {
        for (int i = 0; i < sv.count; i++) {
            char child[512];
            snprintf(child, sizeof child, "%s/%s", path, sv.data[i]);
            delete_tree(zh, child);
        }
        deallocate_String_vector(&sv);
    }
    zoo_delete(zh, path, -1);
}

static int create_node(zhandle_t *zh, const char *path, const char *data, int mode)
{
    return zoo_create(zh, path, data, data ? (int)strlen(data) : -1, &ZOO_OPEN_ACL_UNSAFE,
                      mode, NULL, 0);
}

static int get_stat(zhandle_t *zh, const char *path, struct Stat *st)
{
    memset(st, 0, sizeof *st);
    return zoo_exists(zh, path, 0, st);
}

static int same_stat(const struct Stat *a, const struct Stat *b)
{
    return a->czxid == b->czxid && a->mzxid == b->mzxid && a->ctime == b->ctime &&
           a->mtime == b->mtime && a->version == b->version && a->cversion == b->cversion &&
           a->aversion == b->aversion && a->ephemeralOwner == b->ephemeralOwner &&
           a->dataLength == b->dataLength && a->numChildren == b->numChildren &&
           a->pzxid == b->pzxid;
}

static char g_name[256];
static const char *N(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *N(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_name, sizeof g_name, fmt, ap);
    va_end(ap);
    return g_name;
}

/* ------------------------------------------------------------------ forked session owners */

/*
 * A child process that opens its own session, waits for "go", creates an ephemeral node, reports
 * its client id and password through a pipe and then _exit()s without closing the session, so
 * the server sees only a dropped connection.  Forked before the parent starts any client thread.
 */
typedef struct {
    pid_t pid;
    int go_fd;     /* parent writes the ephemeral's path here */
    int result_fd; /* child writes clientid_t here */
} owner_t;

static void owner_child(int go_fd, int result_fd, int timeout)
{
    char path[256];
    ssize_t n;
    struct pollfd p = {go_fd, POLLIN, 0};
    if (poll(&p, 1, 60000) <= 0)
        _exit(3);
    n = read(go_fd, path, sizeof path - 1);
    if (n <= 0)
        _exit(3);
    path[n] = 0;
    hctx_t h = {"owner", 0, 0};
    zhandle_t *zh = open_handle(&h, timeout, NULL);
    if (!zh)
        _exit(4);
    if (create_node(zh, path, "owned", ZOO_EPHEMERAL) != ZOK)
        _exit(5);
    clientid_t cid = *zoo_client_id(zh);
    if (write(result_fd, &cid, sizeof cid) != (ssize_t)sizeof cid)
        _exit(6);
    _exit(0); /* no zookeeper_close: the session stays open on the server until it expires */
}

static int fork_owner(owner_t *o, int timeout)
{
    int go[2], res[2];
    if (pipe(go) || pipe(res))
        return -1;
    fflush(stdout);
    o->pid = fork();
    if (o->pid < 0)
        return -1;
    if (o->pid == 0) {
        close(go[1]);
        close(res[0]);
        owner_child(go[0], res[1], timeout);
    }
    close(go[0]);
    close(res[1]);
    o->go_fd = go[1];
    o->result_fd = res[0];
    return 0;
}

/* Tells the owner to create path; returns 0 and its client id once it has exited. */
static int run_owner(owner_t *o, const char *path, clientid_t *cid)
{
    int status = -1;
    struct pollfd p = {o->result_fd, POLLIN, 0};
    if (write(o->go_fd, path, strlen(path)) != (ssize_t)strlen(path))
        return -1;
    if (poll(&p, 1, 15000) <= 0 || read(o->result_fd, cid, sizeof *cid) != (ssize_t)sizeof *cid) {
        kill(o->pid, SIGKILL);
        waitpid(o->pid, &status, 0);
        return -1;
    }
    waitpid(o->pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ tests */

static zhandle_t *zh;    /* main handle */
static hctx_t hmain = {"legacy-main", 0, 0};
static int64_t my_session;

static void test_handshake(void)
{
    check_int(zoo_recv_timeout(zh), 10000, "handshake: negotiated timeout 10000 within bounds");
    check(my_session != 0, "handshake: session id non-zero", "session id 0");
    check_int(zoo_state(zh), ZOO_CONNECTED_STATE, "handshake: state connected");

    hctx_t h1 = {"legacy-lo", 0, 0}, h2 = {"legacy-hi", 0, 0};
    zhandle_t *lo = open_handle(&h1, 100, NULL);
    check(lo != NULL, "handshake: tiny timeout connects", "no connection");
    if (lo) {
        check_int(zoo_recv_timeout(lo), 2 * g_tick, "handshake: timeout clamped to 2*tickTime");
        check(zoo_client_id(lo)->client_id != my_session, "handshake: distinct session ids",
              "same session id");
        zookeeper_close(lo);
    }
    zhandle_t *hi = open_handle(&h2, 100 * g_tick, NULL);
    check(hi != NULL, "handshake: huge timeout connects", "no connection");
    if (hi) {
        check_int(zoo_recv_timeout(hi), 20 * g_tick, "handshake: timeout clamped to 20*tickTime");
        zookeeper_close(hi);
    }
}

static void test_create_get_set_delete(void)
{
    char buf[1024];
    int len;
    struct Stat st, st2, pst0, pst1;

    check_rc(create_node(zh, ROOT, "root", 0), ZOK, "create: root");
    check_rc(create_node(zh, ROOT, "again", 0), ZNODEEXISTS, "create: existing -> NODEEXISTS");
    check_rc(create_node(zh, ROOT "/missing/child", "x", 0), ZNONODE,
             "create: missing parent -> NONODE");

    char pathbuf[256] = "";
    int rc = zoo_create(zh, ROOT "/p", "pdata", 5, &ZOO_OPEN_ACL_UNSAFE, 0, pathbuf,
                        sizeof pathbuf);
    check_rc(rc, ZOK, "create: returns ZOK");
    check_str(pathbuf, ROOT "/p", "create: returns the path");

    get_stat(zh, ROOT, &pst0);

    /* create2 and its stat */
    memset(&st, 0, sizeof st);
    rc = zoo_create2(zh, ROOT "/a", "abc", 3, &ZOO_OPEN_ACL_UNSAFE, 0, pathbuf, sizeof pathbuf,
                     &st);
    check_rc(rc, ZOK, "create2: ok");
    check_str(pathbuf, ROOT "/a", "create2: path");
    check_int(st.version, 0, "create2: stat version 0");
    check_int(st.cversion, 0, "create2: stat cversion 0");
    check_int(st.aversion, 0, "create2: stat aversion 0");
    check_int(st.dataLength, 3, "create2: stat dataLength 3");
    check_int(st.numChildren, 0, "create2: stat numChildren 0");
    check_int(st.ephemeralOwner, 0, "create2: stat ephemeralOwner 0");
    check(st.czxid > 0 && st.czxid == st.mzxid && st.czxid == st.pzxid,
          "create2: czxid == mzxid == pzxid", "czxid %" PRId64 " mzxid %" PRId64
          " pzxid %" PRId64, st.czxid, st.mzxid, st.pzxid);
    check(st.ctime > 0 && st.ctime == st.mtime, "create2: ctime == mtime > 0",
          "ctime %" PRId64 " mtime %" PRId64, st.ctime, st.mtime);
    long long wall = (long long)time(NULL) * 1000;
    check(st.ctime > wall - 60000 && st.ctime < wall + 60000, "create2: ctime is wall-clock ms",
          "ctime %" PRId64 " now %lld", st.ctime, wall);
    check_rc(zoo_create2(zh, ROOT "/a", "abc", 3, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0, &st2),
             ZNODEEXISTS, "create2: existing -> NODEEXISTS");
    check_rc(zoo_create2(zh, ROOT "/nope/a", "abc", 3, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0, &st2),
             ZNONODE, "create2: missing parent -> NONODE");

    /* parent stat after a child create */
    get_stat(zh, ROOT, &pst1);
    check_int(pst1.cversion, pst0.cversion + 1, "parent: cversion +1 after child create");
    check_int(pst1.numChildren, pst0.numChildren + 1, "parent: numChildren +1");
    check_int(pst1.pzxid, st.czxid, "parent: pzxid == child czxid");
    check_int(pst1.mzxid, pst0.mzxid, "parent: mzxid unchanged by child create");
    check_int(pst1.version, pst0.version, "parent: version unchanged by child create");

    /* exists */
    rc = get_stat(zh, ROOT "/a", &st2);
    check_rc(rc, ZOK, "exists: ok");
    check(same_stat(&st, &st2), "exists: stat equals create2 stat", "differs");
    check_rc(zoo_exists(zh, ROOT "/none", 0, &st2), ZNONODE, "exists: missing -> NONODE");

    /* get */
    len = sizeof buf;
    memset(&st2, 0, sizeof st2);
    rc = zoo_get(zh, ROOT "/a", 0, buf, &len, &st2);
    check_rc(rc, ZOK, "get: ok");
    check(len == 3 && memcmp(buf, "abc", 3) == 0, "get: data", "len %d", len);
    check(same_stat(&st, &st2), "get: stat equals create2 stat", "differs");
    len = sizeof buf;
    check_rc(zoo_get(zh, ROOT "/none", 0, buf, &len, &st2), ZNONODE, "get: missing -> NONODE");

    /* null and empty data */
    check_rc(zoo_create(zh, ROOT "/nulldata", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK,
             "create: null data");
    len = sizeof buf;
    rc = zoo_get(zh, ROOT "/nulldata", 0, buf, &len, &st2);
    check(rc == ZOK && len == -1 && st2.dataLength == 0, "get: null data -> len -1, dataLength 0",
          "rc %d len %d dataLength %d", rc, len, st2.dataLength);
    check_rc(zoo_create(zh, ROOT "/empty", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK,
             "create: empty data");
    len = sizeof buf;
    rc = zoo_get(zh, ROOT "/empty", 0, buf, &len, &st2);
    check(rc == ZOK && len == 0 && st2.dataLength == 0, "get: empty data -> len 0",
          "rc %d len %d dataLength %d", rc, len, st2.dataLength);

    /* set / set2 */
    check_rc(zoo_set(zh, ROOT "/a", "defg", 4, 0), ZOK, "set: version 0 ok");
    check_rc(zoo_set(zh, ROOT "/a", "xxxx", 4, 0), ZBADVERSION, "set: stale version -> BADVERSION");
    check_rc(zoo_set(zh, ROOT "/none", "x", 1, -1), ZNONODE, "set: missing -> NONODE");
    memset(&st2, 0, sizeof st2);
    rc = zoo_set2(zh, ROOT "/a", "hello!", 6, 1, &st2);
    check_rc(rc, ZOK, "set2: version 1 ok");
    check_int(st2.version, 2, "set2: stat version 2");
    check_int(st2.dataLength, 6, "set2: stat dataLength 6");
    check_int(st2.czxid, st.czxid, "set2: czxid unchanged");
    check_int(st2.ctime, st.ctime, "set2: ctime unchanged");
    check(st2.mzxid > st.mzxid, "set2: mzxid advanced", "mzxid %" PRId64 " <= %" PRId64,
          st2.mzxid, st.mzxid);
    check_int(st2.pzxid, st.pzxid, "set2: pzxid unchanged");
    check_int(st2.cversion, 0, "set2: cversion unchanged");
    rc = zoo_set2(zh, ROOT "/a", "any", 3, -1, &st2);
    check(rc == ZOK && st2.version == 3, "set2: version -1 always matches", "rc %d version %d",
          rc, st2.version);
    len = sizeof buf;
    rc = zoo_get(zh, ROOT "/a", 0, buf, &len, &st2);
    check(rc == ZOK && len == 3 && memcmp(buf, "any", 3) == 0 && st2.version == 3,
          "get: data after set", "rc %d len %d version %d", rc, len, st2.version);
    check_rc(zoo_set2(zh, ROOT "/a", "z", 1, 7, &st2), ZBADVERSION, "set2: BADVERSION");
    get_stat(zh, ROOT, &pst0);
    check_int(pst0.cversion, pst1.cversion + 2, "parent: cversion +2 after two more creates");

    /* large data (512 KiB) */
    {
        int big = 512 * 1024;
        char *data = malloc((size_t)big), *back = malloc((size_t)big + 16);
        for (int i = 0; i < big; i++)
            data[i] = (char)('a' + i % 23);
        rc = zoo_create(zh, ROOT "/big", data, big, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
        check_rc(rc, ZOK, "create: 512 KiB data");
        len = big + 16;
        rc = zoo_get(zh, ROOT "/big", 0, back, &len, &st2);
        check(rc == ZOK && len == big && memcmp(data, back, (size_t)big) == 0 &&
                  st2.dataLength == big,
              "get: 512 KiB data round-trips", "rc %d len %d", rc, len);
        len = 10;
        rc = zoo_get(zh, ROOT "/big", 0, back, &len, &st2);
        check(rc == ZOK && len == 10 && memcmp(data, back, 10) == 0 && st2.dataLength == big,
              "get: small buffer gets a prefix", "rc %d len %d", rc, len);
        free(data);
        free(back);
    }

    /* delete */
    check_rc(create_node(zh, ROOT "/a/kid", "k", 0), ZOK, "create: child of /a");
    check_rc(zoo_delete(zh, ROOT "/a", -1), ZNOTEMPTY, "delete: with children -> NOTEMPTY");
    check_rc(zoo_delete(zh, ROOT "/a/kid", 5), ZBADVERSION, "delete: wrong version -> BADVERSION");
    get_stat(zh, ROOT "/a", &st);
    check_rc(zoo_delete(zh, ROOT "/a/kid", 0), ZOK, "delete: right version");
    get_stat(zh, ROOT "/a", &st2);
    check_int(st2.cversion, st.cversion + 1, "delete: parent cversion +1");
    check_int(st2.numChildren, 0, "delete: parent numChildren 0");
    check(st2.pzxid > st.pzxid, "delete: parent pzxid advanced", "pzxid %" PRId64 " <= %" PRId64,
          st2.pzxid, st.pzxid);
    check_int(st2.mzxid, st.mzxid, "delete: parent mzxid unchanged");
    check_rc(zoo_delete(zh, ROOT "/a/kid", -1), ZNONODE, "delete: missing -> NONODE");
    check_rc(zoo_delete(zh, ROOT "/a", -1), ZOK, "delete: now empty");
    check_rc(zoo_exists(zh, ROOT "/a", 0, &st2), ZNONODE, "delete: node gone");
    check_rc(zoo_delete(zh, "/", -1), ZBADARGUMENTS, "delete: / -> BADARGUMENTS");
    check_rc(zoo_delete(zh, "/zookeeper", -1), ZBADARGUMENTS, "delete: /zookeeper -> BADARGUMENTS");
}

static void test_children(void)
{
    struct String_vector sv;
    struct Stat st;
    char joined[512];
    int rc;

    check_rc(create_node(zh, ROOT "/kids", "", 0), ZOK, "children: parent");
    const char *names[] = {"c", "a", "b", "zz", "a1"};
    for (int i = 0; i < 5; i++) {
        char p[128];
        snprintf(p, sizeof p, ROOT "/kids/%s", names[i]);
        create_node(zh, p, names[i], 0);
    }
    rc = zoo_get_children(zh, ROOT "/kids", 0, &sv);
    check_rc(rc, ZOK, "get_children: ok");
    if (rc == ZOK) {
        join_children(&sv, joined, sizeof joined);
        check_str(joined, "a,a1,b,c,zz", "get_children: names");
        deallocate_String_vector(&sv);
    }
    memset(&st, 0, sizeof st);
    rc = zoo_get_children2(zh, ROOT "/kids", 0, &sv, &st);
    check_rc(rc, ZOK, "get_children2: ok");
    if (rc == ZOK) {
        join_children(&sv, joined, sizeof joined);
        check_str(joined, "a,a1,b,c,zz", "get_children2: names");
        deallocate_String_vector(&sv);
    }
    check_int(st.numChildren, 5, "get_children2: stat numChildren 5");
    check_int(st.cversion, 5, "get_children2: stat cversion 5");
    check_int(st.dataLength, 0, "get_children2: stat dataLength 0");
    rc = zoo_get_children(zh, ROOT "/kids/a", 0, &sv);
    check(rc == ZOK && sv.count == 0, "get_children: leaf -> empty list", "rc %d", rc);
    if (rc == ZOK)
        deallocate_String_vector(&sv);
    check_rc(zoo_get_children(zh, ROOT "/none", 0, &sv), ZNONODE, "get_children: missing -> NONODE");
    check_rc(zoo_get_children2(zh, ROOT "/none", 0, &sv, &st), ZNONODE,
             "get_children2: missing -> NONODE");
    rc = zoo_get_children(zh, "/", 0, &sv);
    if (rc == ZOK) {
        int has_zk = 0, has_root = 0;
        for (int i = 0; i < sv.count; i++) {
            has_zk |= strcmp(sv.data[i], "zookeeper") == 0;
            has_root |= strcmp(sv.data[i], &ROOT[1]) == 0;
        }
        check(has_zk && has_root, "get_children: / lists zookeeper and the test root",
              "zookeeper %d root %d", has_zk, has_root);
        deallocate_String_vector(&sv);
    } else {
        check_rc(rc, ZOK, "get_children: /");
    }
    rc = get_stat(zh, "/zookeeper", &st);
    check_rc(rc, ZOK, "exists: /zookeeper");
}

static void test_sequential(void)
{
    char p[256];
    int rc;
    check_rc(create_node(zh, ROOT "/seq", NULL, 0), ZOK, "sequential: parent");
    for (int i = 0; i < 2; i++) {
        rc = zoo_create(zh, ROOT "/seq/s-", "x", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_SEQUENTIAL,
                        p, sizeof p);
        char want[128];
        snprintf(want, sizeof want, ROOT "/seq/s-%010d", i);
        check(rc == ZOK && strcmp(p, want) == 0, N("sequential: name %d", i),
              "rc %d path %s want %s", rc, p, want);
    }
    /* ZooKeeper stores the number of child creates as the parent's cversion and reports
       cversion = 2 * creates - numChildren (DataNode.copyStat); the sequence counter is the
       stored value, so a delete does not advance it although the reported cversion moves. */
    struct Stat st;
    create_node(zh, ROOT "/seq/plain", "x", 0);   /* creates 3 */
    get_stat(zh, ROOT "/seq", &st);
    check_int(st.cversion, 3, "sequential: parent cversion 3 after three creates");
    zoo_delete(zh, ROOT "/seq/plain", -1);        /* creates still 3 */
    get_stat(zh, ROOT "/seq", &st);
    check_int(st.cversion, 4, "sequential: reported parent cversion 4 after a delete");
    rc = zoo_create(zh, ROOT "/seq/s-", "x", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_SEQUENTIAL, p,
                    sizeof p);
    check(rc == ZOK && strcmp(p, ROOT "/seq/s-0000000003") == 0,
          "sequential: counter counts creates, not deletes", "rc %d path %s", rc, p);
    rc = zoo_create(zh, ROOT "/seq/", "x", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_SEQUENTIAL, p,
                    sizeof p);
    check(rc == ZOK && strcmp(p, ROOT "/seq/0000000004") == 0,
          "sequential: empty prefix (path ends in /)", "rc %d path %s", rc, p);
    rc = zoo_create2(zh, ROOT "/seq/e-", "x", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL_SEQUENTIAL, p,
                     sizeof p, &st);
    check(rc == ZOK && strcmp(p, ROOT "/seq/e-0000000005") == 0 && st.ephemeralOwner == my_session,
          "sequential: ephemeral sequential", "rc %d path %s owner %" PRIx64, rc, p,
          st.ephemeralOwner);
    rc = zoo_create(zh, ROOT "/seq/s-0000000000", "x", 1, &ZOO_OPEN_ACL_UNSAFE,
                    ZOO_PERSISTENT_SEQUENTIAL, p, sizeof p);
    check(rc == ZOK && strcmp(p, ROOT "/seq/s-00000000000000000006") == 0,
          "sequential: suffix appended to an existing name", "rc %d path %s", rc, p);
    rc = zoo_create(zh, ROOT "/nope/s-", "x", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_SEQUENTIAL,
                    p, sizeof p);
    check_rc(rc, ZNONODE, "sequential: missing parent -> NONODE");
    get_stat(zh, ROOT "/seq", &st);
    check(st.cversion == 8 && st.numChildren == 6, "sequential: cversion 2*7 creates - 6 children",
          "cversion %d numChildren %d", st.cversion, st.numChildren);
    zoo_delete(zh, ROOT "/seq/s-0000000000", -1);
    zoo_delete(zh, ROOT "/seq/s-0000000001", -1);
    get_stat(zh, ROOT "/seq", &st);
    check(st.cversion == 10 && st.numChildren == 4, "sequential: cversion 10 after two deletes",
          "cversion %d numChildren %d", st.cversion, st.numChildren);
    rc = zoo_create(zh, ROOT "/seq/s-", "x", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_SEQUENTIAL, p,
                    sizeof p);
    check(rc == ZOK && strcmp(p, ROOT "/seq/s-0000000007") == 0,
          "sequential: counter unaffected by deletes", "rc %d path %s", rc, p);
}

static void test_ephemeral(void)
{
    struct Stat st;
    int rc;
    memset(&st, 0, sizeof st);
    rc = zoo_create2(zh, ROOT "/eph", "e", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0, &st);
    check_rc(rc, ZOK, "ephemeral: create2");
    check(st.ephemeralOwner == my_session, "ephemeral: ephemeralOwner == session id",
          "owner %" PRIx64 " session %" PRIx64, st.ephemeralOwner, my_session);
    check_rc(create_node(zh, ROOT "/eph/child", "c", 0), ZNOCHILDRENFOREPHEMERALS,
             "ephemeral: child -> NOCHILDRENFOREPHEMERALS");
    check_rc(create_node(zh, ROOT "/eph/child", "c", ZOO_EPHEMERAL), ZNOCHILDRENFOREPHEMERALS,
             "ephemeral: ephemeral child -> NOCHILDRENFOREPHEMERALS");
    check_rc(zoo_create(zh, ROOT "/eph/s-", "c", 1, &ZOO_OPEN_ACL_UNSAFE,
                        ZOO_PERSISTENT_SEQUENTIAL, NULL, 0),
             ZNOCHILDRENFOREPHEMERALS, "ephemeral: sequential child -> NOCHILDRENFOREPHEMERALS");
    get_stat(zh, ROOT "/eph", &st);
    check_int(st.cversion, 0, "ephemeral: failed child creates leave cversion 0");

    /* a second session sees the owner, and the node vanishes when the owner closes */
    hctx_t h2 = {"legacy-eph2", 0, 0};
    zhandle_t *zh2 = open_handle(&h2, 10000, NULL);
    check(zh2 != NULL, "ephemeral: second handle", "no connection");
    if (!zh2)
        return;
    int64_t s2 = zoo_client_id(zh2)->client_id;
    rc = zoo_create2(zh2, ROOT "/eph2", "e", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0, &st);
    check(rc == ZOK && st.ephemeralOwner == s2, "ephemeral: second session owns its node",
          "rc %d owner %" PRIx64 " want %" PRIx64, rc, st.ephemeralOwner, s2);
    rc = get_stat(zh, ROOT "/eph2", &st);
    check(rc == ZOK && st.ephemeralOwner == s2, "ephemeral: owner visible from first session",
          "rc %d owner %" PRIx64, rc, st.ephemeralOwner);
    rc = zoo_wexists(zh, ROOT "/eph2", tag_watcher, "w-eph2", &st);
    check_rc(rc, ZOK, "ephemeral: watch before close");
    zookeeper_close(zh2);
    check_rc(zoo_exists(zh, ROOT "/eph2", 0, &st), ZNONODE,
             "ephemeral: gone right after zookeeper_close of owner");
    expect_event("w-eph2", ZOO_DELETED_EVENT, ROOT "/eph2", "ephemeral: DELETED event on close");
    expect_no_event("w-eph2", "ephemeral: DELETED fired once");
}

static void test_watches(void)
{
    struct Stat st;
    char buf[64];
    int len, rc;
    struct String_vector sv;

    /* exists watch on a missing node fires CREATED */
    rc = zoo_wexists(zh, ROOT "/w1", tag_watcher, "w-exists", &st);
    check_rc(rc, ZNONODE, "watch: wexists on missing -> NONODE");
    create_node(zh, ROOT "/w1", "a", 0);
    expect_event("w-exists", ZOO_CREATED_EVENT, ROOT "/w1", "watch: exists -> CREATED");
    zoo_set(zh, ROOT "/w1", "b", 1, -1);
    expect_no_event("w-exists", "watch: exists watch fired once");

    /* exists watch on an existing node fires CHANGED */
    rc = zoo_wexists(zh, ROOT "/w1", tag_watcher, "w-exists2", &st);
    check_rc(rc, ZOK, "watch: wexists on existing");
    zoo_set(zh, ROOT "/w1", "c", 1, -1);
    expect_event("w-exists2", ZOO_CHANGED_EVENT, ROOT "/w1", "watch: exists -> CHANGED");
    zoo_set(zh, ROOT "/w1", "d", 1, -1);
    expect_no_event("w-exists2", "watch: exists CHANGED fired once");

    /* get watch fires CHANGED, then DELETED for a new one */
    len = sizeof buf;
    rc = zoo_wget(zh, ROOT "/w1", tag_watcher, "w-get", buf, &len, &st);
    check_rc(rc, ZOK, "watch: wget");
    zoo_set(zh, ROOT "/w1", "e", 1, -1);
    expect_event("w-get", ZOO_CHANGED_EVENT, ROOT "/w1", "watch: get -> CHANGED");
    len = sizeof buf;
    rc = zoo_wget(zh, ROOT "/w1", tag_watcher, "w-get2", buf, &len, &st);
    len = sizeof buf;
    check_rc(zoo_wget(zh, ROOT "/none", tag_watcher, "w-get-none", buf, &len, &st), ZNONODE,
             "watch: wget on missing -> NONODE");

    /* child watch */
    rc = zoo_wget_children2(zh, ROOT "/w1", tag_watcher, "w-child", &sv, &st);
    check(rc == ZOK && sv.count == 0, "watch: wget_children2", "rc %d", rc);
    if (rc == ZOK)
        deallocate_String_vector(&sv);
    zoo_set(zh, ROOT "/w1", "f", 1, -1); /* data change does not fire a child watch */
    expect_event("w-get2", ZOO_CHANGED_EVENT, ROOT "/w1", "watch: second get -> CHANGED");
    expect_no_event("w-child", "watch: data change does not fire child watch");
    create_node(zh, ROOT "/w1/k", "k", 0);
    expect_event("w-child", ZOO_CHILD_EVENT, ROOT "/w1", "watch: child create -> CHILD on parent");
    zoo_delete(zh, ROOT "/w1/k", -1);
    expect_no_event("w-child", "watch: child watch fired once");
    rc = zoo_wget_children2(zh, ROOT "/w1", tag_watcher, "w-child2", &sv, &st);
    if (rc == ZOK)
        deallocate_String_vector(&sv);
    create_node(zh, ROOT "/w1/k2", "k", 0);
    rc = zoo_wget_children2(zh, ROOT "/w1", tag_watcher, "w-child3", &sv, &st);
    if (rc == ZOK)
        deallocate_String_vector(&sv);
    expect_event("w-child2", ZOO_CHILD_EVENT, ROOT "/w1", "watch: child create (2) -> CHILD");
    zoo_set(zh, ROOT "/w1/k2", "x", 1, -1);
    expect_no_event("w-child3", "watch: child data change does not fire parent child watch");
    zoo_delete(zh, ROOT "/w1/k2", -1);
    expect_event("w-child3", ZOO_CHILD_EVENT, ROOT "/w1", "watch: child delete -> CHILD on parent");

    /* delete fires DELETED on data and child watches of the node, CHILD on the parent's */
    len = sizeof buf;
    zoo_wget(zh, ROOT "/w1", tag_watcher, "w-del-data", buf, &len, &st);
    zoo_wexists(zh, ROOT "/w1", tag_watcher, "w-del-exists", &st);
    rc = zoo_wget_children2(zh, ROOT "/w1", tag_watcher, "w-del-child", &sv, &st);
    if (rc == ZOK)
        deallocate_String_vector(&sv);
    rc = zoo_wget_children2(zh, ROOT, tag_watcher, "w-del-parent", &sv, &st);
    if (rc == ZOK)
        deallocate_String_vector(&sv);
    zoo_delete(zh, ROOT "/w1", -1);
    expect_event("w-del-data", ZOO_DELETED_EVENT, ROOT "/w1", "watch: delete -> DELETED (get)");
    expect_event("w-del-exists", ZOO_DELETED_EVENT, ROOT "/w1",
                 "watch: delete -> DELETED (exists)");
    expect_event("w-del-child", ZOO_DELETED_EVENT, ROOT "/w1",
                 "watch: delete -> DELETED (children)");
    expect_event("w-del-parent", ZOO_CHILD_EVENT, ROOT, "watch: delete -> CHILD on parent");
    expect_no_event("w-del-data", "watch: DELETED fired once (get)");
    expect_no_event("w-del-child", "watch: DELETED fired once (children)");

    /* the same watcher object registered twice on a path fires once */
    create_node(zh, ROOT "/w2", "a", 0);
    zoo_wexists(zh, ROOT "/w2", tag_watcher, "w-dup", &st);
    len = sizeof buf;
    zoo_wget(zh, ROOT "/w2", tag_watcher, "w-dup", buf, &len, &st);
    zoo_set(zh, ROOT "/w2", "b", 1, -1);
    expect_event("w-dup", ZOO_CHANGED_EVENT, ROOT "/w2", "watch: same watcher twice -> one event");
    expect_no_event("w-dup", "watch: same watcher twice fires once");

    /* legacy watches through the global watcher (watch=1) */
    len = sizeof buf;
    rc = zoo_get(zh, ROOT "/w2", 1, buf, &len, &st);
    check_rc(rc, ZOK, "watch: legacy get watch=1");
    check_rc(zoo_exists(zh, ROOT "/w3", 1, &st), ZNONODE, "watch: legacy exists watch=1");
    rc = zoo_get_children(zh, ROOT "/w2", 1, &sv);
    if (rc == ZOK)
        deallocate_String_vector(&sv);
    zoo_set(zh, ROOT "/w2", "c", 1, -1);
    expect_event(hmain.tag, ZOO_CHANGED_EVENT, ROOT "/w2", "watch: legacy get -> CHANGED");
    create_node(zh, ROOT "/w3", "", 0);
    expect_event(hmain.tag, ZOO_CREATED_EVENT, ROOT "/w3", "watch: legacy exists -> CREATED");
    create_node(zh, ROOT "/w2/k", "", 0);
    expect_event(hmain.tag, ZOO_CHILD_EVENT, ROOT "/w2", "watch: legacy children -> CHILD");
    expect_no_event(hmain.tag, "watch: legacy watches fired once");

    /* watches set by one session fire for changes made by another */
    hctx_t h2 = {"legacy-w2", 0, 0};
    zhandle_t *zh2 = open_handle(&h2, 10000, NULL);
    if (zh2) {
        zoo_wexists(zh, ROOT "/w3", tag_watcher, "w-cross", &st);
        zoo_set(zh2, ROOT "/w3", "other", 5, -1);
        expect_event("w-cross", ZOO_CHANGED_EVENT, ROOT "/w3",
                     "watch: change by another session fires");
        zookeeper_close(zh2);
    } else {
        check(0, "watch: second handle", "no connection");
    }

    /* in one session, the notification precedes the reply of the op that caused it */
    {
        comp_t c;
        event_t e;
        zoo_wexists(zh, ROOT "/w3", tag_watcher, "w-order", &st);
        comp_reset(&c);
        zoo_aset(zh, ROOT "/w3", "q", 1, -1, stat_cb, &c);
        if (comp_wait(&c, "watch: ordering completion") &&
            take_event("w-order", WAIT_MS, &e)) {
            check(e.seq < c.seq, "watch: event delivered before the triggering op's completion",
                  "event seq %d completion seq %d", e.seq, c.seq);
        } else {
            check(0, "watch: event delivered before the triggering op's completion", "missing");
        }
    }
}

static void test_remove_watches(void)
{
    struct Stat st;
    char buf[16];
    int len, rc;
    struct String_vector sv;

    create_node(zh, ROOT "/rw", "a", 0);
    zoo_wexists(zh, ROOT "/rw", tag_watcher, "rw-data", &st);
    rc = zoo_remove_watches(zh, ROOT "/rw", ZWATCHTYPE_DATA, tag_watcher, "rw-data", 0);
    check_rc(rc, ZOK, "remove_watches: data watch");
    zoo_set(zh, ROOT "/rw", "b", 1, -1);
    expect_no_event("rw-data", "remove_watches: removed data watch does not fire");

    rc = zoo_remove_watches(zh, ROOT "/rw", ZWATCHTYPE_DATA, tag_watcher, "rw-data", 0);
    check_rc(rc, ZNOWATCHER, "remove_watches: nothing to remove -> NOWATCHER");
    rc = zoo_remove_all_watches(zh, ROOT "/rw", ZWATCHTYPE_ANY, 0);
    check_rc(rc, ZNOWATCHER, "remove_all_watches: nothing to remove -> NOWATCHER");

    rc = zoo_wget_children2(zh, ROOT "/rw", tag_watcher, "rw-child", &sv, &st);
    if (rc == ZOK)
        deallocate_String_vector(&sv);
    len = sizeof buf;
    zoo_wget(zh, ROOT "/rw", tag_watcher, "rw-keep", buf, &len, &st);
    rc = zoo_remove_watches(zh, ROOT "/rw", ZWATCHTYPE_CHILD, tag_watcher, "rw-child", 0);
    check_rc(rc, ZOK, "remove_watches: child watch");
    create_node(zh, ROOT "/rw/k", "", 0);
    expect_no_event("rw-child", "remove_watches: removed child watch does not fire");
    zoo_set(zh, ROOT "/rw", "c", 1, -1);
    expect_event("rw-keep", ZOO_CHANGED_EVENT, ROOT "/rw",
                 "remove_watches: other data watch still fires");

    len = sizeof buf;
    zoo_wget(zh, ROOT "/rw", tag_watcher, "rw-all1", buf, &len, &st);
    rc = zoo_wget_children2(zh, ROOT "/rw", tag_watcher, "rw-all2", &sv, &st);
    if (rc == ZOK)
        deallocate_String_vector(&sv);
    rc = zoo_remove_all_watches(zh, ROOT "/rw", ZWATCHTYPE_ANY, 0);
    check_rc(rc, ZOK, "remove_all_watches: any");
    zoo_set(zh, ROOT "/rw", "d", 1, -1);
    zoo_delete(zh, ROOT "/rw/k", -1);
    expect_no_event("rw-all1", "remove_all_watches: data watch gone");
    expect_no_event("rw-all2", "remove_all_watches: child watch gone");
}

static void test_acl(void)
{
    struct ACL_vector acl;
    struct Stat st;
    int rc;
    char buf[64];
    int len;
    struct String_vector sv;

    /* getAcl of an open node */
    rc = zoo_get_acl(zh, ROOT, &acl, &st);
    check_rc(rc, ZOK, "get_acl: ok");
    if (rc == ZOK) {
        check(acl.count == 1 && acl.data[0].perms == ZOO_PERM_ALL &&
                  strcmp(acl.data[0].id.scheme, "world") == 0 &&
                  strcmp(acl.data[0].id.id, "anyone") == 0,
              "get_acl: world:anyone:cdrwa", "count %d", acl.count);
        check_int(st.aversion, 0, "get_acl: aversion 0");
        deallocate_ACL_vector(&acl);
    }
    check_rc(zoo_get_acl(zh, ROOT "/none", &acl, &st), ZNONODE, "get_acl: missing -> NONODE");

    /* setAcl with versions */
    create_node(zh, ROOT "/acl", "x", 0);
    check_rc(zoo_set_acl(zh, ROOT "/acl", 0, &ZOO_OPEN_ACL_UNSAFE), ZOK, "set_acl: version 0");
    check_rc(zoo_set_acl(zh, ROOT "/acl", 0, &ZOO_OPEN_ACL_UNSAFE), ZBADVERSION,
             "set_acl: stale version -> BADVERSION");
    check_rc(zoo_set_acl(zh, ROOT "/acl", 1, &ZOO_READ_ACL_UNSAFE), ZOK, "set_acl: version 1");
    check_rc(zoo_set_acl(zh, ROOT "/none", -1, &ZOO_OPEN_ACL_UNSAFE), ZNONODE,
             "set_acl: missing -> NONODE");
    rc = zoo_get_acl(zh, ROOT "/acl", &acl, &st);
    if (rc == ZOK) {
        check(acl.count == 1 && acl.data[0].perms == ZOO_PERM_READ, "get_acl: read-only ACL",
              "count %d perms %d", acl.count, acl.count ? acl.data[0].perms : -1);
        check_int(st.aversion, 2, "get_acl: aversion 2 after two set_acl");
        check_int(st.version, 0, "get_acl: data version unchanged by set_acl");
        deallocate_ACL_vector(&acl);
    }
    check_rc(zoo_set(zh, ROOT "/acl", "y", 1, -1), ZNOAUTH, "acl: write on read-only -> NOAUTH");
    check_rc(create_node(zh, ROOT "/acl/k", "", 0), ZNOAUTH, "acl: create under read-only -> NOAUTH");
    check_rc(zoo_set_acl(zh, ROOT "/acl", 2, &ZOO_OPEN_ACL_UNSAFE), ZNOAUTH,
             "acl: set_acl without ADMIN -> NOAUTH");
    len = sizeof buf;
    check_rc(zoo_get(zh, ROOT "/acl", 0, buf, &len, &st), ZOK, "acl: read allowed");

    /* invalid ACLs */
    struct ACL empty_acl_data[1];
    struct ACL_vector empty = {0, empty_acl_data};
    check_rc(zoo_create(zh, ROOT "/acl-empty", "", 0, &empty, 0, NULL, 0), ZINVALIDACL,
             "acl: empty ACL -> INVALIDACL");
    check_rc(zoo_create(zh, ROOT "/acl-creator", "", 0, &ZOO_CREATOR_ALL_ACL, 0, NULL, 0),
             ZINVALIDACL, "acl: auth ACL without credentials -> INVALIDACL");

    /* digest ACL: user1 may do everything, everyone else nothing */
    struct ACL d1[1] = {{ZOO_PERM_ALL, {"digest", "user1:GMJqCvSAmNfv41XqBotWHO0HsNc="}}};
    struct ACL_vector dacl = {1, d1};
    check_rc(zoo_create(zh, ROOT "/sec", "secret", 6, &dacl, 0, NULL, 0), ZOK,
             "acl: create with digest ACL");
    len = sizeof buf;
    check_rc(zoo_get(zh, ROOT "/sec", 0, buf, &len, &st), ZNOAUTH, "acl: get -> NOAUTH");
    check_rc(zoo_set(zh, ROOT "/sec", "x", 1, -1), ZNOAUTH, "acl: set -> NOAUTH");
    check_rc(zoo_get_children(zh, ROOT "/sec", 0, &sv), ZNOAUTH, "acl: get_children -> NOAUTH");
    check_rc(create_node(zh, ROOT "/sec/k", "", 0), ZNOAUTH, "acl: create child -> NOAUTH");
    check_rc(zoo_set_acl(zh, ROOT "/sec", -1, &ZOO_OPEN_ACL_UNSAFE), ZNOAUTH,
             "acl: set_acl -> NOAUTH");
    check_rc(zoo_exists(zh, ROOT "/sec", 0, &st), ZOK, "acl: exists needs no permission");
    rc = zoo_get_acl(zh, ROOT "/sec", &acl, &st);
    check_rc(rc, ZNOAUTH, "acl: get_acl without READ/ADMIN -> NOAUTH");
    if (rc == ZOK)
        deallocate_ACL_vector(&acl);

    /* a second session authenticates */
    hctx_t h2 = {"legacy-auth", 0, 0};
    zhandle_t *zh2 = open_handle(&h2, 10000, NULL);
    if (!zh2) {
        check(0, "acl: second handle", "no connection");
        return;
    }
    comp_t c;
    comp_reset(&c);
    rc = zoo_add_auth(zh2, "digest", "user1:pw1", 9, void_cb, &c);
    check_rc(rc, ZOK, "add_auth: queued");
    if (comp_wait(&c, "add_auth: completion"))
        check_rc(c.rc, ZOK, "add_auth: digest accepted");
    len = sizeof buf;
    rc = zoo_get(zh2, ROOT "/sec", 0, buf, &len, &st);
    check(rc == ZOK && len == 6 && memcmp(buf, "secret", 6) == 0, "acl: get after auth",
          "rc %d len %d", rc, len);
    check_rc(create_node(zh2, ROOT "/sec/k", "", 0), ZOK, "acl: create child after auth");
    rc = zoo_get_acl(zh2, ROOT "/sec", &acl, &st);
    check_rc(rc, ZOK, "acl: get_acl after auth");
    if (rc == ZOK) {
        check(acl.count == 1 && acl.data[0].perms == ZOO_PERM_ALL &&
                  strcmp(acl.data[0].id.scheme, "digest") == 0 &&
                  strcmp(acl.data[0].id.id, "user1:GMJqCvSAmNfv41XqBotWHO0HsNc=") == 0,
              "acl: digest ACL round-trips", "count %d", acl.count);
        deallocate_ACL_vector(&acl);
    }
    /* the creator ACL ("auth" scheme) expands to the session's digest identity */
    rc = zoo_create(zh2, ROOT "/mine", "", 0, &ZOO_CREATOR_ALL_ACL, 0, NULL, 0);
    check_rc(rc, ZOK, "acl: creator ACL with credentials");
    rc = zoo_get_acl(zh2, ROOT "/mine", &acl, &st);
    if (rc == ZOK) {
        check(acl.count == 1 && acl.data[0].perms == ZOO_PERM_ALL &&
                  strcmp(acl.data[0].id.scheme, "digest") == 0 &&
                  strcmp(acl.data[0].id.id, "user1:GMJqCvSAmNfv41XqBotWHO0HsNc=") == 0,
              "acl: creator ACL expands to digest:user1:<hash>", "count %d scheme %s id %s",
              acl.count, acl.count ? acl.data[0].id.scheme : "", acl.count ? acl.data[0].id.id : "");
        deallocate_ACL_vector(&acl);
    } else {
        check_rc(rc, ZOK, "acl: get_acl of creator-ACL node");
    }
    len = sizeof buf;
    check_rc(zoo_get(zh, ROOT "/mine", 0, buf, &len, &st), ZNOAUTH,
             "acl: creator ACL denies other sessions");
    /* delete checks the parent's DELETE permission only: denied under the protected /sec,
       allowed for the protected /mine whose parent is open */
    check_rc(zoo_delete(zh, ROOT "/sec/k", -1), ZNOAUTH,
             "acl: delete under protected parent -> NOAUTH");
    check_rc(zoo_delete(zh2, ROOT "/sec/k", -1), ZOK, "acl: delete after auth");
    check_rc(zoo_delete(zh, ROOT "/mine", -1), ZOK, "acl: delete of protected node in open parent");
    /* set_acl needs ADMIN; the authenticated session opens /sec again */
    check_rc(zoo_set_acl(zh2, ROOT "/sec", 0, &ZOO_OPEN_ACL_UNSAFE), ZOK, "acl: set_acl after auth");
    len = sizeof buf;
    check_rc(zoo_get(zh, ROOT "/sec", 0, buf, &len, &st), ZOK, "acl: open again for everyone");
    /* a second digest identity can be added to a session */
    comp_reset(&c);
    zoo_add_auth(zh2, "digest", "user2:pw2", 9, void_cb, &c);
    if (comp_wait(&c, "add_auth: second identity"))
        check_rc(c.rc, ZOK, "add_auth: second identity accepted");
    zookeeper_close(zh2);

    /* an unknown scheme fails authentication and ends the session */
    hctx_t h3 = {"legacy-badauth", 0, 0};
    zhandle_t *zh3 = open_handle(&h3, 10000, NULL);
    if (zh3) {
        comp_reset(&c);
        zoo_add_auth(zh3, "nosuchscheme", "x", 1, void_cb, &c);
        if (comp_wait(&c, "add_auth: unknown scheme completion"))
            check_rc(c.rc, ZAUTHFAILED, "add_auth: unknown scheme -> AUTHFAILED");
        check(wait_state(&h3, ZOO_AUTH_FAILED_STATE, WAIT_MS), "add_auth: handle in AUTH_FAILED state",
              "state %d", zoo_state(zh3));
        rc = zoo_exists(zh3, ROOT, 0, &st);
        check_rc(rc, ZINVALIDSTATE, "add_auth: later ops refused (INVALIDSTATE)");
        zookeeper_close(zh3);
    }
}

static void test_multi(void)
{
    zoo_op_t ops[6];
    zoo_op_result_t res[6];
    char p1[128] = "", p2[128] = "";
    struct Stat st, sst;
    int rc;

    create_node(zh, ROOT "/m", "", 0);
    create_node(zh, ROOT "/m/old", "old", 0);
    zoo_create_op_init(&ops[0], ROOT "/m/n1", "one", 3, &ZOO_OPEN_ACL_UNSAFE, 0, p1, sizeof p1);
    zoo_create_op_init(&ops[1], ROOT "/m/s-", "two", 3, &ZOO_OPEN_ACL_UNSAFE,
                       ZOO_PERSISTENT_SEQUENTIAL, p2, sizeof p2);
    zoo_set_op_init(&ops[2], ROOT "/m/n1", "uno", 3, 0, &sst);
    zoo_check_op_init(&ops[3], ROOT "/m/n1", 1);
    zoo_delete_op_init(&ops[4], ROOT "/m/old", 0);
    memset(res, 0, sizeof res);
    memset(&sst, 0, sizeof sst);
    rc = zoo_multi(zh, 5, ops, res);
    check_rc(rc, ZOK, "multi: create+create seq+set+check+delete");
    check(res[0].err == 0 && res[1].err == 0 && res[2].err == 0 && res[3].err == 0 &&
              res[4].err == 0,
          "multi: all results ZOK", "%d %d %d %d %d", res[0].err, res[1].err, res[2].err,
          res[3].err, res[4].err);
    check_str(p1, ROOT "/m/n1", "multi: create result path");
    check_str(p2, ROOT "/m/s-0000000002", "multi: sequential name inside multi");
    check_int(sst.version, 1, "multi: set result stat version 1");
    check_int(sst.dataLength, 3, "multi: set result stat dataLength");
    check_rc(zoo_exists(zh, ROOT "/m/old", 0, &st), ZNONODE, "multi: delete applied");
    rc = get_stat(zh, ROOT "/m/n1", &st);
    check(rc == ZOK && st.version == 1, "multi: node exists with version 1", "rc %d version %d",
          rc, st.version);
    check_int(st.czxid, st.mzxid, "multi: all ops share one zxid (czxid == mzxid)");
    check(same_stat(&st, &sst), "multi: set result stat equals exists stat", "differs");

    /* failing multi: nothing applied, per-op errors */
    zoo_create_op_init(&ops[0], ROOT "/m/n2", "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, p1, sizeof p1);
    zoo_check_op_init(&ops[1], ROOT "/m/n1", 0);
    zoo_set_op_init(&ops[2], ROOT "/m/n1", "x", 1, -1, NULL);
    memset(res, 0, sizeof res);
    rc = zoo_multi(zh, 3, ops, res);
    check_rc(rc, ZBADVERSION, "multi: failing check -> BADVERSION");
    check(res[0].err == ZOK && res[1].err == ZBADVERSION && res[2].err == ZRUNTIMEINCONSISTENCY,
          "multi: per-op results OK, BADVERSION, RUNTIMEINCONSISTENCY", "%d %d %d", res[0].err,
          res[1].err, res[2].err);
    check_rc(zoo_exists(zh, ROOT "/m/n2", 0, &st), ZNONODE, "multi: failed multi applied nothing");
    get_stat(zh, ROOT "/m/n1", &st);
    check_int(st.version, 1, "multi: failed multi left data version");

    zoo_create_op_init(&ops[0], ROOT "/m/n3", "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    zoo_create_op_init(&ops[1], ROOT "/m/n3", "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    rc = zoo_multi(zh, 2, ops, res);
    check_rc(rc, ZNODEEXISTS, "multi: create twice in one multi -> NODEEXISTS");
    zoo_create_op_init(&ops[0], ROOT "/m/n4", "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    zoo_delete_op_init(&ops[1], ROOT "/m/n4", -1);
    zoo_delete_op_init(&ops[2], ROOT "/m/nosuch", -1);
    rc = zoo_multi(zh, 3, ops, res);
    check_rc(rc, ZNONODE, "multi: delete missing -> NONODE");
    check(res[0].err == ZOK && res[1].err == ZOK && res[2].err == ZNONODE,
          "multi: earlier ops report OK", "%d %d %d", res[0].err, res[1].err, res[2].err);
    zoo_delete_op_init(&ops[0], ROOT "/m", -1);
    rc = zoo_multi(zh, 1, ops, res);
    check_rc(rc, ZNOTEMPTY, "multi: delete non-empty -> NOTEMPTY");
    zoo_create_op_init(&ops[0], ROOT "/eph/x", "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    rc = zoo_multi(zh, 1, ops, res);
    check_rc(rc, ZNOCHILDRENFOREPHEMERALS, "multi: child of ephemeral -> NOCHILDRENFOREPHEMERALS");

    rc = zoo_multi(zh, 0, ops, res);
    check_rc(rc, ZOK, "multi: empty multi");

    /* ops in one multi see each other's effects; a watch fires once */
    zoo_wexists(zh, ROOT "/m/n5", tag_watcher, "m-watch", &st);
    zoo_create_op_init(&ops[0], ROOT "/m/n5", "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    zoo_create_op_init(&ops[1], ROOT "/m/n5/c", "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    zoo_set_op_init(&ops[2], ROOT "/m/n5", "y", 1, 0, NULL);
    rc = zoo_multi(zh, 3, ops, res);
    check_rc(rc, ZOK, "multi: dependent ops");
    expect_event("m-watch", ZOO_CREATED_EVENT, ROOT "/m/n5", "multi: exists watch -> CREATED");
    expect_no_event("m-watch", "multi: watch fired once");
}

static void test_ttl_container(void)
{
    struct Stat st;
    char p[128];
    int rc;

    memset(&st, 0, sizeof st);
    rc = zoo_create2_ttl(zh, ROOT "/ttl", "t", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_WITH_TTL,
                         100000, p, sizeof p, &st);
    check_rc(rc, ZOK, "ttl: create2_ttl");
    /* the stored owner is 0xFF00..|ttl, but DataNode.copyStat reports 0 for non-NORMAL types */
    check(st.ephemeralOwner == 0 && st.version == 0 && st.dataLength == 1,
          "ttl: stat reports ephemeralOwner 0", "owner %" PRIx64, st.ephemeralOwner);
    rc = zoo_create_ttl(zh, ROOT "/ttl-s", "t", 1, &ZOO_OPEN_ACL_UNSAFE,
                        ZOO_PERSISTENT_SEQUENTIAL_WITH_TTL, 5000, p, sizeof p);
    check(rc == ZOK && strcmp(p, ROOT "/ttl-s0000000000") != 0 && strncmp(p, ROOT "/ttl-s", 13) == 0,
          "ttl: sequential ttl", "rc %d path %s", rc, p);
    check_rc(create_node(zh, ROOT "/ttl/k", "", 0), ZOK, "ttl: persistent child allowed");
    rc = zoo_create_ttl(zh, ROOT "/ttl-bad", "t", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_WITH_TTL,
                        0, p, sizeof p);
    check_rc(rc, ZBADARGUMENTS, "ttl: ttl 0 -> BADARGUMENTS");

    memset(&st, 0, sizeof st);
    rc = zoo_create2(zh, ROOT "/box", "c", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_CONTAINER, p, sizeof p, &st);
    check_rc(rc, ZOK, "container: create2");
    check_str(p, ROOT "/box", "container: path");
    /* stored as Long.MIN_VALUE, reported as 0 */
    check(st.ephemeralOwner == 0, "container: stat reports ephemeralOwner 0", "owner %" PRIx64,
          st.ephemeralOwner);
    check_rc(create_node(zh, ROOT "/box/k", "", 0), ZOK, "container: child allowed");
    check_rc(zoo_delete(zh, ROOT "/box", -1), ZNOTEMPTY, "container: NOTEMPTY with children");
    /* (a container inside zoo_multi is not tested: the 3.8 C client asserts in
       deserialize_multi on the createContainer result) */
}

static void test_async(void)
{
    comp_t c[6];
    int rc;

    create_node(zh, ROOT "/as", "", 0);
    comp_reset(&c[0]);
    rc = zoo_acreate(zh, ROOT "/as/n", "v1", 2, &ZOO_OPEN_ACL_UNSAFE, 0, string_cb, &c[0]);
    check_rc(rc, ZOK, "acreate: queued");
    if (comp_wait(&c[0], "acreate: completion")) {
        check_rc(c[0].rc, ZOK, "acreate: ok");
        check_str(c[0].value, ROOT "/as/n", "acreate: path");
    }
    comp_reset(&c[0]);
    zoo_acreate(zh, ROOT "/as/n", "v1", 2, &ZOO_OPEN_ACL_UNSAFE, 0, string_cb, &c[0]);
    if (comp_wait(&c[0], "acreate: existing completion"))
        check_rc(c[0].rc, ZNODEEXISTS, "acreate: existing -> NODEEXISTS");
    comp_reset(&c[0]);
    zoo_acreate(zh, ROOT "/as/q-", "s", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL_SEQUENTIAL,
                string_cb, &c[0]);
    if (comp_wait(&c[0], "acreate: sequential completion"))
        check_str(c[0].value, ROOT "/as/q-0000000001", "acreate: sequential name");

    comp_reset(&c[0]);
    zoo_aget(zh, ROOT "/as/n", 0, data_cb, &c[0]);
    if (comp_wait(&c[0], "aget: completion")) {
        check_rc(c[0].rc, ZOK, "aget: ok");
        check(c[0].value_len == 2 && memcmp(c[0].value, "v1", 2) == 0, "aget: data",
              "len %d", c[0].value_len);
        check(c[0].has_stat && c[0].stat.version == 0 && c[0].stat.dataLength == 2,
              "aget: stat", "version %d", c[0].stat.version);
    }
    comp_reset(&c[0]);
    zoo_aget(zh, ROOT "/as/none", 0, data_cb, &c[0]);
    if (comp_wait(&c[0], "aget: missing completion"))
        check_rc(c[0].rc, ZNONODE, "aget: missing -> NONODE");

    comp_reset(&c[0]);
    zoo_aset(zh, ROOT "/as/n", "v2", 2, 0, stat_cb, &c[0]);
    if (comp_wait(&c[0], "aset: completion")) {
        check_rc(c[0].rc, ZOK, "aset: ok");
        check(c[0].has_stat && c[0].stat.version == 1, "aset: stat version 1", "version %d",
              c[0].stat.version);
    }
    comp_reset(&c[0]);
    zoo_aset(zh, ROOT "/as/n", "v3", 2, 0, stat_cb, &c[0]);
    if (comp_wait(&c[0], "aset: stale completion"))
        check_rc(c[0].rc, ZBADVERSION, "aset: stale -> BADVERSION");
    comp_reset(&c[0]);
    zoo_aset(zh, ROOT "/as/none", "v3", 2, -1, stat_cb, &c[0]);
    if (comp_wait(&c[0], "aset: missing completion"))
        check_rc(c[0].rc, ZNONODE, "aset: missing -> NONODE");

    comp_reset(&c[0]);
    zoo_aexists(zh, ROOT "/as/n", 0, stat_cb, &c[0]);
    if (comp_wait(&c[0], "aexists: completion")) {
        check_rc(c[0].rc, ZOK, "aexists: ok");
        check(c[0].has_stat && c[0].stat.version == 1 && c[0].stat.dataLength == 2,
              "aexists: stat", "version %d", c[0].stat.version);
    }
    comp_reset(&c[0]);
    zoo_aexists(zh, ROOT "/as/none", 0, stat_cb, &c[0]);
    if (comp_wait(&c[0], "aexists: missing completion"))
        check_rc(c[0].rc, ZNONODE, "aexists: missing -> NONODE");

    comp_reset(&c[0]);
    zoo_aget_children2(zh, ROOT "/as", 0, strings_stat_cb, &c[0]);
    if (comp_wait(&c[0], "aget_children2: completion")) {
        check_rc(c[0].rc, ZOK, "aget_children2: ok");
        int seen_n = 0, seen_q = 0;
        for (int i = 0; i < c[0].nstrings && i < 16; i++) {
            seen_n |= strcmp(c[0].strings[i], "n") == 0;
            seen_q |= strcmp(c[0].strings[i], "q-0000000001") == 0;
        }
        check(c[0].nstrings == 2 && seen_n && seen_q, "aget_children2: names", "count %d",
              c[0].nstrings);
        check(c[0].has_stat && c[0].stat.numChildren == 2 && c[0].stat.cversion == 2,
              "aget_children2: stat numChildren 2 cversion 2", "numChildren %d cversion %d",
              c[0].stat.numChildren, c[0].stat.cversion);
    }
    comp_reset(&c[0]);
    zoo_aget_children2(zh, ROOT "/none", 0, strings_stat_cb, &c[0]);
    if (comp_wait(&c[0], "aget_children2: missing completion"))
        check_rc(c[0].rc, ZNONODE, "aget_children2: missing -> NONODE");

    comp_reset(&c[0]);
    zoo_adelete(zh, ROOT "/as", -1, void_cb, &c[0]);
    if (comp_wait(&c[0], "adelete: non-empty completion"))
        check_rc(c[0].rc, ZNOTEMPTY, "adelete: non-empty -> NOTEMPTY");
    comp_reset(&c[0]);
    zoo_adelete(zh, ROOT "/as/n", 0, void_cb, &c[0]);
    if (comp_wait(&c[0], "adelete: stale completion"))
        check_rc(c[0].rc, ZBADVERSION, "adelete: stale -> BADVERSION");
    comp_reset(&c[0]);
    zoo_adelete(zh, ROOT "/as/n", 1, void_cb, &c[0]);
    if (comp_wait(&c[0], "adelete: completion"))
        check_rc(c[0].rc, ZOK, "adelete: ok");
    comp_reset(&c[0]);
    zoo_adelete(zh, ROOT "/as/n", -1, void_cb, &c[0]);
    if (comp_wait(&c[0], "adelete: missing completion"))
        check_rc(c[0].rc, ZNONODE, "adelete: missing -> NONODE");

    /* zoo_async (sync) */
    comp_reset(&c[0]);
    rc = zoo_async(zh, ROOT "/as", string_cb, &c[0]);
    check_rc(rc, ZOK, "async(sync): queued");
    if (comp_wait(&c[0], "async(sync): completion")) {
        check_rc(c[0].rc, ZOK, "async(sync): ok");
        check_str(c[0].value, ROOT "/as", "async(sync): returns the path");
    }

    /* amulti */
    {
        zoo_op_t ops[2];
        zoo_op_result_t res[2];
        char p[128] = "";
        zoo_create_op_init(&ops[0], ROOT "/as/m", "m", 1, &ZOO_OPEN_ACL_UNSAFE, 0, p, sizeof p);
        zoo_check_op_init(&ops[1], ROOT "/as/m", 0);
        comp_reset(&c[0]);
        rc = zoo_amulti(zh, 2, ops, res, void_cb, &c[0]);
        check_rc(rc, ZOK, "amulti: queued");
        if (comp_wait(&c[0], "amulti: completion")) {
            check_rc(c[0].rc, ZOK, "amulti: ok");
            check(res[0].err == ZOK && res[1].err == ZOK, "amulti: results", "%d %d", res[0].err,
                  res[1].err);
            check_str(p, ROOT "/as/m", "amulti: create path");
        }
        zoo_delete_op_init(&ops[0], ROOT "/as/m", 5);
        comp_reset(&c[0]);
        zoo_amulti(zh, 1, ops, res, void_cb, &c[0]);
        if (comp_wait(&c[0], "amulti: failing completion")) {
            check_rc(c[0].rc, ZBADVERSION, "amulti: failing -> BADVERSION");
            check_int(res[0].err, ZBADVERSION, "amulti: per-op BADVERSION");
        }
    }

    /* pipelined requests complete in submission order */
    comp_reset(&c[0]);
    comp_reset(&c[1]);
    comp_reset(&c[2]);
    comp_reset(&c[3]);
    comp_reset(&c[4]);
    comp_reset(&c[5]);
    zoo_acreate(zh, ROOT "/as/pipe", "a", 1, &ZOO_OPEN_ACL_UNSAFE, 0, string_cb, &c[0]);
    zoo_aset(zh, ROOT "/as/pipe", "bb", 2, 0, stat_cb, &c[1]);
    zoo_aget(zh, ROOT "/as/pipe", 0, data_cb, &c[2]);
    zoo_aexists(zh, ROOT "/as/pipe", 0, stat_cb, &c[3]);
    zoo_adelete(zh, ROOT "/as/pipe", 1, void_cb, &c[4]);
    zoo_async(zh, ROOT "/as", string_cb, &c[5]);
    int all = 1;
    for (int i = 0; i < 6; i++)
        all &= comp_wait(&c[i], N("pipeline: completion %d", i));
    if (all) {
        check(c[0].rc == ZOK && c[1].rc == ZOK && c[2].rc == ZOK && c[3].rc == ZOK &&
                  c[4].rc == ZOK && c[5].rc == ZOK,
              "pipeline: all ok", "%d %d %d %d %d %d", c[0].rc, c[1].rc, c[2].rc, c[3].rc,
              c[4].rc, c[5].rc);
        check(c[0].seq < c[1].seq && c[1].seq < c[2].seq && c[2].seq < c[3].seq &&
                  c[3].seq < c[4].seq && c[4].seq < c[5].seq,
              "pipeline: completions in submission order", "seqs %d %d %d %d %d %d", c[0].seq,
              c[1].seq, c[2].seq, c[3].seq, c[4].seq, c[5].seq);
        check(c[2].value_len == 2 && memcmp(c[2].value, "bb", 2) == 0 && c[2].stat.version == 1,
              "pipeline: get sees the preceding set", "len %d version %d", c[2].value_len,
              c[2].stat.version);
    }
}

/* Session owned by a process that died without closing: the ephemeral outlives the connection,
   the session can be resumed with its id and password, and after expiry it is gone. */
static void test_sessions(owner_t *resumed, owner_t *expired)
{
    clientid_t cid, bad;
    struct Stat st;
    int rc;
    long long t0;

    /* resume */
    if (run_owner(resumed, ROOT "/resumed", &cid) != 0) {
        check(0, "session: owner process (resume)", "child failed");
    } else {
        rc = get_stat(zh, ROOT "/resumed", &st);
        check(rc == ZOK && st.ephemeralOwner == cid.client_id,
              "session: ephemeral outlives a dropped connection", "rc %d owner %" PRIx64, rc,
              st.ephemeralOwner);
        bad = cid;
        bad.passwd[0] ^= 0x55;
        hctx_t hb = {"legacy-badpw", 0, 0};
        zhandle_t *zb = zookeeper_init(g_host, global_watcher, 4000, &bad, &hb, 0);
        check(zb && wait_state(&hb, ZOO_EXPIRED_SESSION_STATE, 10000),
              "session: wrong password -> EXPIRED_SESSION state", "state %d", hb.state);
        if (zb)
            zookeeper_close(zb);
        rc = get_stat(zh, ROOT "/resumed", &st);
        check_rc(rc, ZOK, "session: wrong password leaves the session alive");

        hctx_t hr = {"legacy-resume", 0, 0};
        zhandle_t *zr = open_handle(&hr, 4000, &cid);
        check(zr != NULL, "session: resume with id and password", "state %d", hr.state);
        if (zr) {
            check(zoo_client_id(zr)->client_id == cid.client_id, "session: resumed id is the same",
                  "%" PRIx64 " vs %" PRIx64, zoo_client_id(zr)->client_id, cid.client_id);
            rc = zoo_create2(zr, ROOT "/resumed2", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL,
                             NULL, 0, &st);
            check(rc == ZOK && st.ephemeralOwner == cid.client_id,
                  "session: resumed session creates ephemerals", "rc %d", rc);
            zookeeper_close(zr);
            check_rc(zoo_exists(zh, ROOT "/resumed", 0, &st), ZNONODE,
                     "session: close of resumed session removes old ephemeral");
            check_rc(zoo_exists(zh, ROOT "/resumed2", 0, &st), ZNONODE,
                     "session: close of resumed session removes new ephemeral");
        }
    }

    /* expiry */
    if (run_owner(expired, ROOT "/expires", &cid) != 0) {
        check(0, "session: owner process (expiry)", "child failed");
        return;
    }
    t0 = now_ms();
    rc = zoo_wexists(zh, ROOT "/expires", tag_watcher, "w-expire", &st);
    check(rc == ZOK && st.ephemeralOwner == cid.client_id,
          "session: ephemeral present before expiry", "rc %d", rc);
    event_t e;
    int got = take_event("w-expire", 4 * g_tick + 20 * g_tick, &e);
    long long waited = now_ms() - t0;
    check(got && e.type == ZOO_DELETED_EVENT && strcmp(e.path, ROOT "/expires") == 0,
          "session: ephemeral deleted on expiry", "got %d type %d after %lld ms", got,
          got ? e.type : 0, waited);
    check(waited >= 2 * g_tick - 500, "session: not deleted before the session timeout",
          "after %lld ms", waited);
    check_rc(zoo_exists(zh, ROOT "/expires", 0, &st), ZNONODE, "session: node gone after expiry");
    hctx_t hx = {"legacy-expired", 0, 0};
    zhandle_t *zx = zookeeper_init(g_host, global_watcher, 4000, &cid, &hx, 0);
    check(zx && wait_state(&hx, ZOO_EXPIRED_SESSION_STATE, 10000),
          "session: resuming an expired session -> EXPIRED_SESSION state", "state %d", hx.state);
    if (zx) {
        rc = zoo_exists(zx, ROOT, 0, &st);
        check_rc(rc, ZINVALIDSTATE, "session: ops on expired handle refused (INVALIDSTATE)");
        zookeeper_close(zx);
    }
}

int main(int argc, char **argv)
{
    owner_t resumed, expired;

    if (argc < 2) {
        fprintf(stderr, "usage: %s HOST:PORT [TICK_TIME_MS]\n", argv[0]);
        return 2;
    }
    g_host = argv[1];
    if (argc > 2)
        g_tick = atoi(argv[2]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);

    /* fork the session owners before any client thread exists */
    if (fork_owner(&resumed, 2 * g_tick) || fork_owner(&expired, 2 * g_tick)) {
        fprintf(stderr, "fork failed\n");
        return 2;
    }

    zh = open_handle(&hmain, 10000, NULL);
    if (!zh) {
        printf("not ok - connect to %s\n", g_host);
        printf("0 passed, 1 failed\n");
        kill(resumed.pid, SIGKILL);
        kill(expired.pid, SIGKILL);
        return 1;
    }
    my_session = zoo_client_id(zh)->client_id;
    delete_tree(zh, ROOT);

    test_handshake();
    test_create_get_set_delete();
    test_children();
    test_sequential();
    test_ephemeral();
    test_watches();
    test_remove_watches();
    test_acl();
    test_multi();
    test_ttl_container();
    test_async();
    test_sessions(&resumed, &expired);

    delete_tree(zh, ROOT);
    zookeeper_close(zh);
    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed ? 1 : 0;
}
