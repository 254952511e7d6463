/* SPDX-License-Identifier: Apache-2.0 */
/* Making a report: the header every report shares (what it is, the
 * period, the log state it covers), the body by kind, and its outputs. */
#include <stdio.h>
#include <time.h>

#include <waybill/policy.h>

#include "report/report_int.h"

static const char *const names[] = {"transfers", "records", "consents",
                                    "maintenance"};
#define KIND_COUNT (sizeof names / sizeof names[0])

const char *
wb_report_name(enum wb_report_kind k)
{
    return (unsigned)k < KIND_COUNT ? names[k] : "?";
}

wb_err
wb_report_parse(const char *name, enum wb_report_kind *k)
{
    for (size_t i = 0; name != NULL && i < KIND_COUNT; i++) {
        if (strcmp(name, names[i]) == 0) {
            *k = (enum wb_report_kind)i;
            return WB_OK;
        }
    }
    return wb__err(WB_ERR_NOTFOUND,
                   "no report \"%.64s\" (transfers, records, consents, "
                   "maintenance)",
                   name ? name : "");
}

/* A day as YYYY-MM-DD, or null. */
static json_t *
day_json(bool has, int32_t day)
{
    char buf[16];

    if (!has) {
        return json_null();
    }
    wb_date_format(day, buf);
    return json_string(buf);
}

/* {"size", "root", "checkpoint_size"} of the log the report covers. */
static wb_err
log_state(struct wb_site *s, uint64_t size, json_t **out)
{
    uint8_t root[WB_HASH_BYTES];
    char hex[2 * WB_HASH_BYTES + 1];
    uint64_t cp_size = 0;
    char *cp = NULL;
    wb_err rc = wb_site_root(s, size, root);
    wb_err cp_rc = WB_ERR_NOTFOUND;

    *out = NULL;
    if (rc == WB_OK) {
        cp_rc = wb_site_checkpoint_latest(s, &cp_size, &cp);
        wb_free(cp);
        if (cp_rc != WB_OK && cp_rc != WB_ERR_NOTFOUND) {
            rc = cp_rc;
        }
    }
    if (rc != WB_OK) {
        return rc;
    }
    wb_hex_encode(root, WB_HASH_BYTES, hex);
    *out = json_pack("{s:I, s:s, s:o}", "size", (json_int_t)size, "root", hex,
                     "checkpoint_size",
                     cp_rc == WB_OK ? json_integer((json_int_t)cp_size)
                                    : json_null());
    return *out != NULL ? WB_OK : WB_ERR_NOMEM;
}

/* The members every report begins with. */
static wb_err
header(const struct wb__rscan *sc, enum wb_report_kind k, json_t **out)
{
    char made[WB_TIME_LEN + 1];
    json_t *log = NULL;
    wb_err rc = log_state(sc->site, sc->size, &log);

    *out = NULL;
    if (rc != WB_OK) {
        return rc;
    }
    wb_time_format((int64_t)time(NULL), made);
    *out = json_pack("{s:s, s:s, s:s, s:{s:o, s:o}, s:o, s:s}", "report",
                     wb_report_name(k), "origin", wb_site_origin(sc->site),
                     "made", made, "period", "from",
                     day_json(sc->period.has_from, sc->period.from), "to",
                     day_json(sc->period.has_to, sc->period.to), "log", log,
                     "detail", sc->counts_only ? "counts" : "full");
    return *out != NULL ? WB_OK : WB_ERR_NOMEM;
}

wb_err
wb_report_make(struct wb_site *s,
               enum wb_report_kind k,
               const struct wb_report_period *p,
               unsigned flags,
               struct wb_report **out)
{
    return wb_report_make_stoppable(s, k, p, flags, NULL, NULL, out);
}

wb_err
wb_report_make_stoppable(struct wb_site *s,
                         enum wb_report_kind k,
                         const struct wb_report_period *p,
                         unsigned flags,
                         wb_report_progress_fn progress,
                         void *arg,
                         struct wb_report **out)
{
    static wb_err (*const body[])(const struct wb__rscan *, json_t *) = {
        wb__report_transfers, wb__report_records, wb__report_consents,
        wb__report_maintenance};
    struct wb__rscan sc;
    struct wb_report *r = NULL;
    json_t *root = NULL;
    wb_err rc;

    *out = NULL;
    memset(&sc, 0, sizeof sc);
    if (s == NULL || (unsigned)k >= KIND_COUNT) {
        return wb__err(WB_ERR_INVAL, "report: no site or unknown report");
    }
    if (p != NULL) {
        sc.period = *p;
    }
    if (sc.period.has_from && sc.period.has_to &&
        sc.period.from >= sc.period.to) {
        return wb__err(WB_ERR_INVAL, "period: from must be before to");
    }
    rc = wb_site_refresh(s);
    if (rc != WB_OK) {
        return rc;
    }
    sc.site = s;
    sc.size = wb_site_size(s);
    sc.counts_only = (flags & WB_REPORT_COUNTS_ONLY) != 0;
    sc.today = (int32_t)((int64_t)time(NULL) / 86400);
    sc.progress = progress;
    sc.progress_arg = arg;
    rc = header(&sc, k, &root);
    if (rc == WB_OK) {
        rc = wb__report_progress(&sc, 0);
    }
    if (rc == WB_OK) {
        rc = body[k](&sc, root);
    }
    if (rc == WB_OK) {
        r = wb__calloc(1, sizeof *r);
        rc = r != NULL ? WB_OK : WB_ERR_NOMEM;
    }
    if (rc != WB_OK) {
        json_decref(root);
        return rc;
    }
    r->kind = k;
    r->root = root;
    *out = r;
    return WB_OK;
}

wb_err
wb_report_json(const struct wb_report *r, bool compact, char **out)
{
    size_t flags =
        JSON_PRESERVE_ORDER | (compact ? JSON_COMPACT : JSON_INDENT(2));

    *out = NULL;
    if (r == NULL) {
        return WB_ERR_INVAL;
    }
    return wb__json_dump(r->root, flags, out);
}

wb_err
wb_report_text(const struct wb_report *r, char **out)
{
    *out = NULL;
    if (r == NULL) {
        return WB_ERR_INVAL;
    }
    return wb__report_render(r->root, out);
}

void
wb_report_free(struct wb_report *r)
{
    if (r == NULL) {
        return;
    }
    json_decref(r->root);
    wb__free(r);
}
