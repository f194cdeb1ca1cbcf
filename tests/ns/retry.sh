#!/bin/bash
# retry.sh SCRIPT NETD_BINARY: run a namespace test, and once more when it
# fails (skips, 77, are not retried). Used for ipv6-ra alone: its
# RA-learned default route on the uplink is sometimes deleted by the kernel
# a few seconds after netd starts or stops a dual-stack network, with the
# upstream's RAs still arriving (seen in about 1 of 8 runs on a loaded
# machine, once in a clean CI run). The upstream's missing router flag was
# one cause (fixed in the test); the rest is not found yet. Both runs'
# output is shown, so a retried pass stays visible in the log.
script=$1
shift
bash "$script" "$@"
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
	echo "retry.sh: $(basename "$script") failed ($rc): running it once more (known flake, see tests/ns/retry.sh)"
	bash "$script" "$@"
	rc=$?
fi
exit "$rc"
