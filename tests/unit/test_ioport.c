/*
 * Host unit tests for I/O port capabilities (kernel/ioport.c): a derived
 * capability names a sub-range, and a task's permission bitmap opens
 * exactly the ports of the capabilities it holds, as they arrive, move and
 * go.  The tasks are host memory with a space and a bitmap each.
 */
#include <stdint.h>

#include "cap.h"
#include "ioport.h"
#include "khost.h"
#include "unit.h"

static struct cap slots_a[CSPACE_SLOTS], slots_b[CSPACE_SLOTS];
static uint8_t bitmap_a[8192] __attribute__((aligned(8))), bitmap_b[8192] __attribute__((aligned(8)));
static struct task a = { .cspace = slots_a, .iobitmap = bitmap_a };
static struct task b = { .cspace = slots_b, .iobitmap = bitmap_b };

/* Whether t's bitmap lets it use port (a clear bit allows). */
static bool open_to(const struct task *t, unsigned port)
{
	return !(t->iobitmap[port / 8] & (1 << (port % 8)));
}

/* Two tasks with nothing open; a holds every port in slot 0. */
static struct cap *fresh(void)
{
	memset(slots_a, 0, sizeof(slots_a));
	memset(slots_b, 0, sizeof(slots_b));
	memset(bitmap_a, 0xff, sizeof(bitmap_a));
	memset(bitmap_b, 0xff, sizeof(bitmap_b));
	a.has_ports = b.has_ports = false;
	kstub_reset();
	struct cap all = { .type = OBJ_IOPORT, .rights = RIGHTS_ALL,
			   .ports = { .first = 0, .last = 0xffff } };
	cap_insert(0, &slots_a[0], &all, &a);
	return &slots_a[0];
}

TEST(ioport_covers_only_a_nonempty_range_within)
{
	struct cap c = { .type = OBJ_IOPORT, .ports = { .first = 0x3f8, .last = 0x3ff } };
	CHECK(ioport_covers(&c, 0x3f8, 0x3ff));
	CHECK(ioport_covers(&c, 0x3f9, 0x3f9));
	CHECK(!ioport_covers(&c, 0x3f7, 0x3f8));
	CHECK(!ioport_covers(&c, 0x3ff, 0x400));
	CHECK(!ioport_covers(&c, 0x3fa, 0x3f9)); /* it is an error to ask for first > last */
	CHECK_EQ(ioport_count(&c), 8);
}

TEST(ioport_derive_names_the_subrange_under_its_source)
{
	struct cap *all = fresh();
	ioport_derive(all, &slots_a[1], 0x60, 0x64, &a);
	CHECK(slots_a[1].type == OBJ_IOPORT && slots_a[1].parent == all);
	CHECK(slots_a[1].ports.first == 0x60 && slots_a[1].ports.last == 0x64);
	CHECK(slots_a[1].holder == &a);
	CHECK_EQ(ioport_count(&slots_a[1]), 5);
}

TEST(ioport_bitmap_opens_exactly_the_ports_held)
{
	struct cap *all = fresh();
	ioport_derive(all, &slots_a[1], 0x60, 0x64, &a);
	cap_move(&slots_a[1], &slots_b[0], &b);
	CHECK(b.has_ports && slots_b[0].holder == &b);
	CHECK(open_to(&b, 0x60) && open_to(&b, 0x64));
	CHECK(!open_to(&b, 0x5f) && !open_to(&b, 0x65));
	cap_delete(&slots_b[0]);
	CHECK(!b.has_ports && !open_to(&b, 0x60));
	CHECK(a.has_ports && open_to(&a, 0x60)); /* a still holds them all */
	cap_delete(all);
	CHECK(!a.has_ports && !open_to(&a, 0) && !open_to(&a, 0xffff));
}

/* b holds first..last alone: exactly those ports are open to it, whichever 64-port words they span. */
static bool opens_exactly(struct cap *all, unsigned first, unsigned last)
{
	ioport_derive(all, &slots_a[1], first, last, &a);
	cap_move(&slots_a[1], &slots_b[0], &b);
	bool exact = true;
	for (unsigned port = 0; port <= 0xffff; port++)
		exact &= open_to(&b, port) == (port >= first && port <= last);
	cap_delete(&slots_b[0]);
	return exact;
}

TEST(ioport_bitmap_ranges_end_on_the_right_bit_of_each_word)
{
	struct cap *all = fresh();
	CHECK(opens_exactly(all, 0, 0));
	CHECK(opens_exactly(all, 63, 63));
	CHECK(opens_exactly(all, 63, 64));
	CHECK(opens_exactly(all, 64, 127));
	CHECK(opens_exactly(all, 1, 62));
	CHECK(opens_exactly(all, 0x3f8, 0x3ff));
	CHECK(opens_exactly(all, 100, 1000));
	CHECK(opens_exactly(all, 0xffc0, 0xffff));
	CHECK(opens_exactly(all, 0, 0xffff));
}
