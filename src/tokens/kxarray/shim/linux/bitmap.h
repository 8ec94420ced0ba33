/* SPDX-License-Identifier: MIT */
/*
 * Bit operations on arrays of longs.  The xarray's mark bitmaps are one
 * word each (XA_CHUNK_SIZE == BITS_PER_LONG), and the kernel inlines the
 * single-word case of every call it makes on them; the word loops below
 * fold to the same single-word code when the size is that constant.
 * The non-atomic __ variants take no lock prefix, as in the kernel: the
 * xa_lock serialises them.
 */
#ifndef KX_LINUX_BITMAP_H
#define KX_LINUX_BITMAP_H

#include <linux/compiler.h>
#include <linux/minmax.h>

#ifndef __x86_64__
#error "the kxarray shims model x86_64's kernel (meson builds kxarray only there)"
#endif

#define BITS_PER_LONG		64
#define BITS_TO_LONGS(n)	(((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define BIT_WORD(nr)		((nr) / BITS_PER_LONG)
#define BIT_MASK(nr)		(1UL << ((nr) % BITS_PER_LONG))

static inline unsigned long __ffs(unsigned long word)
{
	return (unsigned long)__builtin_ctzl(word);
}

/*
 * x86_64's bit instructions, as arch/x86/include/asm/bitops.h uses them for
 * a variable bit number: one bt/bts/btr on the word in memory, the old bit
 * read back from the carry flag.  The operand names only the first word:
 * every bitmap the xarray touches is one word (XA_CHUNK_SIZE == 64).
 */
static inline bool test_bit(unsigned long nr, const unsigned long *addr)
{
	bool old;

	__asm__("btq %2, %1" : "=@ccc"(old) : "m"(*addr), "Ir"(nr));
	return old;
}

static inline bool __test_and_set_bit(unsigned long nr, unsigned long *addr)
{
	bool old;

	__asm__("btsq %2, %1" : "=@ccc"(old), "+m"(*addr) : "Ir"(nr));
	return old;
}

static inline bool __test_and_clear_bit(unsigned long nr, unsigned long *addr)
{
	bool old;

	__asm__("btrq %2, %1" : "=@ccc"(old), "+m"(*addr) : "Ir"(nr));
	return old;
}

static inline void __set_bit(unsigned long nr, unsigned long *addr)
{
	__asm__("btsq %1, %0" : "+m"(*addr) : "Ir"(nr));
}

static inline void __clear_bit(unsigned long nr, unsigned long *addr)
{
	__asm__("btrq %1, %0" : "+m"(*addr) : "Ir"(nr));
}

/* The first set bit at or after @offset, or @size if there is none. */
static inline unsigned long find_next_bit(const unsigned long *addr,
					  unsigned long size, unsigned long offset)
{
	unsigned long word;

	if (unlikely(offset >= size))
		return size;
	word = addr[BIT_WORD(offset)] & (~0UL << (offset % BITS_PER_LONG));
	while (!word) {
		offset = (BIT_WORD(offset) + 1) * BITS_PER_LONG;
		if (offset >= size)
			return size;
		word = addr[BIT_WORD(offset)];
	}
	return min(BIT_WORD(offset) * BITS_PER_LONG + __ffs(word), size);
}

static inline bool bitmap_empty(const unsigned long *src, unsigned int nbits)
{
	return find_next_bit(src, nbits, 0) == nbits;
}

static inline void bitmap_fill(unsigned long *dst, unsigned int nbits)
{
	unsigned int i;

	for (i = 0; i < BITS_TO_LONGS(nbits); i++)
		dst[i] = ~0UL;
}

static inline void bitmap_clear(unsigned long *map, unsigned int start,
				unsigned int nbits)
{
	while (nbits--)
		__clear_bit(start++, map);
}

#endif /* KX_LINUX_BITMAP_H */
