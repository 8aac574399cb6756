/*
 * test_printf.c - host unit test of the freestanding library's printf
 * engine (freestanding/format.c: vsnprintf, snprintf, format_to, which the
 * kernel and the user runtime share), built -m32 like both. The source is
 * included here under other names (tested_vsnprintf, ...), beside the host
 * C library it is compared with.
 *
 * Fixed cases check each conversion, flag, width and length modifier, the
 * C99 snprintf truncation contract (return the full length, write at most
 * size-1 characters and a NUL, never touch bytes past size) and the edges
 * (NULL strings, INT_MIN, 64-bit extremes, a lone '%' at the end).  A random
 * loop then compares thousands of conversions against the host C library.
 */
#define FREESTANDING_NAME(n) tested_##n
#include "../../freestanding/format.c"
#include "check.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

/* tested_vsnprintf without tested_snprintf's format attribute, for formats the compiler
 * would (rightly) warn about: a lone '%', unknown conversions. */
static int raw_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = tested_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* Formats into a large buffer and compares text and return value. */
#define EXPECT(want, ...) do {						\
	char b_[256];							\
	memset(b_, 'Z', sizeof b_);					\
	int n_ = tested_snprintf(b_, sizeof b_, __VA_ARGS__);			\
	CHECK(n_ == (int)strlen(want) && strcmp(b_, want) == 0,		\
	      "%s -> \"%s\" (%d), want \"%s\" (%d)", #__VA_ARGS__,	\
	      b_, n_, want, (int)strlen(want));				\
} while (0)

#define EXPECT_RAW(want, ...) do {					\
	char b_[256];							\
	memset(b_, 'Z', sizeof b_);					\
	int n_ = raw_fmt(b_, sizeof b_, __VA_ARGS__);			\
	CHECK(n_ == (int)strlen(want) && strcmp(b_, want) == 0,		\
	      "%s -> \"%s\" (%d), want \"%s\"", #__VA_ARGS__, b_, n_, want); \
} while (0)

static void test_conversions(void)
{
	EXPECT("", "%s", "");
	EXPECT("plain text", "plain text");
	EXPECT("42", "%d", 42);
	EXPECT("-42", "%i", -42);
	EXPECT("0", "%d", 0);
	EXPECT("4294967295", "%u", 4294967295u);
	EXPECT("deadbeef", "%x", 0xdeadbeefu);
	EXPECT("DEADBEEF", "%X", 0xdeadbeefu);
	EXPECT("0", "%x", 0u);
	EXPECT("777", "%o", 0777u);
	EXPECT("37777777777", "%o", 0xffffffffu);
	EXPECT("0xdeadbeef", "%p", (void *)0xdeadbeefu);
	EXPECT("0x0", "%p", (void *)0);
	EXPECT("hello", "%s", "hello");
	EXPECT("x", "%c", 'x');
	EXPECT("100%", "%d%%", 100);
	EXPECT("a1b2c", "a%db%uc", 1, 2u);
	EXPECT("[7][-7][ok][q]", "[%d][%d][%s][%c]", 7, -7, "ok", 'q');
	EXPECT("2147483647", "%d", INT_MAX);
	EXPECT("-2147483648", "%d", INT_MIN);
	EXPECT("-2147483648", "%ld", LONG_MIN);
	EXPECT("4294967295", "%lu", ULONG_MAX);
	EXPECT("ffffffff", "%lx", ULONG_MAX);
	EXPECT("123", "%zu", (size_t)123);
	EXPECT("7fffffff", "%zx", (size_t)0x7fffffff);
}

static void test_64bit(void)
{
	EXPECT("9223372036854775807", "%lld", LLONG_MAX);
	EXPECT("-9223372036854775808", "%lld", LLONG_MIN);
	EXPECT("18446744073709551615", "%llu", ULLONG_MAX);
	EXPECT("ffffffffffffffff", "%llx", ULLONG_MAX);
	EXPECT("FFFFFFFFFFFFFFFF", "%llX", ULLONG_MAX);
	EXPECT("1777777777777777777777", "%llo", ULLONG_MAX);
	EXPECT("4294967296", "%llu", 4294967296ull);
	EXPECT("100000000", "%llx", 0x100000000ull);
	EXPECT("123456789abcdef0", "%llx", 0x123456789abcdef0ull);
	EXPECT("-1", "%lld", -1ll);
	EXPECT("0", "%llu", 0ull);
	EXPECT("10000000000000000000", "%llu", 10000000000000000000ull);
	/* a 64-bit argument must not shift the ones after it */
	EXPECT("1 2 3", "%d %lld %d", 1, 2ll, 3);
	EXPECT("5 ffffffff00000001 x", "%u %llx %c", 5u, 0xffffffff00000001ull, 'x');
}

static void test_flags_width(void)
{
	EXPECT("   42", "%5d", 42);
	EXPECT("42   |", "%-5d|", 42);
	EXPECT("00042", "%05d", 42);
	EXPECT("-0042", "%05d", -42);
	EXPECT("  -42", "%5d", -42);
	EXPECT("-42  |", "%-5d|", -42);
	EXPECT_RAW("-42  |", "%-05d|", -42);	/* '-' overrides '0' */
	EXPECT_RAW("-42  |", "%0-5d|", -42);
	EXPECT("-42", "%02d", -42);		/* width smaller than the number */
	EXPECT("-42", "%01d", -42);
	EXPECT("12345", "%3d", 12345);
	EXPECT("000000ff", "%08x", 0xffu);
	EXPECT("  0xff", "%6p", (void *)0xff);
	EXPECT("0xff  |", "%-6p|", (void *)0xff);
	EXPECT("   ab", "%5s", "ab");
	EXPECT("ab   |", "%-5s|", "ab");
	EXPECT("    x", "%5c", 'x');
	EXPECT("x    |", "%-5c|", 'x');
	EXPECT("-000000000000000000001", "%022lld", -1ll);
	EXPECT("-9223372036854775808", "%020lld", LLONG_MIN);
	EXPECT("   -9223372036854775808", "%23lld", LLONG_MIN);
	EXPECT("-2147483648", "%05d", INT_MIN);
	EXPECT("-0002147483648", "%014d", INT_MIN);
}

static void test_null_and_edges(void)
{
	const char *volatile null_str = NULL;	/* hide NULL from -Wformat */
	EXPECT("(null)", "%s", null_str);
	EXPECT("  (null)", "%8s", null_str);
	EXPECT("[(null)]", "[%s]", null_str);

	/* %c of NUL writes a NUL character and counts it, as snprintf does */
	char b[8];
	memset(b, 'Z', sizeof b);
	int n = tested_snprintf(b, sizeof b, "a%cb", 0);
	CHECK(n == 3 && b[0] == 'a' && b[1] == '\0' && b[2] == 'b' && b[3] == '\0',
	      "%%c of NUL: n=%d", n);

	/* a '%' at the very end, possibly after flags/width/length: stop cleanly */
	EXPECT_RAW("abc", "abc%");
	EXPECT_RAW("", "%");
	EXPECT_RAW("x", "x%-");
	EXPECT_RAW("x", "x%05");
	EXPECT_RAW("x", "x%ll");
	EXPECT_RAW("x", "x%-012l");
	/* an unknown conversion is shown as written and takes no argument */
	EXPECT_RAW("%q5", "%q%d", 5);
	EXPECT_RAW("%y|ok", "%y|%s", "ok");
}

/* The C99 snprintf contract for every buffer size around the output length. */
static void test_truncation(void)
{
	static const char want[] = "value=-12345 hex=beef str=hello";
	const size_t len = sizeof want - 1;
	for (size_t size = 0; size <= len + 3; size++) {
		char b[64];
		memset(b, 'Z', sizeof b);
		int n = tested_snprintf(b, size, "value=%d hex=%x str=%s", -12345, 0xbeefu, "hello");
		int ok = n == (int)len;
		if (size > 0) {
			size_t k = size - 1 < len ? size - 1 : len;
			ok = ok && memcmp(b, want, k) == 0 && b[k] == '\0';
		}
		for (size_t i = size; i < sizeof b; i++)
			ok = ok && b[i] == 'Z';
		CHECK(ok, "size %zu: n=%d \"%.*s\"", size, n, (int)(size ? size - 1 : 0), b);
	}
	/* size 0 writes nothing at all: a NULL buffer is fine */
	CHECK(tested_snprintf(NULL, 0, "%d-%s", 12, "abc") == 6, "NULL buffer, size 0");
	CHECK(raw_fmt(NULL, 0, "") == 0, "empty format, size 0");

	/* padding past the end is counted but not written */
	char b[8];
	memset(b, 'Z', sizeof b);
	int n = tested_snprintf(b, 4, "%20d", 1);
	CHECK(n == 20 && strcmp(b, "   ") == 0 && b[4] == 'Z', "padded truncation n=%d", n);
	memset(b, 'Z', sizeof b);
	n = tested_snprintf(b, 1, "%s", "anything");
	CHECK(n == 8 && b[0] == '\0' && b[1] == 'Z', "size 1 n=%d", n);

	/* a long output into a small buffer: nothing past size is touched */
	char big[600];
	memset(big, 'Z', sizeof big);
	n = tested_snprintf(big, 300, "%500s|%d", "x", 7);
	int ok = n == 502 && big[299] == '\0' && big[300] == 'Z' && big[298] == ' ';
	CHECK(ok, "500-wide field into 300 bytes: n=%d", n);
}

/* ----- differential test against the host C library ----- */

static const char *const strings[] = { "", "a", "hello", "with space", "0123456789abcdef" };

static void test_against_libc(int rounds)
{
	int bad = 0, compared = 0;
	for (int r = 0; r < rounds; r++) {
		/* one conversion with random flags and width between literal text */
		static const char convs[] = "diuxXosc";
		char conv = convs[rnd_below(sizeof convs - 1)];
		int longs = (conv == 's' || conv == 'c') ? 0 : (int)rnd_below(3);
		const char *flags[] = { "", "-", "0", "-0", "0-" };
		const char *flag = flags[rnd_below(5)];
		if (conv == 's' || conv == 'c')
			flag = rnd32() & 1 ? "-" : "";	/* '0' with s/c is undefined in C */
		char fmt[48];
		int w = (int)rnd_below(4) == 0 ? 0 : (int)rnd_below(30);
		if (w)
			snprintf(fmt, sizeof fmt, "<%%%s%d%s%c>", flag, w, longs == 2 ? "ll" : longs ? "l" : "", conv);
		else
			snprintf(fmt, sizeof fmt, "<%%%s%s%c>", flag, longs == 2 ? "ll" : longs ? "l" : "", conv);

		uint64_t v = ((uint64_t)rnd32() << 32) | rnd32();
		switch (rnd_below(6)) {		/* bias toward the interesting edges */
		case 0: v = 0; break;
		case 1: v >>= rnd_below(64); break;
		case 2: v = (uint64_t)1 << rnd_below(64); v -= rnd_below(2); break;
		case 3: v = (uint64_t)-(int64_t)rnd_below(1000); break;
		default: break;
		}
		size_t size = rnd_below(4) ? 128 : rnd_below(40);
		char kb[128], hb[128];
		memset(kb, 'Z', sizeof kb);
		memset(hb, 'Z', sizeof hb);
		int kn, hn;
		const char *s = strings[rnd_below(sizeof strings / sizeof strings[0])];
		int ch = ' ' + (int)rnd_below(95);
#define BOTH(...) (kn = raw_fmt(kb, size, fmt, __VA_ARGS__), \
		   hn = snprintf(hb, size, fmt, __VA_ARGS__))
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		if (conv == 's')
			BOTH(s);
		else if (conv == 'c')
			BOTH(ch);
		else if (conv == 'd' || conv == 'i') {
			if (longs == 2) BOTH((long long)v);
			else if (longs == 1) BOTH((long)(int32_t)v);
			else BOTH((int)(int32_t)v);
		} else {
			if (longs == 2) BOTH((unsigned long long)v);
			else if (longs == 1) BOTH((unsigned long)(uint32_t)v);
			else BOTH((unsigned)(uint32_t)v);
		}
#pragma GCC diagnostic pop
#undef BOTH
		compared++;
		if (kn != hn || memcmp(kb, hb, sizeof kb) != 0) {
			if (++bad <= 10)
				CHECK(0, "format \"%s\" size %zu value %#llx: kernel \"%.*s\" (%d), libc \"%.*s\" (%d)",
				      fmt, size, (unsigned long long)v,
				      (int)(size ? size - 1 : 0), kb, kn,
				      (int)(size ? size - 1 : 0), hb, hn);
		}
	}
	CHECK(bad == 0, "%d of %d random conversions differ from libc", bad, compared);
}

int main(void)
{
	test_conversions();
	test_64bit();
	test_flags_width();
	test_null_and_edges();
	test_truncation();
	test_against_libc(20000);
	return check_summary();
}
