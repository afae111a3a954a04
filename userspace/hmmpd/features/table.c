// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: the feature table (core/feature.h), the one place that names
 * every feature. The core calls them in this order (stop in reverse):
 * NAT first, so that it takes the STUN answers to its own keep-alives
 * before Outbound, which takes all the rest; Outbound next, so that its
 * REGISTER decoration and the edge it publishes are there when the
 * mobile registers at start; mSCTP before the
 * mobile, so that ADDIP's add goes out while the mobile signals the
 * hand-off; the correspondent last, since it takes every SIP request.
 *
 * A new feature: its folder under features/, and one line here.
 */
#include "core/feature.h"
#include "features/correspondent/correspondent.h"
#include "features/mobile/mobile.h"
#include "features/msctp/msctp.h"
#include "features/nat/nat.h"
#include "features/outbound/obd.h"

const struct hmmpd_feature *const hmmpd_features[] = {
	&hmmpd_feature_nat,
	&hmmpd_feature_outbound,
	&hmmpd_feature_msctp,
	&hmmpd_feature_mobile,
	&hmmpd_feature_correspondent,
};

const size_t hmmpd_nfeatures = sizeof(hmmpd_features) / sizeof(hmmpd_features[0]);
