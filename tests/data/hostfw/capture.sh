#!/bin/sh
# Regenerate the fixtures: each ruleset loaded by the real tool in a private
# namespace, listed as JSON (NAME.json) and as text with handles (NAME.txt).
# Run as root from this directory: sh capture.sh (it re-runs itself in
# private network and mount namespaces).
set -e
# It flushes the ruleset and mounts over /etc/ufw and /run: never in the
# namespaces it was started from. The parent's network namespace is handed
# down and compared, as tests/ns/lib.sh does (pid 1's may be unreadable).
if [ -z "${NETD_CAPTURE_PARENT_NET:-}" ]; then
	NETD_CAPTURE_PARENT_NET=$(readlink /proc/self/ns/net) || exit 1
	export NETD_CAPTURE_PARENT_NET
	exec unshare --mount --net --fork --propagation private sh "$0" "$@"
fi
if [ "$(readlink /proc/self/ns/net)" = "$NETD_CAPTURE_PARENT_NET" ]; then
	echo "capture.sh: not in a private network namespace; refusing" >&2
	exit 1
fi
cap() {
	nft -j list ruleset >"$1.json"
	nft -a list ruleset >"$1.txt"
	nft flush ruleset
}
ip link set lo up
iptables-nft-restore <docker.rules && cap docker
iptables-nft-restore <docker.rules && iptables-nft-restore -n <docker-user.rules && cap docker-user
for f in firewalld admin admin-accept jump other-ifs; do nft -f "$f.nft" && cap "$f"; done
# ufw with its shipped defaults, on a private copy of /etc/ufw.
mkdir -p /tmp/netd-ufw && cp -a /etc/ufw/. /tmp/netd-ufw/
mount -t tmpfs ufw /etc/ufw && cp -a /tmp/netd-ufw/. /etc/ufw/ && mount -t tmpfs run /run
ufw --force enable >/dev/null && cap ufw
