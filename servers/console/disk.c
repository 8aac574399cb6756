/* Commands on block devices through GNU Mach's device interface: stats
 * (the blk server's BLK_GET_STATS and BLK_GET_INFO, include/sm/blk_stats.h),
 * read (a hex dump) and write (only with the allow-write boot flag, so
 * that no typo at the prompt changes a disk). */
#include "shell.h"
#include <sm/blk_stats.h>
#include <sm/net_stats.h>
#include <sm/virtio_spec.h>
#include <device/device_types.h>
#include <device/net_status.h>
#include "device.h"
#include "mach.h"

#define READ_RECORDS_MAX 8


/* Open name with mode, or print "cmd: name: why" and return false. */
static bool open_device(const char *cmd, const char *name, dev_mode_t mode, mach_port_t *dev)
{
	if (strlen(name) >= sizeof(dev_name_t)) {
		printf("%s: device name too long\n", cmd);
		return false;
	}
	kern_return_t kr = device_open(DEVICE_MASTER, mode, (char *)name, dev);
	if (kr != D_SUCCESS) {
		printf("%s: %s: %s\n", cmd, name, kr == D_NO_SUCH_DEVICE ? "no such device" : kr_name(kr));
		return false;
	}
	return true;
}

static void close_device(mach_port_t dev)
{
	device_close(dev);
	mach_port_deallocate(smrt_task_port(), dev);
}

static void print_blk_stats(const struct blk_stats *s, const struct blk_info *info, bool have_info)
{
	if (have_info)
		printf("  disk: %u records of %u bytes, %s transport, features accepted 0x%llx%s\n", info->records,
		       info->record_size, info->modern ? "modern" : "legacy",
		       (unsigned long long)info->features_accepted, info->read_only ? ", read-only" : "");
	printf("  requests %u: reads %u, writes %u, flushes %u, discards %u, errors %u (I/O %u)\n", s->requests,
	       s->reads, s->writes, s->flushes, s->discards, s->errors, s->io_errors);
	printf("  bytes read %llu (zero-copy %llu, copied %llu), written %llu\n", (unsigned long long)s->bytes_read,
	       (unsigned long long)s->bytes_zero_copy, (unsigned long long)s->bytes_copied,
	       (unsigned long long)s->bytes_written);
	printf("  in flight %u (high-water %u, limit %u), waiting %u (high-water %u)\n", s->inflight,
	       s->inflight_hwm, s->inflight_limit, s->waiting, s->waiting_hwm);
	printf("  pool: %u buffers, %u free, %u in use (high-water %u, limit %u), grew %u times\n", s->pool_total,
	       s->pool_free, s->pool_in_use, s->pool_hwm, s->pool_limit, s->pool_grows);
	printf("  interrupts %u, notifies %u (suppressed %u), opens %u\n", s->interrupts, s->notifies,
	       s->notifies_suppressed, s->opens);
}

static void print_net_stats(const struct net_stats *s)
{
	printf("  received %u frames (%u bytes), delivered %u; sent %u frames (%u bytes)\n", s->rx_frames,
	       s->rx_bytes, s->rx_delivered, s->tx_frames, s->tx_bytes);
	printf("  drops: no filter %u, client queue full %u, bad from the device %u, too many writes waiting %u, "
	       "oversize writes %u\n", s->rx_no_filter, s->rx_queue_full, s->rx_bad, s->tx_dropped, s->tx_oversize);
	printf("  link %s (%u changes), MTU %u, %s transport, queues %u/%u, filters %u (pruned %u)\n",
	       s->link_up ? "up" : "down", s->link_changes, s->mtu, s->modern ? "modern" : "legacy", s->queue_size_rx,
	       s->queue_size_tx, s->filters, s->filters_pruned);
	printf("  interrupts %u, writes that waited for a buffer %u, errors %u\n", s->interrupts, s->tx_deferred,
	       s->errors);
}

int cmd_stats(int argc, char **argv)
{
	if (argc != 2) {
		printf("stats: usage: stats <dev> (devices lists the names)\n");
		return 1;
	}
	mach_port_t dev;
	if (!open_device("stats", argv[1], 0, &dev))
		return 1;
	/* Ask only the flavors of the device's class when the devices list
	 * tells it, so that the driver logs no refused flavor. */
	natural_t type = device_virtio_type(argv[1]);
	struct blk_stats s;
	struct blk_info info;
	mach_msg_type_number_t n = BLK_STATS_COUNT;
	kern_return_t kr = type == VIRTIO_ID_NET ? D_INVALID_OPERATION :
			   device_get_status(dev, BLK_GET_STATS, (int *)&s, &n);
	if (kr == D_SUCCESS && n >= BLK_STATS_COUNT) {
		mach_msg_type_number_t ni = BLK_INFO_COUNT;
		bool have_info = device_get_status(dev, BLK_GET_INFO, (int *)&info, &ni) == D_SUCCESS &&
				 ni >= BLK_INFO_COUNT;
		printf("%s (block device):\n", argv[1]);
		print_blk_stats(&s, &info, have_info);
		close_device(dev);
		return 0;
	}
	/* Not a block device: GNU Mach's network status is what any net
	 * driver answers, the net server's statistics what ours adds. */
	struct net_status ns;
	n = NET_STATUS_COUNT;
	kern_return_t knet = type == VIRTIO_ID_BLOCK ? D_INVALID_OPERATION :
			     device_get_status(dev, NET_STATUS, (int *)&ns, &n);
	if (knet == D_SUCCESS && n >= NET_STATUS_COUNT) {
		printf("%s (network device): link %s, frames %d-%d bytes, header %d bytes, address %d bytes\n",
		       argv[1], (ns.flags & NET_IFF_RUNNING) ? "up" : "down", ns.min_packet_size, ns.max_packet_size,
		       ns.header_size, ns.address_size);
		struct net_stats st;
		n = NET_STATS_COUNT;
		if (device_get_status(dev, NET_GET_STATS, (int *)&st, &n) == D_SUCCESS && n >= NET_STATS_COUNT)
			print_net_stats(&st);
		close_device(dev);
		return 0;
	}
	close_device(dev);
	printf("stats: %s: no statistics this console knows (%s)\n", argv[1], kr_name(kr));
	return 1;
}

/* DEV_GET_RECORDS: records and record size, or false with a message. */
static bool disk_size(const char *cmd, const char *name, mach_port_t dev, uint32_t *records, uint32_t *rsize)
{
	int words[2];
	mach_msg_type_number_t n = 2;
	kern_return_t kr = device_get_status(dev, DEV_GET_RECORDS, words, &n);
	*records = 0;
	if (kr != D_SUCCESS || n < 2 || words[0] <= 0 || words[1] <= 0) {
		printf("%s: %s: not a disk (%s)\n", cmd, name, kr == D_SUCCESS ? "no records" : kr_name(kr));
		return false;
	}
	*records = (uint32_t)words[0];
	*rsize = (uint32_t)words[1];
	return true;
}

/* Open name as a disk with mode and check that rec is on it; the device,
 * its records and record size, or false having said why. */
static bool open_record(const char *cmd, const char *name, dev_mode_t mode, uint32_t rec, mach_port_t *dev,
			uint32_t *records, uint32_t *rsize)
{
	if (!open_device(cmd, name, mode, dev))
		return false;
	if (disk_size(cmd, name, *dev, records, rsize) && rec < *records)
		return true;
	if (*records && rec >= *records)
		printf("%s: record %u is out of range: %s has %u records\n", cmd, rec, name, *records);
	close_device(*dev);
	return false;
}

static void hex_dump(const unsigned char *p, uint32_t bytes, uint32_t first_offset)
{
	for (uint32_t off = 0; off < bytes; off += 16) {
		char ascii[17];
		printf("%08x ", first_offset + off);
		for (uint32_t i = 0; i < 16; i++) {
			unsigned char c = off + i < bytes ? p[off + i] : 0;
			printf(" %02x", c);
			ascii[i] = c >= ' ' && c < 0x7f ? (char)c : '.';
		}
		ascii[16] = '\0';
		printf("  |%s|\n", ascii);
		if ((off & 0x1ff) == 0x1f0 && term_interrupted()) {
			printf("read: stopped\n");
			return;
		}
	}
}

int cmd_read(int argc, char **argv)
{
	uint32_t rec, count = 1;
	if (argc < 3 || argc > 4 || !parse_number(argv[2], &rec) || (argc == 4 && !parse_number(argv[3], &count))) {
		printf("read: usage: read <dev> <record> [count]\n");
		return 1;
	}
	if (count == 0 || count > READ_RECORDS_MAX) {
		printf("read: count must be 1 to %d\n", READ_RECORDS_MAX);
		return 1;
	}
	mach_port_t dev;
	uint32_t records = 0, rsize;
	int status = 1;
	if (!open_record("read", argv[1], D_READ, rec, &dev, &records, &rsize))
		return 1;
	if (count > records - rec)
		count = records - rec;
	io_buf_ptr_t data = 0;
	mach_msg_type_number_t got = 0;
	kern_return_t kr = device_read(dev, D_READ, rec, (int)(count * rsize), &data, &got);
	if (kr != D_SUCCESS) {
		printf("read: %s record %u: %s\n", argv[1], rec, kr_name(kr));
		goto out;
	}
	printf("%s records %u-%u (%u bytes each):\n", argv[1], rec, rec + count - 1, rsize);
	hex_dump((const unsigned char *)data, got, 0);
	vm_deallocate(smrt_task_port(), (vm_address_t)data, got);
	status = 0;
out:
	close_device(dev);
	return status;
}

int cmd_write(int argc, char **argv)
{
	uint32_t rec;
	if (!write_allowed) {
		printf("write: disabled: boot the console with allow-write on its module line to enable it\n");
		return 1;
	}
	if (argc != 4 || !parse_number(argv[2], &rec)) {
		printf("write: usage: write <dev> <record> <text>\n");
		return 1;
	}
	mach_port_t dev;
	uint32_t records = 0, rsize;
	int status = 1;
	if (!open_record("write", argv[1], D_READ | D_WRITE, rec, &dev, &records, &rsize))
		return 1;
	char *buf = calloc(1, rsize);
	if (!buf) {
		printf("write: out of memory\n");
		goto out;
	}
	copy_string(buf, argv[3], rsize);
	int written = 0;
	kern_return_t kr = device_write(dev, D_WRITE, rec, (io_buf_ptr_t)buf, rsize, &written);
	free(buf);
	if (kr != D_SUCCESS) {
		printf("write: %s record %u: %s\n", argv[1], rec, kr_name(kr));
		goto out;
	}
	printf("wrote %d bytes to %s record %u\n", written, argv[1], rec);
	status = 0;
out:
	close_device(dev);
	return status;
}
