/*
 * The instruction emulation's own interface between its files (not the
 * VMM's: vmm.h declares emulate_mmio and emulate_string_io).  emulate.c
 * fetches, decodes and carries out the moves, arithmetic and string
 * forms and keeps the memory access below; emulate_vector.c does the SSE
 * and MMX moves (the vCPU's vector registers from the kernel),
 * emulate_segment.c what loads a segment or jumps (LTR, MOV to and from a
 * segment register, JMP through memory), emulate_stack.c PUSH, POP, RET,
 * LEAVE and ENTER.
 */
#ifndef VMM_EMULATE_H
#define VMM_EMULATE_H

#include <stdbool.h>
#include <stdint.h>

#include "gwalk.h"
#include "vmm.h"
#include "x86decode.h"

/* Where an access of up to 8 bytes at a linear address lies: one page, or two. */
struct mem_ref {
	uint64_t gpa[2];
	unsigned first;  /* bytes on the first page */
};

/* The code segment's mode: 16, 32 or 64-bit. */
enum x86_cpu_mode code_mode(const uint64_t *w);
/* The vCPU's CPL: SS's DPL. */
unsigned cpl(const uint64_t *w);
/* The linear address of offset in segment seg (64-bit code: only FS and GS have a base). */
uint64_t seg_linear(const uint64_t *w, int seg, uint64_t offset);
/*
 * Translates the size bytes at linear for an access of kind a, both pages
 * before any access is made; false when the guest got what the access
 * gives instead (#PF, #GP, a stop).
 */
bool resolve(struct exit_ctx *x, uint64_t linear, unsigned size, enum gwalk_access a,
	     struct mem_ref *ref);
/* The size (up to 8) bytes ref names, read into (or written from) *v: RAM or a device. */
bool ref_rw(struct exit_ctx *x, const struct mem_ref *ref, unsigned size, bool write,
	    uint64_t *v);
/* The n bytes (8 at most) of the access ref names that start at byte at. */
struct mem_ref sub_ref(const struct mem_ref *ref, unsigned at, unsigned n);
/* The size (up to 16) bytes ref names, read into (or written from) v[0..1]. */
bool wide_rw(struct exit_ctx *x, const struct mem_ref *ref, unsigned size, bool write,
	     uint64_t v[2]);
/* The linear address of the ModRM memory operand, plus extra bytes. */
uint64_t operand_linear(const uint64_t *w, const struct x86_insn *in, int64_t extra);
/* A MOV between a register (or immediate) and the memory operand. */
void emulate_mov(struct exit_ctx *x, const struct x86_insn *in);

/* emulate_vector.c */
void emulate_vmov(struct exit_ctx *x, const struct x86_insn *in);
void emulate_mmov(struct exit_ctx *x, const struct x86_insn *in);

/* emulate_segment.c */
/* Whether a is canonical for the vCPU: 48-bit linear addresses, 57 with CR4.LA57. */
bool canonical(const uint64_t *w, uint64_t a);
void emulate_ltr(struct exit_ctx *x, const struct x86_insn *in);
void emulate_load_sreg(struct exit_ctx *x, const struct x86_insn *in);
void emulate_store_sreg(struct exit_ctx *x, const struct x86_insn *in);
void emulate_jmp_near(struct exit_ctx *x, const struct x86_insn *in);
void emulate_jmp_far(struct exit_ctx *x, const struct x86_insn *in);
/* SYSCALL from compatibility mode, as an AMD CPU runs it (its checks are emulate_ud's). */
void emulate_syscall(struct exit_ctx *x);

/* emulate_stack.c */
void emulate_stack(struct exit_ctx *x, const struct x86_insn *in);

#endif
