/* <domain name='D' localOnly='yes' register='yes'/> (libvirt 10.1) as a
 * step of a running network, named "resolved": the network's DNS server
 * (dnsmasq on the bridge's addresses) and D as a routing-only domain (~D)
 * go to systemd-resolved over D-Bus (org.freedesktop.resolve1.Manager
 * SetLinkDNS, SetLinkDomains, SetLinkDefaultRoute false, on the bridge's
 * ifindex), so that the host resolves its guests by name (NAME.D) and
 * sends nothing else there; undo is RevertLink. A network without
 * register='yes' has nothing in this step and no bus connection.
 *
 * When systemd-resolved is not on the system bus (or runs in another
 * network namespace) the step does nothing else: start notes it, status
 * says so, and netd apply registers the link once resolved runs. Never
 * activated by asking: a resolved that is installed but off stays off.
 * resolved keeps a link's settings across its own restarts
 * (/run/systemd/resolve/netif); check reads them back (the Link object's
 * DNS and Domains properties) and repair sets them again. */
#ifndef NETD_RESOLVED_H
#define NETD_RESOLVED_H

struct step_ops;

extern const struct step_ops resolved_step;

#endif
