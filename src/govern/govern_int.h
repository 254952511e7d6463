/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the governance module: what its files share. Never installed. */
#ifndef WB_GOVERN_INT_H
#define WB_GOVERN_INT_H

#include <waybill/decision.h>

#include "core/core_int.h"

/* Lower-case hex SHA-256 of a policy file's text, as its register
 * document carries it. */
void wb__policy_text_digest(const char *text,
                            size_t len,
                            char hex[2 * WB_HASH_BYTES + 1]);

/* wb_policy_log inside the batch the caller has open. */
wb_err wb__policy_log_in_batch(struct wb_site *s,
                               const struct wb_policy *p,
                               struct wb_policy_cite *cites,
                               size_t *added);

#endif
