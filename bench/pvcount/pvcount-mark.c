// SPDX-License-Identifier: GPL-2.0
/*
 * pvcount-mark.c -- the guest's side of the pvcount plugin (pvcount.c): runs
 * the marker instruction pair that makes the plugin write a snapshot.
 *
 *   pvcount-mark TAG                   one snapshot tagged TAG (0..4294967295)
 *   pvcount-mark loop N TAG1 TAG2      snapshot TAG1, a user-mode loop of
 *                                      exactly 2*N instructions, snapshot TAG2
 *   pvcount-mark aloop N TAG1 TAG2     the same with 4*N instructions of which
 *                                      2*N atomic (lock add; xchg to memory)
 *
 * Static, no C library: the process is small, so that the instructions it
 * costs around a snapshot are few. The marker "xchg %bx,%bx; nopl TAG(%rax)"
 * is a no-op for the CPU; it carries the tag in its displacement, so it is
 * written at run time into an executable page and called there.
 */
#include <stddef.h>
#include <stdint.h>

#define SYS_write	1
#define SYS_mmap	9
#define SYS_exit_group	231

static long sys3(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}

static long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c),
			 "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
	return r;
}

static void __attribute__((noreturn)) die(const char *msg)
{
	size_t n = 0;

	while (msg[n])
		n++;
	sys3(SYS_write, 2, (long)msg, (long)n);
	sys3(SYS_exit_group, 2, 0, 0);
	__builtin_unreachable();
}

static int parse(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* Two markers, at offsets 0 and 64 of one executable page. */
static unsigned char *code;

static void put_marker(unsigned int off, uint32_t tag)
{
	unsigned char *p = code + off;

	p[0] = 0x66; p[1] = 0x87; p[2] = 0xdb;		/* xchg %bx,%bx */
	p[3] = 0x0f; p[4] = 0x1f; p[5] = 0x80;		/* nopl tag(%rax) */
	p[6] = tag & 0xff;
	p[7] = (tag >> 8) & 0xff;
	p[8] = (tag >> 16) & 0xff;
	p[9] = tag >> 24;
	p[10] = 0xc3;					/* ret */
}

static void run_marker(unsigned int off)
{
	__asm__ volatile("call *%0" : : "r"(code + off)
			 : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
			   "memory", "cc");
}

void __attribute__((used, noreturn)) pv_main(long *sp);

void pv_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	uint64_t tag1, tag2, n, word = 0;
	long r;

	r = sys6(SYS_mmap, 0, 4096, 7 /* rwx */, 0x22 /* private|anon */, -1, 0);
	if (r < 0 && r > -4096)
		die("pvcount-mark: mmap failed\n");
	code = (unsigned char *)r;
	if (argc == 2 && !parse(argv[1], UINT32_MAX, &tag1)) {
		put_marker(0, (uint32_t)tag1);
		run_marker(0);
	} else if (argc == 5 && streq(argv[1], "aloop") && !parse(argv[2], UINT64_MAX >> 2, &n) &&
		   n > 0 && !parse(argv[3], UINT32_MAX, &tag1) &&
		   !parse(argv[4], UINT32_MAX, &tag2)) {
		uint32_t x = 0;

		put_marker(0, (uint32_t)tag1);
		put_marker(64, (uint32_t)tag2);
		run_marker(0);
		/* exactly 4 instructions per iteration, 2 of them atomic */
		__asm__ volatile("1:\n\tlock addq $1, %1\n\txchgl %2, %1\n\tdec %0\n\tjnz 1b"
				 : "+r"(n), "+m"(word), "+r"(x) : : "cc", "memory");
		run_marker(64);
	} else if (argc == 5 && streq(argv[1], "loop") && !parse(argv[2], UINT64_MAX >> 2, &n) &&
		   n > 0 && !parse(argv[3], UINT32_MAX, &tag1) &&
		   !parse(argv[4], UINT32_MAX, &tag2)) {
		put_marker(0, (uint32_t)tag1);
		put_marker(64, (uint32_t)tag2);
		run_marker(0);
		/* exactly 2 instructions per iteration */
		__asm__ volatile("1:\n\tdec %0\n\tjnz 1b" : "+r"(n) : : "cc");
		run_marker(64);
	} else {
		die("usage: pvcount-mark TAG | pvcount-mark loop|aloop N TAG1 TAG2\n");
	}
	sys3(SYS_exit_group, 0, 0, 0);
	__builtin_unreachable();
}

__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"\txor %ebp, %ebp\n"
	"\tmov %rsp, %rdi\n"
	"\tand $-16, %rsp\n"
	"\tcall pv_main\n"
	"\tud2\n");
