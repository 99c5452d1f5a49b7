/*
 * Failover client for tests/integration/test_c_failover.py: the official multi-threaded C client
 * (libzookeeper_mt, 3.8) on one session against an ensemble, steered line by line over stdin.
 *
 * usage: zk_failover HOST:PORT,HOST:PORT,... SESSION_TIMEOUT_MS
 *
 * Connects (bounded wait), then prints
 *     READY session=0x<id> port=<peer port> timeout=<negotiated ms>
 * and answers each command line with exactly one line starting with "OK" or "ERR":
 *
 *     status                       OK state=<S> port=<P> current=<host:port> session=0x<id>
 *     create PATH DATA MODE        MODE is persistent|ephemeral; OK path=<created path>
 *     set PATH DATA                OK version=<n>
 *     get PATH                     OK data=<data> version=<n> owner=0x<ephemeralOwner>
 *     exists PATH                  OK yes owner=0x<id> | OK no
 *     events                       OK n=<k> <STATE>[@port] ...   (every session event so far)
 *     wait_state STATE MS          OK | ERR timeout last=<S>
 *     wait_moved PORT MS           connected to a server whose port is not PORT: OK port=<P>
 *     check_session                OK session=0x<id> | ERR session changed ...
 *     close                        zookeeper_close: OK rc=<rc>
 *     quit                         exits 0 (closing the handle if still open)
 *
 * Errors from the client library are "ERR rc=<rc> <zerror>".  <peer port> is read from the
 * process's own TCP socket (/proc/self/fd), i.e. the server the client really talks to.  Every
 * wait is bounded.  The library's own log goes to stderr.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#define MAX_EVENTS 256
#define LINE_MAX_LEN 4096

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static int g_state; /* last session state the watcher saw, under g_mu */
static struct {
    int state;
    int port;
} g_events[MAX_EVENTS];
static int g_nevents;

static zhandle_t *g_zh;
static int64_t g_session;

/* ------------------------------------------------------------------ helpers */

static const char *state_name(int state)
{
    if (state == ZOO_CONNECTING_STATE) return "CONNECTING";
    if (state == ZOO_ASSOCIATING_STATE) return "ASSOCIATING";
    if (state == ZOO_CONNECTED_STATE) return "CONNECTED";
    if (state == ZOO_READONLY_STATE) return "READONLY";
    if (state == ZOO_EXPIRED_SESSION_STATE) return "EXPIRED";
    if (state == ZOO_AUTH_FAILED_STATE) return "AUTH_FAILED";
    if (state == ZOO_NOTCONNECTED_STATE) return "NOTCONNECTED";
    if (state == 0) return "NONE";
    return "UNKNOWN";
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
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

/*
 * The remote port of this process's connected TCP socket: 0 when there is none, -1 when there
 * are several (not expected: the client holds one connection at a time).
 */
static int peer_port(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir) return 0;
    int found = 0, port = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        char *end;
        long fd = strtol(de->d_name, &end, 10);
        if (*end != '\0' || end == de->d_name || fd == dirfd(dir)) continue;
        int type = 0;
        socklen_t len = sizeof type;
        if (getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM)
            continue;
        struct sockaddr_storage addr;
        len = sizeof addr;
        if (getpeername((int)fd, (struct sockaddr *)&addr, &len) != 0) continue;
        if (addr.ss_family != AF_INET) continue;
        found++;
        port = ntohs(((struct sockaddr_in *)&addr)->sin_port);
    }
    closedir(dir);
    if (found > 1) return -1;
    return found == 1 ? port : 0;
}

static int64_t current_session(void)
{
    if (!g_zh) return 0;
    const clientid_t *id = zoo_client_id(g_zh);
    return id ? id->client_id : 0;
}

static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void reply(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static void reply_rc(int rc)
{
    reply("ERR rc=%d %s", rc, zerror(rc));
}

/* ------------------------------------------------------------------ watcher */

static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh;
    (void)path;
    (void)ctx;
    if (type != ZOO_SESSION_EVENT) return;
    int port = state == ZOO_CONNECTED_STATE ? peer_port() : 0;
    pthread_mutex_lock(&g_mu);
    g_state = state;
    if (g_nevents < MAX_EVENTS) {
        g_events[g_nevents].state = state;
        g_events[g_nevents].port = port;
        g_nevents++;
    }
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    fprintf(stderr, "zk_failover: session event %s port %d\n", state_name(state), port);
}

static int wait_state(int want, int ms)
{
    struct timespec dl = deadline_in(ms);
    pthread_mutex_lock(&g_mu);
    int rc = 0;
    while (g_state != want && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&g_cv, &g_mu, &dl);
    int ok = g_state == want;
    pthread_mutex_unlock(&g_mu);
    return ok;
}

static int last_state(void)
{
    pthread_mutex_lock(&g_mu);
    int s = g_state;
    pthread_mutex_unlock(&g_mu);
    return s;
}

static int parse_state(const char *name)
{
    static const char *names[] = {"CONNECTING", "ASSOCIATING", "CONNECTED", "READONLY",
                                  "EXPIRED", "AUTH_FAILED", "NOTCONNECTED"};
    int values[] = {ZOO_CONNECTING_STATE, ZOO_ASSOCIATING_STATE, ZOO_CONNECTED_STATE,
                    ZOO_READONLY_STATE, ZOO_EXPIRED_SESSION_STATE, ZOO_AUTH_FAILED_STATE,
                    ZOO_NOTCONNECTED_STATE};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], name) == 0) return values[i];
    return 0;
}

/* ------------------------------------------------------------------ commands */

static void cmd_status(void)
{
    const char *cur = g_zh ? zoo_get_current_server(g_zh) : NULL;
    char current[160];
    snprintf(current, sizeof current, "%s", cur ? cur : "-");
    for (char *p = current; *p; p++)
        if (*p == ' ') *p = '_';
    int state = g_zh ? zoo_state(g_zh) : 0;
    reply("OK state=%s port=%d current=%s session=0x%" PRIx64, state_name(state), peer_port(),
          current, current_session());
}

static void cmd_create(const char *path, const char *data, const char *mode)
{
    int flags;
    if (strcmp(mode, "persistent") == 0) {
        flags = 0;
    } else if (strcmp(mode, "ephemeral") == 0) {
        flags = ZOO_EPHEMERAL;
    } else {
        reply("ERR bad mode %s", mode);
        return;
    }
    char created[512];
    int rc = zoo_create(g_zh, path, data, (int)strlen(data), &ZOO_OPEN_ACL_UNSAFE, flags, created,
                        (int)sizeof created);
    if (rc == ZOK)
        reply("OK path=%s", created);
    else
        reply_rc(rc);
}

static void cmd_set(const char *path, const char *data)
{
    struct Stat st;
    int rc = zoo_set2(g_zh, path, data, (int)strlen(data), -1, &st);
    if (rc == ZOK)
        reply("OK version=%d", st.version);
    else
        reply_rc(rc);
}

static void cmd_get(const char *path)
{
    char buf[1024];
    int len = (int)sizeof buf - 1;
    struct Stat st;
    int rc = zoo_get(g_zh, path, 0, buf, &len, &st);
    if (rc != ZOK) {
        reply_rc(rc);
        return;
    }
    buf[len < 0 ? 0 : len] = '\0';
    reply("OK data=%s version=%d owner=0x%" PRIx64, buf, st.version, st.ephemeralOwner);
}

static void cmd_exists(const char *path)
{
    struct Stat st;
    int rc = zoo_exists(g_zh, path, 0, &st);
    if (rc == ZOK)
        reply("OK yes owner=0x%" PRIx64, st.ephemeralOwner);
    else if (rc == ZNONODE)
        reply("OK no");
    else
        reply_rc(rc);
}

static void cmd_events(void)
{
    char out[LINE_MAX_LEN];
    size_t used = 0;
    pthread_mutex_lock(&g_mu);
    int n = g_nevents;
    used += (size_t)snprintf(out, sizeof out, "OK n=%d", n);
    for (int i = 0; i < n && used < sizeof out - 40; i++) {
        if (g_events[i].port > 0)
            used += (size_t)snprintf(out + used, sizeof out - used, " %s@%d",
                                     state_name(g_events[i].state), g_events[i].port);
        else
            used += (size_t)snprintf(out + used, sizeof out - used, " %s",
                                     state_name(g_events[i].state));
    }
    pthread_mutex_unlock(&g_mu);
    reply("%s", out);
}

static void cmd_wait_state(const char *name, int ms)
{
    int want = parse_state(name);
    if (want == 0) {
        reply("ERR unknown state %s", name);
        return;
    }
    if (wait_state(want, ms))
        reply("OK");
    else
        reply("ERR timeout last=%s", state_name(last_state()));
}

static void cmd_wait_moved(int old_port, int ms)
{
    long long deadline = now_ms() + ms;
    int port = 0;
    do {
        if (last_state() == ZOO_CONNECTED_STATE && zoo_state(g_zh) == ZOO_CONNECTED_STATE) {
            port = peer_port();
            if (port > 0 && port != old_port) {
                reply("OK port=%d", port);
                return;
            }
        }
        sleep_ms(20);
    } while (now_ms() < deadline);
    reply("ERR timeout last=%s port=%d", state_name(last_state()), port);
}

static void cmd_check_session(void)
{
    int64_t now = current_session();
    if (now == g_session)
        reply("OK session=0x%" PRIx64, now);
    else
        reply("ERR session changed 0x%" PRIx64 " -> 0x%" PRIx64, g_session, now);
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s HOST:PORT[,HOST:PORT...] SESSION_TIMEOUT_MS\n", argv[0]);
        return 2;
    }
    int timeout = atoi(argv[2]);
    zoo_set_debug_level(ZOO_LOG_LEVEL_INFO);
    g_zh = zookeeper_init(argv[1], watcher, timeout, NULL, NULL, 0);
    if (!g_zh) {
        printf("FATAL zookeeper_init: %s\n", strerror(errno));
        return 2;
    }
    if (!wait_state(ZOO_CONNECTED_STATE, 30000)) {
        printf("FATAL not connected within 30 s (state %s)\n", state_name(last_state()));
        zookeeper_close(g_zh);
        return 2;
    }
    g_session = current_session();
    reply("READY session=0x%" PRIx64 " port=%d timeout=%d", g_session, peer_port(),
          zoo_recv_timeout(g_zh));

    char line[LINE_MAX_LEN];
    while (fgets(line, sizeof line, stdin)) {
        char cmd[64] = "", a1[1024] = "", a2[1024] = "", a3[64] = "";
        int n = sscanf(line, "%63s %1023s %1023s %63s", cmd, a1, a2, a3);
        if (n <= 0) continue;
        if (strcmp(cmd, "quit") == 0) break;
        if (!g_zh && strcmp(cmd, "events") != 0) {
            reply("ERR closed");
            continue;
        }
        if (strcmp(cmd, "status") == 0) {
            cmd_status();
        } else if (strcmp(cmd, "create") == 0 && n == 4) {
            cmd_create(a1, a2, a3);
        } else if (strcmp(cmd, "set") == 0 && n == 3) {
            cmd_set(a1, a2);
        } else if (strcmp(cmd, "get") == 0 && n == 2) {
            cmd_get(a1);
        } else if (strcmp(cmd, "exists") == 0 && n == 2) {
            cmd_exists(a1);
        } else if (strcmp(cmd, "events") == 0) {
            cmd_events();
        } else if (strcmp(cmd, "wait_state") == 0 && n == 3) {
            cmd_wait_state(a1, atoi(a2));
        } else if (strcmp(cmd, "wait_moved") == 0 && n == 3) {
            cmd_wait_moved(atoi(a1), atoi(a2));
        } else if (strcmp(cmd, "check_session") == 0) {
            cmd_check_session();
        } else if (strcmp(cmd, "close") == 0) {
            int rc = zookeeper_close(g_zh);
            g_zh = NULL;
            reply("OK rc=%d", rc);
        } else {
            reply("ERR bad command: %s", cmd);
        }
    }
    if (g_zh) zookeeper_close(g_zh);
    return 0;
}
