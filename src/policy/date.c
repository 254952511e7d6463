/* SPDX-License-Identifier: Apache-2.0 */
/* Calendar dates as days since 1970-01-01 (proleptic Gregorian), and UTC
 * times of day as YYYY-MM-DDTHH:MM:SSZ. */
#include <stdio.h>
#include <string.h>

#include <waybill/policy.h>

#include "core/core_int.h"

/* Days from civil (H. Hinnant's algorithm). */
static int32_t
days_from_civil(int y, unsigned m, unsigned d)
{
    int era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int32_t)doe - 719468;
}

wb_err
wb_date_parse(const char *s, int32_t *days)
{
    static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30,
                                       31, 31, 30, 31, 30, 31};
    unsigned y = 0, m = 0, d = 0;

    if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-') {
        goto bad;
    }
    for (int i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) {
            goto bad;
        }
    }
    y = (unsigned)((s[0] - '0') * 1000 + (s[1] - '0') * 100 +
                   (s[2] - '0') * 10 + (s[3] - '0'));
    m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
        (m == 2 && d == 29 &&
         !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))) {
        goto bad;
    }
    *days = days_from_civil((int)y, m, d);
    return WB_OK;
bad:
    return wb__err(WB_ERR_INVAL, "\"%.40s\" is not a date (YYYY-MM-DD)",
                   s ? s : "");
}

void
wb_date_format(int32_t days, char *buf)
{
    int32_t z = days + 719468;
    int32_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = (int)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;

    y += m <= 2;
    snprintf(buf, 11, "%04d-%02u-%02u", (y % 10000 + 10000) % 10000, m % 13,
             d % 32);
}

void
wb_time_format(int64_t t, char *buf)
{
    unsigned sec;
    char date[11];

    t = t < 0 ? 0 : t > WB_TIME_MAX ? WB_TIME_MAX : t;
    sec = (unsigned)(t % 86400);
    wb_date_format((int32_t)(t / 86400), date);
    snprintf(buf, WB_TIME_LEN + 1, "%.10sT%02u:%02u:%02uZ", date, sec / 3600,
             (sec / 60) % 60, sec % 60);
}

/* Two decimal digits at s, at most max, into *out. */
static bool
two_digits(const char *s, int max, int *out)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') {
        return false;
    }
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return *out <= max;
}

wb_err
wb_time_parse(const char *s, int64_t *t)
{
    char date[11];
    int32_t days = 0;
    int h = 0, m = 0, sec = 0;

    if (s == NULL || strlen(s) != WB_TIME_LEN || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != 'Z') {
        goto bad;
    }
    memcpy(date, s, 10);
    date[10] = '\0';
    if (wb_date_parse(date, &days) != WB_OK || days < 0 ||
        !two_digits(s + 11, 23, &h) || !two_digits(s + 14, 59, &m) ||
        !two_digits(s + 17, 59, &sec)) {
        goto bad;
    }
    *t = (int64_t)days * 86400 + (int64_t)h * 3600 + (int64_t)m * 60 + sec;
    return WB_OK;
bad:
    return wb__err(WB_ERR_INVAL,
                   "\"%.40s\" is not a UTC time (YYYY-MM-DDTHH:MM:SSZ, from "
                   "1970)",
                   s ? s : "");
}
