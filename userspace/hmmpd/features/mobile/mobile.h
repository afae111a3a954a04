/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: the mobile role, a feature (core/feature.h). On each hand-off the
 * core's watcher reports, it keeps the connections' original addresses,
 * moves SIP_EYE's records, installs the mobile-kind bindings and sends
 * the INFOs of the plan (core/plan.h) to the correspondents and the
 * previous gateway, answering their challenges and retrying; refreshes
 * what live connections still need; and REGISTERs with the registrar,
 * with what other features add (register_decorate). mobile.c says how.
 */
#ifndef HMMPD_MOBILE_H
#define HMMPD_MOBILE_H

#include "core/feature.h"

extern const struct hmmpd_feature hmmpd_feature_mobile;

#endif /* HMMPD_MOBILE_H */
