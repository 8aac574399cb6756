/* The Internet checksum (RFC 1071) of IPv4 headers and ICMP messages, for
 * the C programs that build such packets themselves (the console's ping,
 * the network tests' client): the ones' complement of the ones' complement
 * sum of the big-endian 16-bit words, an odd last byte padded with zero. */
#ifndef SM_INET_CHECKSUM_H
#define SM_INET_CHECKSUM_H
#include <stdint.h>

static inline uint16_t sm_inet_checksum(const uint8_t *p, unsigned len)
{
	uint32_t sum = 0;
	for (unsigned i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}
#endif
