#!/bin/sh
# Regenerate the fixtures: each ruleset loaded by the real tool in a private
# namespace, listed as JSON (NAME.json) and as text with handles (NAME.txt).
# Run as root from this directory: unshare --mount --net --fork sh capture.sh
set -e
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
