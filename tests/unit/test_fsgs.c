/*
 * Host unit tests for the recognizer of FSGSBASE instructions
 * (fsgs_insn_is_base_access, kernel/fsgs.h): the #UD of exactly these
 * four instructions gives a thread bases of its own; any other #UD stays
 * the thread's fault.
 */
#include <stdint.h>

#include "fsgs.h"
#include "unit.h"

#define IS(...) fsgs_insn_is_base_access((const uint8_t[]){ __VA_ARGS__ }, \
					 sizeof((const uint8_t[]){ __VA_ARGS__ }))

TEST(fsgs_recognizes_the_four_instructions_with_and_without_rex)
{
	CHECK(IS(0xf3, 0x48, 0x0f, 0xae, 0xc0)); /* rdfsbase rax */
	CHECK(IS(0xf3, 0x48, 0x0f, 0xae, 0xc9)); /* rdgsbase rcx */
	CHECK(IS(0xf3, 0x49, 0x0f, 0xae, 0xd7)); /* wrfsbase r15 */
	CHECK(IS(0xf3, 0x48, 0x0f, 0xae, 0xda)); /* wrgsbase rdx */
	CHECK(IS(0xf3, 0x0f, 0xae, 0xd8));       /* wrgsbase eax: no REX, 4 bytes */
}

/* It is not one of them: another reg field, a memory operand, another prefix, too few bytes. */
TEST(fsgs_refuses_look_alikes)
{
	CHECK(!IS(0xf3, 0x48, 0x0f, 0xae, 0xe0)); /* reg 4: ptwrite's /4 with F3, not a base */
	CHECK(!IS(0xf3, 0x48, 0x0f, 0xae, 0x18)); /* mod 0: a memory operand */
	CHECK(!IS(0x66, 0x48, 0x0f, 0xae, 0xc0)); /* 66, not F3 */
	CHECK(!IS(0x48, 0x0f, 0xae, 0xc0));       /* no F3 */
	CHECK(!IS(0xf3, 0x48, 0x0f, 0xae));       /* ends before the ModRM byte */
	CHECK(!IS(0xf3, 0x0f, 0xae));
	CHECK(!IS(0xf3, 0x48, 0x0f, 0x0b, 0xc0)); /* 0F 0B is ud2 */
	CHECK(!IS(0x0f, 0x0b, 0x00, 0x00));
}
