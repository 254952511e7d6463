/* SPDX-License-Identifier: Apache-2.0 */
/* Replays fuzz inputs through a fuzz target, so the corpora run as
 * ordinary tests under gcc, sanitizers and valgrind. Each argument is a
 * corpus directory (every file in it) or one input file, such as a
 * crash-* file a fuzzing run wrote. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs the target on the bytes of path; 0, or -1 with a message. */
static int
replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long len = -1;
    int rc = -1;

    if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc(len > 0 ? (size_t)len : 1)) != NULL &&
        fread(buf, 1, (size_t)len, f) == (size_t)len) {
        LLVMFuzzerTestOneInput(buf, (size_t)len);
        rc = 0;
    } else {
        fprintf(stderr, "%s: cannot read: %s\n", path,
                errno ? strerror(errno) : "short read");
    }
    free(buf);
    if (f != NULL) {
        fclose(f);
    }
    return rc;
}

int
main(int argc, char **argv)
{
    int n = 0, failed = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR|FILE...\n", argv[0]);
        return 2;
    }
    for (int a = 1; a < argc; a++) {
        DIR *d = opendir(argv[a]);
        struct dirent *e;
        if (d == NULL) {
            if (errno != ENOTDIR) {
                perror(argv[a]);
                return 2;
            }
            errno = 0;
            *(replay_file(argv[a]) == 0 ? &n : &failed) += 1;
            continue;
        }
        while ((e = readdir(d)) != NULL) {
            char path[4096];
            if (e->d_name[0] == '.') {
                continue;
            }
            snprintf(path, sizeof path, "%s/%s", argv[a], e->d_name);
            errno = 0;
            *(replay_file(path) == 0 ? &n : &failed) += 1;
        }
        closedir(d);
    }
    printf("%d passed, %d failed\n", n, failed);
    return failed ? 1 : 0;
}
