#!/bin/bash
# The host's other firewalls, found with the real tools' rulesets (the
# analysis itself is unit-tested in tests/test-fw-host.c):
# 1. Docker 28's iptables-nft layout (FORWARD policy drop): start warns,
#    status (text and JSON) names table ip filter chain FORWARD and Docker,
#    drift is not none, apply says it could not repair it; iptables-save is
#    the same before start and after stop;
# 2. an administrator's native inet filter with policy drop: named, with the
#    exact nft rules that would fix it; the table is byte for byte the same
#    before start and after stop; with those rules added, nothing is named;
# 3. ufw enabled with its shipped defaults: named as ufw;
# 4. a dormant table with a drop policy (nft 1.0.6 lists a table with flags
#    as garbage JSON): not named, and the drop of another table still is;
# 5. the listings of foreign tables kept in /run/netd between runs: traffic
#    (counters) leaves them, a changed table is listed again;
# 6. with netd.conf's iptables integration on (the default), Docker's and
#    ufw's chains get netd's accepts, and detection names nothing.
# Cases 1 to 5 run with 'iptables = no': what an administrator who turned
# the integration off sees (tests/ns/iptables.sh tests the integration).
# Usage: hostfw.sh NETD_BINARY
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid, and ns_assert_private refuses to go on in the
# namespaces it was started from. /etc is an overlay there: ufw's writes to
# /etc/ufw land in the private /run.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

DATA=$NS_SRC/../data/hostfw
for c in iptables-nft-restore iptables-nft-save ufw; do
	command -v "$c" >/dev/null || die "missing '$c' (setup.sh test installs iptables and ufw)"
done

topo_upstream
nd_ok define "$NS_TEMPLATES/default.xml"
printf 'iptables = no\n' >/etc/netd/netd.conf

say "-- Docker's iptables-nft layout"
must iptables-nft-restore <"$DATA/docker.rules"
# Without comments and the chains' packet counters, which traffic moves.
ipt_save() { iptables-nft-save | grep -v '^#' | sed 's/ \[[0-9]*:[0-9]*\]$//'; }
saved=$(ipt_save)
nd start default
check "start: succeeds" eq "$RC" 0
check "start: warns about Docker's FORWARD" \
	has "$OUT" "^warning: table ip filter chain FORWARD (Docker, hook forward) drops virbr0's forwarding to the uplink"
check "start: prints Docker's fix" has "$OUT" "fix: iptables -I DOCKER-USER -i virbr0 -j ACCEPT"
nd status default
check "status: drift names the chain and owner" \
	has "$OUT" "host firewall: table ip filter chain FORWARD (Docker, hook forward)"
check_not "status: drift is not none" has "$OUT" "^drift: *none"
nd status default --json
check "status --json: the blocker" jq -e '.host_firewall.blockers | length == 1 and
	.[0].family == "ip" and .[0].table == "filter" and .[0].chain == "FORWARD" and
	.[0].hook == "forward" and .[0].owner == "Docker" and
	(.[0].blocks | index("forward-out") != null)' <<<"$OUT"
check "status --json: no legacy tables" jq -e '.host_firewall.iptables_legacy == false' <<<"$OUT"
check "status --json: drift has it" jq -e '[.drift[] | select(test("Docker"))] | length == 1' <<<"$OUT"
nd apply default
check "apply: could not repair it" \
	has "$OUT" "^network 'default': could not repair host firewall: table ip filter chain FORWARD (Docker"
check_not "apply: does not claim to have repaired it" has "$OUT" "repaired host firewall"
nd_ok stop default
check "stop: iptables rules as they were" eq "$(ipt_save)" "$saved"
must nft flush ruleset

say "-- an administrator's inet filter, policy drop"
must nft -f "$DATA/admin.nft"
before=$(nft list table inet filter)
nd start default
check "start: warns about inet filter forward" \
	has "$OUT" "^warning: table inet filter chain forward (an administrator's table, hook forward)"
check "start: prints the exact rule" \
	has "$OUT" 'fix: nft insert rule inet filter forward iifname "virbr0" accept; nft insert rule inet filter forward oifname "virbr0" ct state established,related accept'
check "start: names the input chain too" \
	has "$OUT" "^warning: table inet filter chain input (an administrator's table, hook input) drops virbr0's DHCP"
nd status default --json
check "status --json: both chains, the admin's" jq -e '[.host_firewall.blockers[] |
	select(.table == "filter" and .family == "inet" and
	       .owner == "an administrator'"'"'s table")] | length == 2' <<<"$OUT"
check "status --json: the fix" jq -e '.host_firewall.blockers[] | select(.chain == "input") |
	.fix == "nft insert rule inet filter input iifname \"virbr0\" accept"' <<<"$OUT"
check "table inet filter untouched while running" eq "$(nft list table inet filter)" "$before"
# The administrator follows the advice: nothing is named any more.
must nft insert rule inet filter input iifname '"virbr0"' accept
must nft insert rule inet filter forward iifname '"virbr0"' accept
must nft insert rule inet filter forward oifname '"virbr0"' ct state established,related accept
nd status default --json
check "with the fix: no blocker" jq -e '.host_firewall.blockers == []' <<<"$OUT"
check "with the fix: no host firewall drift" jq -e '[.drift[] | select(test("host firewall"))] == []' <<<"$OUT"
nd_ok stop default
must nft flush ruleset
must nft -f "$DATA/admin.nft"
before=$(nft list table inet filter)
nd_ok start default
nd_ok stop default
check "stop: table inet filter as it was" eq "$(nft list table inet filter)" "$before"
must nft flush ruleset

say "-- ufw with its defaults"
must timeout 60 ufw --force enable
nd start default
check "start: warns about ufw's INPUT" \
	has "$OUT" "^warning: table ip filter chain INPUT (ufw, hook input) drops virbr0's DHCP"
check "start: warns about ufw's FORWARD" has "$OUT" "^warning: table ip filter chain FORWARD (ufw, hook forward)"
check "start: prints ufw's fix" has "$OUT" "fix: ufw allow in on virbr0"
nd status default --json
check "status --json: ufw named" jq -e '[.host_firewall.blockers[] | select(.owner == "ufw")] | length >= 2' <<<"$OUT"
# ufw-before-forward accepts replies with an iptables-nft conntrack match,
# whose states netd reads over nfnetlink (fw_xt.c): replies are not blocked.
check "status --json: ufw's FORWARD blocks new traffic, not replies" jq -e \
	'[.host_firewall.blockers[] | select(.chain == "FORWARD") | .blocks[]] | index("forward-out") != null and index("forward-reply") == null' <<<"$OUT"
nd_ok stop default
must timeout 60 ufw --force disable
must nft flush ruleset

say "-- a dormant table beside a dropping one"
must nft -f - <<'NFT'
table inet dorm {
	flags dormant
	chain f {
		type filter hook forward priority 0; policy drop;
	}
}
table ip other {
	chain f {
		type filter hook forward priority 0; policy drop;
	}
}
NFT
nd start default
check "start: names ip other" has "$OUT" "^warning: table ip other chain f (an administrator's table, hook forward)"
check_not "start: not the dormant table" has "$OUT" "table inet dorm"
nd status default --json
check "status --json: only ip other" jq -e '[.host_firewall.blockers[].table] == ["other"]' <<<"$OUT"
nd_ok stop default

say "-- the listing kept between runs: traffic leaves it, a change replaces it"
must nft flush ruleset
must nft -f - <<'NFT'
table ip other {
	chain f {
		type filter hook forward priority 0; policy drop;
	}
	chain o {
		type filter hook output priority 0; policy accept;
		counter
	}
}
NFT
nd start default
check "start: names ip other" has "$OUT" "^warning: table ip other chain f (an administrator's table, hook forward)"
check "the listing is kept" jq -e '[.tables[] | select(.family == "ip" and .name == "other")] | length == 1' \
	/run/netd/host-firewall.json
kept=$(stat -c %i /run/netd/host-firewall.json)
must busybox ping -c 2 -W 1 127.0.0.1
check "traffic moved the counters" has "$(nft list chain ip other o)" "counter packets [1-9]"
nd status default --json
check "status: still names ip other" jq -e '[.host_firewall.blockers[].table] == ["other"]' <<<"$OUT"
check "counters alone: the kept listing is used" eq "$(stat -c %i /run/netd/host-firewall.json)" "$kept"
must nft insert rule ip other f iifname '"virbr0"' accept
must nft insert rule ip other f oifname '"virbr0"' ct state established,related accept
nd status default --json
check "a changed table is listed again: no blocker" jq -e '.host_firewall.blockers == []' <<<"$OUT"
check "and kept anew" test "$(stat -c %i /run/netd/host-firewall.json)" != "$kept"
nd_ok stop default

say "-- the iptables integration on: Docker's and ufw's chains no longer block"
rm -f /etc/netd/netd.conf
must nft flush ruleset
must iptables-nft-restore <"$DATA/docker.rules"
nd_ok start default
check_not "start: no warning with Docker's layout" has "$OUT" "^warning: table ip filter"
nd status default --json
check "status --json: no blocker with Docker's layout" \
	jq -e '.host_firewall.blockers | length == 0' <<<"$OUT"
check "status --json: no drift with Docker's layout" jq -e '.drift == []' <<<"$OUT"
nd_ok stop default
must nft flush ruleset
must timeout 60 ufw --force enable
nd_ok start default
nd status default --json
check "status --json: no blocker with ufw" jq -e '.host_firewall.blockers | length == 0' <<<"$OUT"
nd_ok stop default
must timeout 60 ufw --force disable
must nft flush ruleset
