/* SPDX-License-Identifier: Apache-2.0 */
/* Umbrella header of libwaybill. */
#ifndef WAYBILL_H
#define WAYBILL_H

#include <waybill/access.h>
#include <waybill/api.h>
#include <waybill/consent.h>
#include <waybill/core.h>
#include <waybill/crypto.h>
#include <waybill/decision.h>
#include <waybill/infer.h>
#include <waybill/ingest.h>
#include <waybill/ledger.h>
#include <waybill/log.h>
#include <waybill/metrics.h>
#include <waybill/model.h>
#include <waybill/mqtt.h>
#include <waybill/policy.h>
#include <waybill/report.h>
#include <waybill/retention.h>
#include <waybill/server.h>
#include <waybill/token.h>

#endif
