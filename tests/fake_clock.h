/* SPDX-License-Identifier: Apache-2.0 */
/* A link seam for the site's clock, for one test program to include: the
 * library stamps consent versions with time(), which this definition
 * answers with fake_now when it is set (the log's own times come from
 * clock_gettime and stay real). */
#ifndef WB_TEST_FAKE_CLOCK_H
#define WB_TEST_FAKE_CLOCK_H

#include <time.h>

static time_t fake_now;

time_t
time(time_t *t)
{
    struct timespec ts;
    time_t now;

    clock_gettime(CLOCK_REALTIME, &ts);
    now = fake_now != 0 ? fake_now : ts.tv_sec;
    if (t != NULL) {
        *t = now;
    }
    return now;
}

#endif
