/* Capture driver for the ZooKeeper C client (libzookeeper_mt): create, get, set, multi,
 * exists with a watch (then fired), close. Build: gcc -o c_client c_client.c -lzookeeper_mt
 * Usage: c_client 127.0.0.1:PORT */
#define THREADED 1
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

static volatile int connected = 0;
static volatile int fired = 0;

static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    (void)zh; (void)ctx; (void)path;
    if (type == ZOO_SESSION_EVENT && state == ZOO_CONNECTED_STATE) connected = 1;
    if (type == ZOO_CREATED_EVENT) fired = 1;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    zhandle_t *zh = zookeeper_init(argv[1], watcher, 10000, 0, 0, 0);
    if (!zh) return 1;
    for (int i = 0; i < 100 && !connected; i++) usleep(50000);
    char path[256];
    int rc = zoo_create(zh, "/c1", "hello", 5, &ZOO_OPEN_ACL_UNSAFE, 0, path, sizeof path);
    printf("create %d %s\n", rc, path);
    rc = zoo_create(zh, "/c1/e-", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL | ZOO_SEQUENCE,
                    path, sizeof path);
    printf("create eseq %d %s\n", rc, path);
    char buf[64];
    int len = sizeof buf;
    struct Stat st;
    rc = zoo_get(zh, "/c1", 0, buf, &len, &st);
    printf("get %d %d\n", rc, len);
    rc = zoo_set(zh, "/c1", "world", 5, 0);
    printf("set %d\n", rc);
    rc = zoo_set(zh, "/c1", "x", 1, 99);
    printf("set badversion %d\n", rc);

    zoo_op_t ops[4];
    zoo_op_result_t results[4];
    char p1[64], p2[64];
    zoo_create_op_init(&ops[0], "/c1/m", "m", 1, &ZOO_OPEN_ACL_UNSAFE, 0, p1, sizeof p1);
    zoo_set_op_init(&ops[1], "/c1", "multi", 5, -1, NULL);
    zoo_check_op_init(&ops[2], "/c1", 2);
    zoo_delete_op_init(&ops[3], "/c1/m", -1);
    rc = zoo_multi(zh, 4, ops, results);
    printf("multi %d\n", rc);
    /* A failing multi: the second op targets a missing node. */
    zoo_create_op_init(&ops[0], "/c1/n", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, p2, sizeof p2);
    zoo_delete_op_init(&ops[1], "/c1/missing", -1);
    rc = zoo_multi(zh, 2, ops, results);
    printf("multi fail %d\n", rc);

    rc = zoo_exists(zh, "/c2", 1, &st);
    printf("exists %d\n", rc);
    rc = zoo_create(zh, "/c2", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, path, sizeof path);
    printf("create c2 %d\n", rc);
    for (int i = 0; i < 100 && !fired; i++) usleep(20000);
    printf("fired %d\n", fired);
    rc = zoo_exists(zh, "/c2", 1, &st);
    printf("exists %d\n", rc);
    rc = zoo_delete(zh, "/c2", -1);
    printf("delete %d\n", rc);
    struct String_vector children;
    rc = zoo_get_children(zh, "/c1", 0, &children);
    printf("children %d %d\n", rc, children.count);
    deallocate_String_vector(&children);
    zookeeper_close(zh);
    return 0;
}
