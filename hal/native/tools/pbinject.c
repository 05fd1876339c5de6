/* pbinject: sends every frame of a pcap file out of an interface through an AF_PACKET socket, as
 * fast as the socket takes them (bounded by the file). The rig's tests use it to throw malformed
 * and random frames at the router from a phone namespace. Usage: pbinject <ifname> <file.pcap> */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: pbinject <ifname> <file.pcap>\n");
    return 2;
  }
  unsigned ifindex = if_nametoindex(argv[1]);
  FILE *in = fopen(argv[2], "rb");
  if (!ifindex || !in) {
    fprintf(stderr, "pbinject: %s\n", !ifindex ? "no such interface" : strerror(errno));
    return 1;
  }
  int fd = socket(AF_PACKET, SOCK_RAW, 0);
  struct sockaddr_ll addr = {.sll_family = AF_PACKET, .sll_ifindex = (int)ifindex, .sll_halen = 6};
  if (fd < 0) {
    perror("pbinject: socket");
    return 1;
  }
  uint32_t header[6], record[4];
  if (fread(header, sizeof header, 1, in) != 1 || header[0] != 0xa1b2c3d4) {
    fprintf(stderr, "pbinject: not a little-endian microsecond pcap\n");
    return 1;
  }
  static uint8_t frame[65536];
  unsigned long sent = 0, failed = 0;
  while (fread(record, sizeof record, 1, in) == 1) {
    if (record[2] > sizeof frame || fread(frame, 1, record[2], in) != record[2]) break;
    for (int attempt = 0; attempt < 100; attempt++) {
      if (sendto(fd, frame, record[2], 0, (struct sockaddr *)&addr, sizeof addr) >= 0) {
        sent++;
        break;
      }
      if (errno != ENOBUFS && errno != EAGAIN) {
        failed++; /* e.g. EINVAL for a frame shorter than a header: counted, not fatal */
        break;
      }
      usleep(1000);
    }
  }
  printf("sent %lu failed %lu\n", sent, failed);
  return 0;
}
