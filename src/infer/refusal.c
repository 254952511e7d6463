/* SPDX-License-Identifier: Apache-2.0 */
/* Logging what the governance module refused or denied: a "decision"
 * entry whose payload says what, why, and for which model, so a denial is
 * never silent and an auditor finds it in the same log. */
#include <string.h>

#include "infer/infer_int.h"

bool
wb__infer_in_list(char *const *list, size_t n, const char *code)
{
    for (size_t i = 0; code != NULL && i < n; i++) {
        if (strcmp(list[i], code) == 0) {
            return true;
        }
    }
    return false;
}

wb_err
wb__infer_log_refusal(struct wb_site *s,
                      const char *event,
                      const char *model_id,
                      const uint8_t *digest,
                      const struct wb_claims *about,
                      const char *reason,
                      json_t *extra,
                      uint64_t *entry)
{
    /* a reason may quote foreign bytes or be cut mid-character: logged
     * as well-formed UTF-8, which JSON requires */
    char *why = wb__strdup(reason != NULL ? reason : "");
    json_t *o = why ? json_pack("{s:s, s:s?, s:s}", "event", event, "model",
                                model_id, "reason", wb__utf8_scrub(why))
                    : NULL;
    struct wb_append e;
    char *doc = NULL;
    wb_err rc;

    if (o != NULL && extra != NULL) {
        json_object_update(o, extra);
    }
    rc = o ? wb__json_dump(o, JSON_COMPACT | JSON_PRESERVE_ORDER, &doc)
           : WB_ERR_NOMEM;
    json_decref(o);
    wb__free(why);
    if (rc != WB_OK) {
        return rc;
    }
    memset(&e, 0, sizeof e);
    if (about != NULL) {
        e.claims.sub = about->sub;
        e.claims.purposes = about->purposes;
        e.claims.purpose_count = about->purpose_count;
        e.claims.consent_id = about->consent_id;
        e.claims.consent_version = about->consent_version;
        e.claims.jurisdiction = about->jurisdiction;
        e.claims.data_class = about->data_class;
        e.claims.parents = about->parents;
        e.claims.parent_count = about->parent_count;
    }
    e.claims.kind = "decision";
    e.claims.media = "application/json";
    if (digest != NULL) {
        e.claims.has_model = 1;
        memcpy(e.claims.model, digest, WB_HASH_BYTES);
    }
    e.payload = (const uint8_t *)doc;
    e.payload_len = strlen(doc);
    rc = wb_site_append(s, &e, entry);
    wb__free(doc);
    return rc;
}
