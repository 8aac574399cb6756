/*
 * Network device types and constants of GNU Mach's network device
 * interface (device.defs: device_set_filter, device_get_status,
 * device_set_status; the net_rcv_msg a filter's port receives), with the
 * numbers GNU Mach's <device/net_status.h> gives them, so that a client
 * written for GNU Mach (pfinet, lwip) builds here unchanged.  What the
 * project's server does with each is docs/net.md.
 */

#ifndef _DEVICE_NET_STATUS_H_
#define _DEVICE_NET_STATUS_H_

#include <device/device_types.h>
#include <mach/message.h>

/* device_get_status NET_STATUS: NET_STATUS_COUNT ints. */
struct net_status {
	int	min_packet_size;	/* smallest frame, header included */
	int	max_packet_size;	/* largest frame, header included (MTU + 14) */
	int	header_format;		/* HDR_ETHERNET */
	int	header_size;		/* 14 */
	int	address_size;		/* 6 */
	int	flags;			/* IFF_* below */
	int	mapped_size;		/* 0: not mappable */
};
#define NET_STATUS_COUNT	(sizeof(struct net_status) / sizeof(int))
#define NET_STATUS		0x6e0001	/* ('n' << 16) + 1 */
#define HDR_ETHERNET		1

/* device_get_status NET_ADDRESS: the MAC in 2 ints, each the big-endian
 * reading of 4 bytes (a client applies ntohl to each word and copies the
 * first 6 bytes). */
#define NET_ADDRESS		0x6e0002	/* ('n' << 16) + 2 */
#define NET_DSTADDR		0x6e0003
/* device_set_status NET_FLAGS: 1 int of IFF_* flags (PROMISC, ALLMULTI). */
#define NET_FLAGS		0x6e0004	/* ('n' << 16) + 4 */

/* Interface flags as the Hurd's clients use them (Linux values). */
#define NET_IFF_UP		0x1
#define NET_IFF_BROADCAST	0x2
#define NET_IFF_RUNNING		0x40
#define NET_IFF_PROMISC		0x100
#define NET_IFF_ALLMULTI	0x200
#define NET_IFF_MULTICAST	0x1000

/* Filters: at most NET_MAX_FILTER 16-bit words. */
typedef unsigned short filter_t;
typedef filter_t *filter_array_t;
#define NET_MAX_FILTER		128
#define NET_FILTER_STACK_DEPTH	32

/* Word 0 of a filter: its type and direction; NETF words: a push in the
 * low NETF_NBPA bits, an operator in the high NETF_NBPO bits. */
#define NETF_NBPA		10
#define NETF_NBPO		6
#define NETF_ARG(word)		((word) & 0x3ff)
#define NETF_OP(word)		(((word) >> NETF_NBPA) & 0x3f)
#define NETF_TYPE_MASK		(((1 << NETF_NBPO) - 1) << NETF_NBPA)
#define NETF_BPF		(1 << NETF_NBPA)
#define NETF_IN			0x1
#define NETF_OUT		0x2
#define NETF_NOP		(0 << NETF_NBPA)
#define NETF_EQ			(1 << NETF_NBPA)
#define NETF_LT			(2 << NETF_NBPA)
#define NETF_LE			(3 << NETF_NBPA)
#define NETF_GT			(4 << NETF_NBPA)
#define NETF_GE			(5 << NETF_NBPA)
#define NETF_AND		(6 << NETF_NBPA)
#define NETF_OR			(7 << NETF_NBPA)
#define NETF_XOR		(8 << NETF_NBPA)
#define NETF_COR		(9 << NETF_NBPA)
#define NETF_CAND		(10 << NETF_NBPA)
#define NETF_CNOR		(11 << NETF_NBPA)
#define NETF_CNAND		(12 << NETF_NBPA)
#define NETF_NEQ		(13 << NETF_NBPA)
#define NETF_LSH		(14 << NETF_NBPA)
#define NETF_RSH		(15 << NETF_NBPA)
#define NETF_ADD		(16 << NETF_NBPA)
#define NETF_SUB		(17 << NETF_NBPA)
#define NETF_NOPUSH		0
#define NETF_PUSHLIT		1
#define NETF_PUSHZERO		2
#define NETF_PUSHIND		14
#define NETF_PUSHHDRIND		15
#define NETF_PUSHWORD		16
#define NETF_PUSHHDR		960
#define NETF_PUSHSTK		992

/* Filter priorities: a filter at NET_HI_PRI or above that accepts a frame
 * keeps it from every filter of lower priority. */
#define NET_HI_PRI		100
#define NET_PRI_MAX		255

/* Classic BPF (a filter whose word 0 has NETF_BPF): 8-byte instructions. */
struct bpf_insn {
	unsigned short	code;
	unsigned char	jt;
	unsigned char	jf;
	unsigned int	k;
};
#define BPF_LD		0x00
#define BPF_LDX		0x01
#define BPF_ST		0x02
#define BPF_STX		0x03
#define BPF_ALU		0x04
#define BPF_JMP		0x05
#define BPF_RET		0x06
#define BPF_MISC	0x07
#define BPF_W		0x00
#define BPF_H		0x08
#define BPF_B		0x10
#define BPF_IMM		0x00
#define BPF_ABS		0x20
#define BPF_IND		0x40
#define BPF_MEM		0x60
#define BPF_LEN		0x80
#define BPF_MSH		0xa0
#define BPF_ADD		0x00
#define BPF_SUB		0x10
#define BPF_MUL		0x20
#define BPF_DIV		0x30
#define BPF_OR		0x40
#define BPF_AND		0x50
#define BPF_LSH		0x60
#define BPF_RSH		0x70
#define BPF_NEG		0x80
#define BPF_JA		0x00
#define BPF_JEQ		0x10
#define BPF_JGT		0x20
#define BPF_JGE		0x30
#define BPF_JSET	0x40
#define BPF_K		0x00
#define BPF_X		0x08
#define BPF_A		0x10
#define BPF_TAX		0x00
#define BPF_TXA		0x80
#define BPF_MEMWORDS	16

/* A received frame, as sent to a filter's port (msgh_id NET_RCV_MSG_ID):
 * the Ethernet header in `header` (header_type counts NET_HDW_HDR_MAX
 * bytes, of which the first 14 are used), then a packet_header and the
 * payload in `packet` (packet_type counts both).  msgh_size covers the
 * packet's bytes rounded up to 4. */
#define NET_RCV_MAX		4095
#define NET_HDW_HDR_MAX		64
#define NET_RCV_MSG_ID		2999

struct packet_header {
	unsigned short	length;		/* bytes in packet: this header and the payload */
	unsigned short	type;		/* the EtherType, network order */
};

struct net_rcv_msg {
	mach_msg_header_t msg_hdr;
	mach_msg_type_t	header_type;
	char		header[NET_HDW_HDR_MAX];
	mach_msg_type_t	packet_type;
	char		packet[NET_RCV_MAX];
	boolean_t	sent;		/* not sent; room a GNU Mach client expects */
};
#define net_rcv_msg_packet_count packet_type.msgt_number

#endif /* _DEVICE_NET_STATUS_H_ */
