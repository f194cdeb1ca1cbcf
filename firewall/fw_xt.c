/* iptables-nft's conntrack, state and devgroup matches, read from their xt
 * info blobs as the kernel keeps them (xt_conntrack.h, xt_state.h,
 * xt_devgroup.h): what they accept, in the words of nft's translation. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_devgroup.h>
#include <linux/netfilter/xt_state.h>

#include "fw.h"

static const struct {
	unsigned bit;
	const char *name;
} ct_states[] = {
	{ XT_CONNTRACK_STATE_INVALID, "invalid" },
	{ XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED), "established" },
	{ XT_CONNTRACK_STATE_BIT(IP_CT_RELATED), "related" },
	{ XT_CONNTRACK_STATE_BIT(IP_CT_NEW), "new" },
	{ XT_CONNTRACK_STATE_UNTRACKED, "untracked" },
};

/* "ct state [!= ]A,B" for a state mask of known bits only; else "ct other". */
static int states_text(unsigned mask, bool neg, char *buf, size_t size)
{
	unsigned known = 0;
	size_t used;

	for (size_t i = 0; i < ARRAY_SIZE(ct_states); i++)
		known |= ct_states[i].bit;
	if (mask == 0 || (mask & ~known))
		return snprintf(buf, size, "ct other") < 0 ? -EIO : 0;
	(void)snprintf(buf, size, "ct state %s", neg ? "!= " : "");
	for (size_t i = 0; i < ARRAY_SIZE(ct_states); i++) {
		if (!(mask & ct_states[i].bit))
			continue;
		used = strlen(buf);
		(void)snprintf(buf + used, size - used, "%s%s", buf[used - 1] == ' ' ? "" : ",",
			       ct_states[i].name); /* may be truncated */
	}
	return 0;
}

int fw_xt_ct_text(const char *name, uint32_t rev, const void *info, size_t len, char *buf,
		  size_t size)
{
	uint16_t match = 0, invert = 0, mask = 0;

	if (size)
		buf[0] = '\0';
	if (strcmp(name, "state") == 0) {
		struct xt_state_info si;

		/* `! --state X` is stored as the complement: unknown bits. */
		if (rev != 0 || len < sizeof si)
			return states_text(~0u, false, buf, size);
		memcpy(&si, info, sizeof si);
		return states_text(si.statemask, false, buf, size);
	}
	if (strcmp(name, "devgroup") == 0) {
		struct xt_devgroup_info g;

		if (rev != 0 || len < sizeof g)
			return snprintf(buf, size, "devgroup other") < 0 ? -EIO : 0;
		memcpy(&g, info, sizeof g);
		/* A whole group, not inverted: nft's iifgroup / oifgroup. */
		if ((g.flags & ~(unsigned)(XT_DEVGROUP_MATCH_SRC | XT_DEVGROUP_MATCH_DST)) ||
		    ((g.flags & XT_DEVGROUP_MATCH_SRC) && g.src_mask != ~0u) ||
		    ((g.flags & XT_DEVGROUP_MATCH_DST) && g.dst_mask != ~0u) || !g.flags)
			return snprintf(buf, size, "devgroup other") < 0 ? -EIO : 0;
		if (g.flags == (XT_DEVGROUP_MATCH_SRC | XT_DEVGROUP_MATCH_DST))
			return snprintf(buf, size, "iifgroup 0x%x oifgroup 0x%x", g.src_group,
					g.dst_group) < 0
				       ? -EIO
				       : 0;
		return snprintf(buf, size, "%s 0x%x",
				g.flags & XT_DEVGROUP_MATCH_SRC ? "iifgroup" : "oifgroup",
				g.flags & XT_DEVGROUP_MATCH_SRC ? g.src_group : g.dst_group) < 0
			       ? -EIO
			       : 0;
	}
	if (strcmp(name, "conntrack") != 0)
		return -EINVAL;
	if (rev == 1 && len >= sizeof(struct xt_conntrack_mtinfo1)) {
		struct xt_conntrack_mtinfo1 m;

		memcpy(&m, info, sizeof m);
		match = m.match_flags, invert = m.invert_flags, mask = m.state_mask;
	} else if (rev == 2 && len >= sizeof(struct xt_conntrack_mtinfo2)) {
		struct xt_conntrack_mtinfo2 m;

		memcpy(&m, info, sizeof m);
		match = m.match_flags, invert = m.invert_flags, mask = m.state_mask;
	} else if (rev == 3 && len >= sizeof(struct xt_conntrack_mtinfo3)) {
		struct xt_conntrack_mtinfo3 m;

		memcpy(&m, info, sizeof m);
		match = m.match_flags, invert = m.invert_flags, mask = m.state_mask;
	} else {
		return states_text(~0u, false, buf, size);
	}
	/* Only the state, nothing else of the connection (iptables-nft
	 * makes `-m state` a conntrack match with the alias flag). */
	if ((match & ~XT_CONNTRACK_STATE_ALIAS) != XT_CONNTRACK_STATE)
		return states_text(~0u, false, buf, size);
	return states_text(mask, invert & XT_CONNTRACK_STATE, buf, size);
}
