/*
 * Host unit tests for exit bindings (kernel/vcpu_bind.c): which endpoint
 * and state mask each exit reason reaches, the default binding, the
 * slots' reuse, and what a revoked endpoint leaves behind.  The vCPU is a
 * struct in host memory and the endpoints are capabilities in a host
 * capability space, as in test_cap.c.
 */
#include <stdint.h>

#include "cap.h"
#include "khost.h"
#include "vcpu.h"
#include "unit.h"

static struct cap slots[CSPACE_SLOTS];
static struct task task = { .cspace = slots };
static struct obj_header endpoints[3];
static struct vcpu vcpu;

/*
 * A vCPU with nothing bound, and in slots 0-2 the originals of three
 * endpoints, badged 100, 101, 102 as a VMM's badged copies would be.
 */
static struct vcpu *fresh(void)
{
	memset(slots, 0, sizeof(slots));
	memset(endpoints, 0, sizeof(endpoints));
	memset(&vcpu, 0, sizeof(vcpu));
	kstub_reset();
	for (unsigned i = 0; i < 3; i++) {
		struct cap ep = { .type = OBJ_ENDPOINT, .rights = RIGHTS_ALL,
				  .header = &endpoints[i], .badge = 100 + i };
		cap_insert(0, &slots[i], &ep, &task);
	}
	return &vcpu;
}

TEST(vcpu_bind_reason_reaches_its_endpoint_with_its_mask)
{
	struct vcpu *v = fresh();
	uint32_t mask = 0;
	CHECK_EQ(vcpu_bind(v, VMEXIT_CPUID, &slots[0], 0x5), OK);
	struct cap *c = vcpu_binding(v, VMEXIT_CPUID, &mask);
	CHECK(c && c->header == &endpoints[0]);
	CHECK_EQ(mask, 0x5);
	CHECK_EQ(c->badge, 100); /* the badge tells the VMM which guest */
	CHECK(c != &slots[0]);   /* the vCPU's own copy, derived from the VMM's */
	CHECK_EQ(endpoints[0].refs, 2);
}

TEST(vcpu_bind_unbound_reason_goes_to_the_default_or_nowhere)
{
	struct vcpu *v = fresh();
	uint32_t mask = 77;
	CHECK(vcpu_binding(v, VMEXIT_HLT, &mask) == 0);
	CHECK_EQ(vcpu_bind(v, VMEXIT_DEFAULT, &slots[1], 0x3), OK);
	CHECK_EQ(vcpu_bind(v, VMEXIT_CPUID, &slots[0], 0x5), OK);
	struct cap *c = vcpu_binding(v, VMEXIT_HLT, &mask);
	CHECK(c && c->header == &endpoints[1]);
	CHECK_EQ(mask, 0x3);
	c = vcpu_binding(v, VMEXIT_CPUID, &mask); /* its own binding wins */
	CHECK(c && c->header == &endpoints[0]);
	CHECK_EQ(mask, 0x5);
}

TEST(vcpu_bind_again_replaces_in_the_same_slot)
{
	struct vcpu *v = fresh();
	uint32_t mask;
	CHECK_EQ(vcpu_bind(v, VMEXIT_CPUID, &slots[0], 0x5), OK);
	CHECK_EQ(vcpu_bind(v, VMEXIT_CPUID, &slots[1], 0x9), OK);
	struct cap *c = vcpu_binding(v, VMEXIT_CPUID, &mask);
	CHECK(c && c->header == &endpoints[1]);
	CHECK_EQ(mask, 0x9);
	CHECK_EQ(endpoints[0].refs, 1); /* the old copy is gone */
	unsigned used = 0;
	for (unsigned i = 0; i < VCPU_BINDINGS; i++)
		used += v->bound_ep[i].type != OBJ_NONE;
	CHECK_EQ(used, 1);
}

TEST(vcpu_bind_without_endpoint_unbinds_to_the_default)
{
	struct vcpu *v = fresh();
	uint32_t mask;
	CHECK_EQ(vcpu_bind(v, VMEXIT_DEFAULT, &slots[1], 0x3), OK);
	CHECK_EQ(vcpu_bind(v, VMEXIT_CPUID, &slots[0], 0x5), OK);
	CHECK_EQ(vcpu_bind(v, VMEXIT_CPUID, 0, 0), OK);
	CHECK(vcpu_binding(v, VMEXIT_CPUID, &mask)->header == &endpoints[1]);
	CHECK_EQ(endpoints[0].refs, 1);
	CHECK_EQ(vcpu_bind(v, VMEXIT_DEFAULT, 0, 0), OK);
	CHECK(vcpu_binding(v, VMEXIT_CPUID, &mask) == 0);
	CHECK_EQ(endpoints[1].refs, 1);
}

TEST(vcpu_bind_full_slots_refuse_a_new_reason_but_not_a_bound_one)
{
	struct vcpu *v = fresh();
	uint32_t mask;
	for (unsigned r = 0; r < VCPU_BINDINGS; r++)
		CHECK_EQ(vcpu_bind(v, r, &slots[0], r), OK);
	CHECK_EQ(vcpu_bind(v, VCPU_BINDINGS, &slots[0], 0), ERR_BUSY);
	CHECK_EQ(vcpu_bind(v, VMEXIT_RECALL, &slots[0], 0), ERR_BUSY);
	CHECK_EQ(vcpu_bind(v, 3, &slots[2], 0x7), OK);
	CHECK(vcpu_binding(v, 3, &mask)->header == &endpoints[2]);
	CHECK_EQ(mask, 0x7);
	for (unsigned r = 0; r < VCPU_BINDINGS; r++)
		if (r != 3)
			CHECK_EQ(vcpu_binding(v, r, &mask)->header == &endpoints[0], 1);
	CHECK_EQ(vcpu_bind(v, VMEXIT_DEFAULT, &slots[1], 0), OK); /* never takes a slot */
}

TEST(vcpu_bind_reason_past_the_table_is_found_by_its_slot)
{
	struct vcpu *v = fresh();
	uint32_t mask;
	CHECK_EQ(vcpu_bind(v, VMEXIT_DEFAULT, &slots[1], 0x3), OK);
	CHECK_EQ(vcpu_bind(v, VMEXIT_RECALL, &slots[2], 0x11), OK);
	CHECK(vcpu_binding(v, VMEXIT_RECALL, &mask)->header == &endpoints[2]);
	CHECK_EQ(mask, 0x11);
	CHECK(vcpu_binding(v, VMEXIT_RECALL + 1, &mask)->header == &endpoints[1]);
}

TEST(vcpu_bind_revoked_endpoint_falls_back_and_frees_its_slot)
{
	struct vcpu *v = fresh();
	uint32_t mask;
	CHECK_EQ(vcpu_bind(v, VMEXIT_DEFAULT, &slots[1], 0x3), OK);
	for (unsigned r = 0; r < VCPU_BINDINGS; r++)
		CHECK_EQ(vcpu_bind(v, r, &slots[r == 5 ? 2 : 0], r), OK);
	CHECK(cap_revoke(&slots[2])); /* the VMM revokes the endpoint that reason 5 used */
	CHECK_EQ(endpoints[2].refs, 1);
	CHECK(vcpu_binding(v, 5, &mask)->header == &endpoints[1]);
	CHECK_EQ(mask, 0x3);
	/* Its slot now serves another reason, and reason 5 stays with the default. */
	CHECK_EQ(vcpu_bind(v, 40, &slots[0], 0x40), OK);
	CHECK(vcpu_binding(v, 40, &mask)->header == &endpoints[0]);
	CHECK_EQ(mask, 0x40);
	CHECK(vcpu_binding(v, 5, &mask)->header == &endpoints[1]);
	CHECK_EQ(v->reason_binding[5], 0);
	/* Binding reason 5 again takes a slot once one is free. */
	CHECK_EQ(vcpu_bind(v, 5, &slots[0], 0x55), ERR_BUSY);
	CHECK_EQ(vcpu_bind(v, 40, 0, 0), OK);
	CHECK_EQ(vcpu_bind(v, 5, &slots[0], 0x55), OK);
	CHECK(vcpu_binding(v, 5, &mask)->header == &endpoints[0]);
	CHECK_EQ(mask, 0x55);
}
