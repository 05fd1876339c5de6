/* Router mode's ports: the kernel owns the interfaces and forwards between them, so a port here is
 * what the firmware shows and announces (name, MAC, MTU, link); frames sent to it are refused. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "rt.h"

static uint8_t no_memory[16]; /* the ArrayBuffer JavaScript gets: no frames ever arrive */

static bool kernel_poll_link(rt_port *port) {
  struct ifreq ifr = {0};
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%.15s", port->ifname);
  if (ioctl(port->fd, SIOCGIFFLAGS, &ifr) < 0) return false;
  return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

static int kernel_flush(rt_port *port) {
  port->tx_count = 0;
  return 0;
}

int ports_open_kernel(rt_port *port, const char *ifname) {
  snprintf(port->ifname, sizeof port->ifname, "%s", ifname);
  if (if_nametoindex(ifname) == 0) {
    rt_log("port %s: no interface '%s'", port->name, ifname);
    return -ENODEV;
  }
  /* Any socket serves the interface ioctls. */
  port->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (port->fd < 0) return -errno;
  struct ifreq ifr = {0};
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%.15s", ifname);
  if (ioctl(port->fd, SIOCGIFHWADDR, &ifr) == 0) memcpy(port->mac, ifr.ifr_hwaddr.sa_data, 6);
  port->mtu = ioctl(port->fd, SIOCGIFMTU, &ifr) == 0 ? ifr.ifr_mtu : 1500;
  port->kernel_owned = true;
  port->rx_memory = no_memory;
  port->rx_memory_size = sizeof no_memory;
  port->flush = kernel_flush;
  port->poll_link = kernel_poll_link;
  port->link_up = kernel_poll_link(port);
  return 0;
}
