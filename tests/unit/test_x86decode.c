/*
 * Host unit tests for lib/x86decode.c: tables of encodings (hand-assembled
 * from the Intel SDM) with the expected decoding, then the rejections and
 * the emulation helpers.  Every decoded case is also checked to report
 * truncation when cut short at each byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "x86decode.h"
#include "array.h"

/* INSN(...) overrides its own defaults: that is the point of it. */
#pragma GCC diagnostic ignored "-Woverride-init"

/* A byte string literal and its length. */
#define B(s) (const uint8_t *)(s), sizeof(s) - 1

/* An expected decoding: no register or memory registers, scale 1, no override, unless given. */
#define INSN(...)                                                                  \
	{ .reg = X86_REG_NONE, .base = X86_REG_NONE, .index = X86_REG_NONE, .scale = 1, \
	  .seg = X86_SEG_DEFAULT, __VA_ARGS__ }

/* Shorthands for the common shapes. */
#define LOAD(sz, r)  .access = X86_LOAD, .size = (sz), .reg_size = (sz), .reg = (r)
#define STORE(sz, r) .access = X86_STORE, .size = (sz), .reg_size = (sz), .reg = (r)
#define A64          .addr_size = 8
#define A32          .addr_size = 4
#define A16          .addr_size = 2

struct decode_case {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	enum x86_cpu_mode mode;
	struct x86_insn want; /* want.length 0: all the bytes */
};

/* Decodes n bytes copied to a buffer of exactly that size, so overreads trip ASan. */
static enum x86_decode_status decode(const uint8_t *bytes, size_t n, enum x86_cpu_mode mode,
				     struct x86_insn *out)
{
	uint8_t *copy = malloc(n ? n : 1);
	enum x86_decode_status st;

	memcpy(copy, bytes, n);
	st = x86_decode(copy, n, mode, out);
	free(copy);
	return st;
}

/* Compares one decoded field, printing the case and field on a mismatch. */
static int field_ok(const char *name, const char *field, long long got, long long want)
{
	if (got == want)
		return 1;
	printf("# %s: %s is %lld (0x%llx), want %lld (0x%llx)\n", name, field, got,
	       (unsigned long long)got, want, (unsigned long long)want);
	return 0;
}

/* Whether every field of got matches want. */
static int insn_ok(const char *name, const struct x86_insn *got, const struct x86_insn *want)
{
	int ok = 1;
#define FIELD(f) (ok &= field_ok(name, #f, (long long)got->f, (long long)want->f))
	FIELD(length);
	FIELD(op);
	FIELD(access);
	FIELD(size);
	FIELD(reg_size);
	FIELD(reg);
	FIELD(reg_high_byte);
	FIELD(sign_extend);
	FIELD(zero_extend);
	FIELD(imm);
	FIELD(rep);
	FIELD(repne);
	FIELD(alu);
	FIELD(reg_first);
	FIELD(imm_source);
	FIELD(lock);
	FIELD(aligned);
	FIELD(stack_only);
	FIELD(cc);
	FIELD(base);
	FIELD(index);
	FIELD(scale);
	FIELD(disp);
	FIELD(seg);
	FIELD(addr_size);
#undef FIELD
	return ok;
}

/*
 * Checks a case: the exact bytes and the bytes followed by padding decode
 * to want, and every shorter prefix of the bytes is truncated.
 */
static int case_ok(const struct decode_case *c)
{
	struct x86_insn want = c->want, got;
	uint8_t padded[32];
	enum x86_decode_status st;

	if (!want.length)
		want.length = (uint8_t)c->len;
	st = decode(c->bytes, c->len, c->mode, &got);
	if (!field_ok(c->name, "status", st, X86_OK) || !insn_ok(c->name, &got, &want))
		return 0;
	memset(padded, 0x90, sizeof(padded));
	memcpy(padded, c->bytes, c->len);
	st = decode(padded, sizeof(padded), c->mode, &got);
	if (!field_ok(c->name, "padded status", st, X86_OK) || !insn_ok(c->name, &got, &want))
		return 0;
	for (size_t n = 0; n < want.length; n++) {
		st = decode(c->bytes, n, c->mode, &got);
		if (!field_ok(c->name, "status when cut short", st, X86_ERR_TRUNCATED))
			return 0;
	}
	return 1;
}

/* Checks every case of a table, reporting all failures. */
static int cases_ok(const struct decode_case *cases, size_t n)
{
	int ok = 1;

	for (size_t i = 0; i < n; i++)
		ok &= case_ok(&cases[i]);
	return ok;
}

#define CHECK_CASES(table) CHECK(cases_ok(table, ARRAY_LEN(table)))

/* MOV r/m,r and r,r/m (88-8B) in 64-bit mode: operand sizes and byte registers. */
static const struct decode_case mov_modrm_64[] = {
	{ "mov [rax],cl", B("\x88\x08"), X86_MODE_64, INSN(STORE(1, X86_RCX), .base = X86_RAX, A64) },
	{ "mov [rax],ah", B("\x88\x20"), X86_MODE_64,
	  INSN(STORE(1, X86_RAX), .reg_high_byte = true, .base = X86_RAX, A64) },
	{ "mov [rax],bh", B("\x88\x38"), X86_MODE_64,
	  INSN(STORE(1, X86_RBX), .reg_high_byte = true, .base = X86_RAX, A64) },
	{ "mov [rax],spl", B("\x40\x88\x20"), X86_MODE_64,
	  INSN(STORE(1, X86_RSP), .base = X86_RAX, A64) },
	{ "mov [rax],dil", B("\x40\x88\x38"), X86_MODE_64,
	  INSN(STORE(1, X86_RDI), .base = X86_RAX, A64) },
	{ "mov [rax],r8b", B("\x44\x88\x00"), X86_MODE_64,
	  INSN(STORE(1, X86_R8), .base = X86_RAX, A64) },
	{ "mov [rax],r12b", B("\x44\x88\x20"), X86_MODE_64,
	  INSN(STORE(1, X86_R12), .base = X86_RAX, A64) },
	{ "mov [rbx],ecx", B("\x89\x0b"), X86_MODE_64, INSN(STORE(4, X86_RCX), .base = X86_RBX, A64) },
	{ "mov [rbx],cx", B("\x66\x89\x0b"), X86_MODE_64,
	  INSN(STORE(2, X86_RCX), .base = X86_RBX, A64) },
	{ "mov [rbx],rcx", B("\x48\x89\x0b"), X86_MODE_64,
	  INSN(STORE(8, X86_RCX), .base = X86_RBX, A64) },
	{ "66 REX.W: rex.w wins", B("\x66\x48\x89\x0b"), X86_MODE_64,
	  INSN(STORE(8, X86_RCX), .base = X86_RBX, A64) },
	{ "REX before 66 is ignored", B("\x48\x66\x89\x0b"), X86_MODE_64,
	  INSN(STORE(2, X86_RCX), .base = X86_RBX, A64) },
	{ "mov [r9],r15", B("\x4d\x89\x39"), X86_MODE_64,
	  INSN(STORE(8, X86_R15), .base = X86_R9, A64) },
	{ "mov al,[rbp-8]", B("\x8a\x45\xf8"), X86_MODE_64,
	  INSN(LOAD(1, X86_RAX), .base = X86_RBP, .disp = -8, A64) },
	{ "mov dh,[rsi]", B("\x8a\x36"), X86_MODE_64,
	  INSN(LOAD(1, X86_RDX), .reg_high_byte = true, .base = X86_RSI, A64) },
	{ "mov sil,[rsi]", B("\x40\x8a\x36"), X86_MODE_64,
	  INSN(LOAD(1, X86_RSI), .base = X86_RSI, A64) },
	{ "mov edx,[rdi]", B("\x8b\x17"), X86_MODE_64, INSN(LOAD(4, X86_RDX), .base = X86_RDI, A64) },
	{ "mov dx,[rdi]", B("\x66\x8b\x17"), X86_MODE_64,
	  INSN(LOAD(2, X86_RDX), .base = X86_RDI, A64) },
	{ "mov r10,[rdi]", B("\x4c\x8b\x17"), X86_MODE_64,
	  INSN(LOAD(8, X86_R10), .base = X86_RDI, A64) },
	{ "last REX counts", B("\x4c\x48\x8b\x17"), X86_MODE_64,
	  INSN(LOAD(8, X86_RDX), .base = X86_RDI, A64) },
};

/* 32/64-bit addressing forms in 64-bit mode: SIB, displacements, RIP, REX.X/B, 67. */
static const struct decode_case addressing_64[] = {
	{ "[rsp]", B("\x8b\x04\x24"), X86_MODE_64, INSN(LOAD(4, X86_RAX), .base = X86_RSP, A64) },
	{ "[rsp+0x10] disp8", B("\x48\x8b\x44\x24\x10"), X86_MODE_64,
	  INSN(LOAD(8, X86_RAX), .base = X86_RSP, .disp = 0x10, A64) },
	{ "[rax+rcx*8+disp32]", B("\x4c\x8b\x84\xc8\x78\x56\x34\x12"), X86_MODE_64,
	  INSN(LOAD(8, X86_R8), .base = X86_RAX, .index = X86_RCX, .scale = 8, .disp = 0x12345678,
	       A64) },
	{ "[rbx+rsi*2-0x80]", B("\x8b\x44\x73\x80"), X86_MODE_64,
	  INSN(LOAD(4, X86_RAX), .base = X86_RBX, .index = X86_RSI, .scale = 2, .disp = -0x80,
	       A64) },
	{ "[rax+r12*8] REX.X", B("\x4a\x8b\x04\xe0"), X86_MODE_64,
	  INSN(LOAD(8, X86_RAX), .base = X86_RAX, .index = X86_R12, .scale = 8, A64) },
	{ "[r12] REX.B SIB base", B("\x41\x8b\x04\x24"), X86_MODE_64,
	  INSN(LOAD(4, X86_RAX), .base = X86_R12, A64) },
	{ "[r13+0] REX.B", B("\x41\x8b\x45\x00"), X86_MODE_64,
	  INSN(LOAD(4, X86_RAX), .base = X86_R13, A64) },
	{ "[r11] REX.B", B("\x41\x8b\x03"), X86_MODE_64, INSN(LOAD(4, X86_RAX), .base = X86_R11, A64) },
	{ "[r8+r9*4+disp32] REX.RXB", B("\x4f\x89\xbc\x88\x00\x00\x00\x80"), X86_MODE_64,
	  INSN(STORE(8, X86_R15), .base = X86_R8, .index = X86_R9, .scale = 4,
	       .disp = -0x80000000LL, A64) },
	{ "[rip+0x10]", B("\x8b\x05\x10\x00\x00\x00"), X86_MODE_64,
	  INSN(LOAD(4, X86_RAX), .base = X86_BASE_RIP, .disp = 0x10, A64) },
	{ "[rip-4] REX.B still rip", B("\x41\x8b\x05\xfc\xff\xff\xff"), X86_MODE_64,
	  INSN(LOAD(4, X86_RAX), .base = X86_BASE_RIP, .disp = -4, A64) },
	{ "[disp32] SIB no base no index", B("\x8b\x04\x25\x00\x10\x00\x00"), X86_MODE_64,
	  INSN(LOAD(4, X86_RAX), .disp = 0x1000, A64) },
	{ "[disp32] SIB no base, REX.B", B("\x41\x8b\x04\x25\x00\x10\x00\x00"), X86_MODE_64,
	  INSN(LOAD(4, X86_RAX), .disp = 0x1000, A64) },
	{ "[rbp*2+0x100] SIB no base", B("\x8b\x04\x6d\x00\x01\x00\x00"), X86_MODE_64,
	  INSN(LOAD(4, X86_RAX), .index = X86_RBP, .scale = 2, .disp = 0x100, A64) },
	{ "[rbp+disp8] SIB base rbp mod 1", B("\x8b\x44\x25\x08"), X86_MODE_64,
	  INSN(LOAD(4, X86_RAX), .base = X86_RBP, .disp = 8, A64) },
	{ "[rsp] SIB with scale, no index", B("\x8b\x04\xe4"), X86_MODE_64,
	  INSN(LOAD(4, X86_RAX), .base = X86_RSP, .scale = 8, A64) },
	{ "[rdx+disp32]", B("\x89\x8a\x00\x01\x00\x00"), X86_MODE_64,
	  INSN(STORE(4, X86_RCX), .base = X86_RDX, .disp = 0x100, A64) },
	{ "67: [eax]", B("\x67\x8b\x00"), X86_MODE_64, INSN(LOAD(4, X86_RAX), .base = X86_RAX, A32) },
	{ "67: [eip+0x20]", B("\x67\x8b\x05\x20\x00\x00\x00"), X86_MODE_64,
	  INSN(LOAD(4, X86_RAX), .base = X86_BASE_RIP, .disp = 0x20, A32) },
	{ "fs override", B("\x64\x89\x00"), X86_MODE_64,
	  INSN(STORE(4, X86_RAX), .base = X86_RAX, .seg = X86_SEG_FS, A64) },
	{ "gs override before REX", B("\x65\x48\x8b\x00"), X86_MODE_64,
	  INSN(LOAD(8, X86_RAX), .base = X86_RAX, .seg = X86_SEG_GS, A64) },
	{ "cs override ignored", B("\x2e\x89\x00"), X86_MODE_64,
	  INSN(STORE(4, X86_RAX), .base = X86_RAX, A64) },
	{ "es after gs ignored", B("\x65\x26\x89\x00"), X86_MODE_64,
	  INSN(STORE(4, X86_RAX), .base = X86_RAX, .seg = X86_SEG_GS, A64) },
	{ "last of fs, gs wins", B("\x64\x65\x89\x00"), X86_MODE_64,
	  INSN(STORE(4, X86_RAX), .base = X86_RAX, .seg = X86_SEG_GS, A64) },
};

/* MOV r/m,imm (C6/C7 /0): immediate sizes and sign extension. */
static const struct decode_case mov_imm[] = {
	{ "mov byte [rax],0xff", B("\xc6\x00\xff"), X86_MODE_64,
	  INSN(STORE(1, X86_REG_NONE), .imm = 0xff, .base = X86_RAX, A64) },
	{ "mov dword [rax],imm32", B("\xc7\x00\x78\x56\x34\x12"), X86_MODE_64,
	  INSN(STORE(4, X86_REG_NONE), .imm = 0x12345678, .base = X86_RAX, A64) },
	{ "mov dword [rax],-1", B("\xc7\x00\xff\xff\xff\xff"), X86_MODE_64,
	  INSN(STORE(4, X86_REG_NONE), .imm = 0xffffffff, .base = X86_RAX, A64) },
	{ "mov word [rax],imm16", B("\x66\xc7\x00\x34\x12"), X86_MODE_64,
	  INSN(STORE(2, X86_REG_NONE), .imm = 0x1234, .base = X86_RAX, A64) },
	{ "mov qword [rax],-1", B("\x48\xc7\x00\xff\xff\xff\xff"), X86_MODE_64,
	  INSN(STORE(8, X86_REG_NONE), .imm = ~0ULL, .base = X86_RAX, A64) },
	{ "mov qword [rax],imm32 negative", B("\x48\xc7\x00\x00\x00\x00\x80"), X86_MODE_64,
	  INSN(STORE(8, X86_REG_NONE), .imm = 0xffffffff80000000ULL, .base = X86_RAX, A64) },
	{ "mov qword [rax],imm32 positive", B("\x48\xc7\x00\xff\xff\xff\x7f"), X86_MODE_64,
	  INSN(STORE(8, X86_REG_NONE), .imm = 0x7fffffff, .base = X86_RAX, A64) },
	{ "mov dword [rax+disp32],1", B("\xc7\x80\x00\x01\x00\x00\x01\x00\x00\x00"), X86_MODE_64,
	  INSN(STORE(4, X86_REG_NONE), .imm = 1, .base = X86_RAX, .disp = 0x100, A64) },
	{ "mov byte [r8],1 REX.R ignored", B("\x45\xc6\x00\x01"), X86_MODE_64,
	  INSN(STORE(1, X86_REG_NONE), .imm = 1, .base = X86_R8, A64) },
	{ "mov dword [rip+0x10],2", B("\xc7\x05\x10\x00\x00\x00\x02\x00\x00\x00"), X86_MODE_64,
	  INSN(STORE(4, X86_REG_NONE), .imm = 2, .base = X86_BASE_RIP, .disp = 0x10, A64) },
	{ "mov dword [disp32],imm 32-bit", B("\xc7\x05\x00\x00\xfe\xff\x01\x00\x00\x00"),
	  X86_MODE_32, INSN(STORE(4, X86_REG_NONE), .imm = 1, .disp = -0x20000, A32) },
	{ "mov word [0x1000],imm16 16-bit", B("\xc7\x06\x00\x10\x34\x12"), X86_MODE_16,
	  INSN(STORE(2, X86_REG_NONE), .imm = 0x1234, .disp = 0x1000, A16) },
	{ "mov dword [0x1000],imm32 16-bit", B("\x66\xc7\x06\x00\x10\x78\x56\x34\x12"), X86_MODE_16,
	  INSN(STORE(4, X86_REG_NONE), .imm = 0x12345678, .disp = 0x1000, A16) },
	{ "mov byte [bx],0x80 16-bit", B("\xc6\x07\x80"), X86_MODE_16,
	  INSN(STORE(1, X86_REG_NONE), .imm = 0x80, .base = X86_RBX, A16) },
};

/* MOV with a direct offset (A0-A3): moffs size follows the address size. */
static const struct decode_case mov_moffs[] = {
	{ "mov al,[moffs64]", B("\xa0\x88\x77\x66\x55\x44\x33\x22\x11"), X86_MODE_64,
	  INSN(LOAD(1, X86_RAX), .disp = 0x1122334455667788LL, A64) },
	{ "mov eax,[moffs64]", B("\xa1\x00\x00\x00\x00\x00\x00\x00\xff"), X86_MODE_64,
	  INSN(LOAD(4, X86_RAX), .disp = (int64_t)0xff00000000000000ULL, A64) },
	{ "mov rax,[moffs64]", B("\x48\xa1\x00\x10\x00\x00\x00\x00\x00\x00"), X86_MODE_64,
	  INSN(LOAD(8, X86_RAX), .disp = 0x1000, A64) },
	{ "mov ax,[moffs64]", B("\x66\xa1\x00\x10\x00\x00\x00\x00\x00\x00"), X86_MODE_64,
	  INSN(LOAD(2, X86_RAX), .disp = 0x1000, A64) },
	{ "mov [moffs64],al", B("\xa2\x00\x10\x00\x00\x00\x00\x00\x00"), X86_MODE_64,
	  INSN(STORE(1, X86_RAX), .disp = 0x1000, A64) },
	{ "mov [moffs32],eax 67", B("\x67\xa3\x00\x00\x00\xf0"), X86_MODE_64,
	  INSN(STORE(4, X86_RAX), .disp = 0xf0000000, A32) },
	{ "mov [moffs64],rax gs", B("\x65\x48\xa3\x08\x00\x00\x00\x00\x00\x00\x00"), X86_MODE_64,
	  INSN(STORE(8, X86_RAX), .disp = 8, .seg = X86_SEG_GS, A64) },
	{ "mov eax,[moffs32]", B("\xa1\x78\x56\x34\x12"), X86_MODE_32,
	  INSN(LOAD(4, X86_RAX), .disp = 0x12345678, A32) },
	{ "mov ax,[moffs32]", B("\x66\xa1\x00\x00\x00\x80"), X86_MODE_32,
	  INSN(LOAD(2, X86_RAX), .disp = 0x80000000, A32) },
	{ "mov eax,[moffs16] 67", B("\x67\xa1\x34\x12"), X86_MODE_32,
	  INSN(LOAD(4, X86_RAX), .disp = 0x1234, A16) },
	{ "mov [moffs32],al es", B("\x26\xa2\x00\x10\x00\x00"), X86_MODE_32,
	  INSN(STORE(1, X86_RAX), .disp = 0x1000, .seg = X86_SEG_ES, A32) },
	{ "mov ax,[moffs16]", B("\xa1\x00\xf0"), X86_MODE_16,
	  INSN(LOAD(2, X86_RAX), .disp = 0xf000, A16) },
	{ "mov eax,[moffs32] 16-bit 66 67", B("\x66\x67\xa1\x00\x00\x01\x00"), X86_MODE_16,
	  INSN(LOAD(4, X86_RAX), .disp = 0x10000, A32) },
	{ "mov [moffs16],al", B("\xa2\x00\x10"), X86_MODE_16,
	  INSN(STORE(1, X86_RAX), .disp = 0x1000, A16) },
};

/* MOVZX, MOVSX and MOVSXD: memory and register sizes differ. */
static const struct decode_case mov_extend[] = {
	{ "movzx eax,byte [rax]", B("\x0f\xb6\x00"), X86_MODE_64,
	  INSN(.access = X86_LOAD, .size = 1, .reg_size = 4, .reg = X86_RAX, .zero_extend = true,
	       .base = X86_RAX, A64) },
	{ "movzx ax,byte [rax]", B("\x66\x0f\xb6\x00"), X86_MODE_64,
	  INSN(.access = X86_LOAD, .size = 1, .reg_size = 2, .reg = X86_RAX, .zero_extend = true,
	       .base = X86_RAX, A64) },
	{ "movzx rcx,word [rax]", B("\x48\x0f\xb7\x08"), X86_MODE_64,
	  INSN(.access = X86_LOAD, .size = 2, .reg_size = 8, .reg = X86_RCX, .zero_extend = true,
	       .base = X86_RAX, A64) },
	{ "movzx r9d,word [r10+8]", B("\x45\x0f\xb7\x4a\x08"), X86_MODE_64,
	  INSN(.access = X86_LOAD, .size = 2, .reg_size = 4, .reg = X86_R9, .zero_extend = true,
	       .base = X86_R10, .disp = 8, A64) },
	{ "movzx esi,byte [rax] (no high byte)", B("\x0f\xb6\x30"), X86_MODE_64,
	  INSN(.access = X86_LOAD, .size = 1, .reg_size = 4, .reg = X86_RSI, .zero_extend = true,
	       .base = X86_RAX, A64) },
	{ "movsx eax,byte [rax]", B("\x0f\xbe\x00"), X86_MODE_64,
	  INSN(.access = X86_LOAD, .size = 1, .reg_size = 4, .reg = X86_RAX, .sign_extend = true,
	       .base = X86_RAX, A64) },
	{ "movsx rax,byte [rax]", B("\x48\x0f\xbe\x00"), X86_MODE_64,
	  INSN(.access = X86_LOAD, .size = 1, .reg_size = 8, .reg = X86_RAX, .sign_extend = true,
	       .base = X86_RAX, A64) },
	{ "movsx r8,word [rax]", B("\x4c\x0f\xbf\x00"), X86_MODE_64,
	  INSN(.access = X86_LOAD, .size = 2, .reg_size = 8, .reg = X86_R8, .sign_extend = true,
	       .base = X86_RAX, A64) },
	{ "movsxd rax,dword [rax]", B("\x48\x63\x00"), X86_MODE_64,
	  INSN(.access = X86_LOAD, .size = 4, .reg_size = 8, .reg = X86_RAX, .sign_extend = true,
	       .base = X86_RAX, A64) },
	{ "movsxd r11,dword [rip+4]", B("\x4c\x63\x1d\x04\x00\x00\x00"), X86_MODE_64,
	  INSN(.access = X86_LOAD, .size = 4, .reg_size = 8, .reg = X86_R11, .sign_extend = true,
	       .base = X86_BASE_RIP, .disp = 4, A64) },
	{ "movsxd eax,dword [rax] no REX.W", B("\x63\x00"), X86_MODE_64,
	  INSN(LOAD(4, X86_RAX), .sign_extend = true, .base = X86_RAX, A64) },
	{ "movsxd ax,word [rax] 66", B("\x66\x63\x00"), X86_MODE_64,
	  INSN(LOAD(2, X86_RAX), .sign_extend = true, .base = X86_RAX, A64) },
	{ "movzx eax,word [eax] 32-bit", B("\x0f\xb7\x00"), X86_MODE_32,
	  INSN(.access = X86_LOAD, .size = 2, .reg_size = 4, .reg = X86_RAX, .zero_extend = true,
	       .base = X86_RAX, A32) },
	{ "movsx dx,byte [eax] 32-bit", B("\x66\x0f\xbe\x10"), X86_MODE_32,
	  INSN(.access = X86_LOAD, .size = 1, .reg_size = 2, .reg = X86_RDX, .sign_extend = true,
	       .base = X86_RAX, A32) },
	{ "movsx ax,byte [bx] 16-bit", B("\x0f\xbe\x07"), X86_MODE_16,
	  INSN(.access = X86_LOAD, .size = 1, .reg_size = 2, .reg = X86_RAX, .sign_extend = true,
	       .base = X86_RBX, A16) },
	{ "movzx eax,word [bx] 16-bit", B("\x66\x0f\xb7\x07"), X86_MODE_16,
	  INSN(.access = X86_LOAD, .size = 2, .reg_size = 4, .reg = X86_RAX, .zero_extend = true,
	       .base = X86_RBX, A16) },
};

/* 32-bit mode: operand sizes, 32-bit forms (no RIP-relative), 67 to 16-bit addressing. */
static const struct decode_case mode_32[] = {
	{ "mov [eax],ecx", B("\x89\x08"), X86_MODE_32, INSN(STORE(4, X86_RCX), .base = X86_RAX, A32) },
	{ "mov [eax],cx", B("\x66\x89\x08"), X86_MODE_32,
	  INSN(STORE(2, X86_RCX), .base = X86_RAX, A32) },
	{ "mov [esp],ah", B("\x88\x24\x24"), X86_MODE_32,
	  INSN(STORE(1, X86_RAX), .reg_high_byte = true, .base = X86_RSP, A32) },
	{ "mov bl,[ecx]", B("\x8a\x19"), X86_MODE_32, INSN(LOAD(1, X86_RBX), .base = X86_RCX, A32) },
	{ "mov eax,[disp32] not rip", B("\x8b\x05\x78\x56\x34\x12"), X86_MODE_32,
	  INSN(LOAD(4, X86_RAX), .disp = 0x12345678, A32) },
	{ "mov eax,[ebp+ecx*4+8]", B("\x8b\x44\x8d\x08"), X86_MODE_32,
	  INSN(LOAD(4, X86_RAX), .base = X86_RBP, .index = X86_RCX, .scale = 4, .disp = 8, A32) },
	{ "mov edi,[edx*8+disp32]", B("\x8b\x3c\xd5\x00\x00\x0c\x00"), X86_MODE_32,
	  INSN(LOAD(4, X86_RDI), .index = X86_RDX, .scale = 8, .disp = 0xc0000, A32) },
	{ "mov eax,[bx] 67", B("\x67\x8b\x07"), X86_MODE_32,
	  INSN(LOAD(4, X86_RAX), .base = X86_RBX, A16) },
	{ "mov ax,[bp+si+4] 66 67", B("\x66\x67\x8b\x42\x04"), X86_MODE_32,
	  INSN(LOAD(2, X86_RAX), .base = X86_RBP, .index = X86_RSI, .disp = 4, A16) },
	{ "es override", B("\x26\x89\x00"), X86_MODE_32,
	  INSN(STORE(4, X86_RAX), .base = X86_RAX, .seg = X86_SEG_ES, A32) },
	{ "cs override", B("\x2e\x89\x00"), X86_MODE_32,
	  INSN(STORE(4, X86_RAX), .base = X86_RAX, .seg = X86_SEG_CS, A32) },
	{ "ss override", B("\x36\x89\x00"), X86_MODE_32,
	  INSN(STORE(4, X86_RAX), .base = X86_RAX, .seg = X86_SEG_SS, A32) },
	{ "ds override", B("\x3e\x8a\x00"), X86_MODE_32,
	  INSN(LOAD(1, X86_RAX), .base = X86_RAX, .seg = X86_SEG_DS, A32) },
	{ "fs override", B("\x64\x8b\x00"), X86_MODE_32,
	  INSN(LOAD(4, X86_RAX), .base = X86_RAX, .seg = X86_SEG_FS, A32) },
	{ "gs override", B("\x65\x8b\x00"), X86_MODE_32,
	  INSN(LOAD(4, X86_RAX), .base = X86_RAX, .seg = X86_SEG_GS, A32) },
};

/* 16-bit mode: every 16-bit addressing form, displacements and 66/67. */
static const struct decode_case mode_16[] = {
	{ "[bx+si]", B("\x89\x00"), X86_MODE_16,
	  INSN(STORE(2, X86_RAX), .base = X86_RBX, .index = X86_RSI, A16) },
	{ "[bx+di]", B("\x89\x01"), X86_MODE_16,
	  INSN(STORE(2, X86_RAX), .base = X86_RBX, .index = X86_RDI, A16) },
	{ "[bp+si]", B("\x89\x02"), X86_MODE_16,
	  INSN(STORE(2, X86_RAX), .base = X86_RBP, .index = X86_RSI, A16) },
	{ "[bp+di]", B("\x89\x03"), X86_MODE_16,
	  INSN(STORE(2, X86_RAX), .base = X86_RBP, .index = X86_RDI, A16) },
	{ "[si]", B("\x89\x04"), X86_MODE_16, INSN(STORE(2, X86_RAX), .base = X86_RSI, A16) },
	{ "[di]", B("\x89\x05"), X86_MODE_16, INSN(STORE(2, X86_RAX), .base = X86_RDI, A16) },
	{ "[disp16]", B("\x89\x06\x34\x12"), X86_MODE_16,
	  INSN(STORE(2, X86_RAX), .disp = 0x1234, A16) },
	{ "[bx]", B("\x89\x07"), X86_MODE_16, INSN(STORE(2, X86_RAX), .base = X86_RBX, A16) },
	{ "[bp-2] disp8", B("\x89\x46\xfe"), X86_MODE_16,
	  INSN(STORE(2, X86_RAX), .base = X86_RBP, .disp = -2, A16) },
	{ "[bx+di+0x7f] disp8", B("\x8b\x49\x7f"), X86_MODE_16,
	  INSN(LOAD(2, X86_RCX), .base = X86_RBX, .index = X86_RDI, .disp = 0x7f, A16) },
	{ "[bp+disp16]", B("\x89\x86\x00\x80"), X86_MODE_16,
	  INSN(STORE(2, X86_RAX), .base = X86_RBP, .disp = -0x8000, A16) },
	{ "[si+disp16]", B("\x8b\x94\x00\x01"), X86_MODE_16,
	  INSN(LOAD(2, X86_RDX), .base = X86_RSI, .disp = 0x100, A16) },
	{ "mov [bx+si],eax 66", B("\x66\x89\x00"), X86_MODE_16,
	  INSN(STORE(4, X86_RAX), .base = X86_RBX, .index = X86_RSI, A16) },
	{ "mov ah,[bx]", B("\x8a\x27"), X86_MODE_16,
	  INSN(LOAD(1, X86_RAX), .reg_high_byte = true, .base = X86_RBX, A16) },
	{ "mov [di],ch", B("\x88\x2d"), X86_MODE_16,
	  INSN(STORE(1, X86_RCX), .reg_high_byte = true, .base = X86_RDI, A16) },
	{ "ss override", B("\x36\x8b\x07"), X86_MODE_16,
	  INSN(LOAD(2, X86_RAX), .base = X86_RBX, .seg = X86_SEG_SS, A16) },
	{ "67: [eax+ecx*2]", B("\x67\x89\x04\x48"), X86_MODE_16,
	  INSN(STORE(2, X86_RAX), .base = X86_RAX, .index = X86_RCX, .scale = 2, A32) },
	{ "67: [disp32] not rip", B("\x67\x8b\x05\x78\x56\x34\x12"), X86_MODE_16,
	  INSN(LOAD(2, X86_RAX), .disp = 0x12345678, A32) },
};

/* The string forms: element sizes, REP, the source's segment override, address sizes. */
#define STR(o, acc, sz, r) .op = (o), .access = (acc), .size = (sz), .reg_size = (sz), .reg = (r)
#define REP .rep = true
static const struct decode_case string_forms[] = {
	{ "movsb", B("\xa4"), X86_MODE_64, INSN(STR(X86_OP_MOVS, X86_STORE, 1, X86_REG_NONE), A64) },
	{ "movsw", B("\x66\xa5"), X86_MODE_64,
	  INSN(STR(X86_OP_MOVS, X86_STORE, 2, X86_REG_NONE), A64) },
	{ "rep movsq", B("\xf3\x48\xa5"), X86_MODE_64,
	  INSN(STR(X86_OP_MOVS, X86_STORE, 8, X86_REG_NONE), REP, A64) },
	{ "rep movsd 32-bit", B("\xf3\xa5"), X86_MODE_32,
	  INSN(STR(X86_OP_MOVS, X86_STORE, 4, X86_REG_NONE), REP, A32) },
	{ "rep movsb fs:", B("\x64\xf3\xa4"), X86_MODE_64,
	  INSN(STR(X86_OP_MOVS, X86_STORE, 1, X86_REG_NONE), REP, .seg = X86_SEG_FS, A64) },
	{ "stosb", B("\xaa"), X86_MODE_64, INSN(STR(X86_OP_STOS, X86_STORE, 1, X86_RAX), A64) },
	{ "rep stosd 67", B("\xf3\x67\xab"), X86_MODE_64,
	  INSN(STR(X86_OP_STOS, X86_STORE, 4, X86_RAX), REP, A32) },
	{ "stosq", B("\x48\xab"), X86_MODE_64, INSN(STR(X86_OP_STOS, X86_STORE, 8, X86_RAX), A64) },
	{ "rep stosw 16-bit", B("\xf3\xab"), X86_MODE_16,
	  INSN(STR(X86_OP_STOS, X86_STORE, 2, X86_RAX), REP, A16) },
	{ "lodsq", B("\x48\xad"), X86_MODE_64, INSN(STR(X86_OP_LODS, X86_LOAD, 8, X86_RAX), A64) },
	{ "lodsb gs:", B("\x65\xac"), X86_MODE_64,
	  INSN(STR(X86_OP_LODS, X86_LOAD, 1, X86_RAX), .seg = X86_SEG_GS, A64) },
	{ "lodsd 16-bit 66 67", B("\x66\x67\xad"), X86_MODE_16,
	  INSN(STR(X86_OP_LODS, X86_LOAD, 4, X86_RAX), A32) },
	{ "insb", B("\x6c"), X86_MODE_32, INSN(STR(X86_OP_INS, X86_STORE, 1, X86_REG_NONE), A32) },
	{ "rep insw", B("\x66\xf3\x6d"), X86_MODE_64,
	  INSN(STR(X86_OP_INS, X86_STORE, 2, X86_REG_NONE), REP, A64) },
	{ "insd REX.W stays 4", B("\x48\x6d"), X86_MODE_64,
	  INSN(STR(X86_OP_INS, X86_STORE, 4, X86_REG_NONE), A64) },
	{ "outsb", B("\x6e"), X86_MODE_16, INSN(STR(X86_OP_OUTS, X86_LOAD, 1, X86_REG_NONE), A16) },
	{ "rep outsd es: 32-bit", B("\xf3\x26\x6f"), X86_MODE_32,
	  INSN(STR(X86_OP_OUTS, X86_LOAD, 4, X86_REG_NONE), REP, .seg = X86_SEG_ES, A32) },
	{ "rep outsw 67 16-bit", B("\x67\xf3\x6f"), X86_MODE_16,
	  INSN(STR(X86_OP_OUTS, X86_LOAD, 2, X86_REG_NONE), REP, A32) },
};

/* The arithmetic forms: ADD..CMP both ways and with immediates, TEST, the unary ones, XCHG..BTC. */
#define ALU(a, acc, sz, r) .op = X86_OP_ALU, .alu = (a), .access = (acc), .size = (sz), \
			   .reg_size = (sz), .reg = (r)
static const struct decode_case alu_forms[] = {
	{ "or [rax],ecx", B("\x09\x08"), X86_MODE_64,
	  INSN(ALU(X86_ALU_OR, X86_STORE, 4, X86_RCX), .base = X86_RAX, A64) },
	{ "add [rdi+8],r9", B("\x4c\x01\x4f\x08"), X86_MODE_64,
	  INSN(ALU(X86_ALU_ADD, X86_STORE, 8, X86_R9), .base = X86_RDI, .disp = 8, A64) },
	{ "sub eax,[rbx]", B("\x2b\x03"), X86_MODE_64,
	  INSN(ALU(X86_ALU_SUB, X86_LOAD, 4, X86_RAX), .reg_first = true, .base = X86_RBX, A64) },
	{ "xor bh,[rsi]", B("\x32\x3e"), X86_MODE_64,
	  INSN(ALU(X86_ALU_XOR, X86_LOAD, 1, X86_RBX), .reg_high_byte = true, .reg_first = true,
	       .base = X86_RSI, A64) },
	{ "cmp [rax],dl", B("\x38\x10"), X86_MODE_64,
	  INSN(ALU(X86_ALU_CMP, X86_LOAD, 1, X86_RDX), .base = X86_RAX, A64) },
	{ "sbb [ecx],edx 32-bit", B("\x19\x11"), X86_MODE_32,
	  INSN(ALU(X86_ALU_SBB, X86_STORE, 4, X86_RDX), .base = X86_RCX, A32) },
	{ "adc byte [rax],0x7f", B("\x80\x10\x7f"), X86_MODE_64,
	  INSN(ALU(X86_ALU_ADC, X86_STORE, 1, X86_REG_NONE), .imm = 0x7f, .base = X86_RAX, A64) },
	{ "and dword [rax],0xfe77", B("\x81\x20\x77\xfe\x00\x00"), X86_MODE_64,
	  INSN(ALU(X86_ALU_AND, X86_STORE, 4, X86_REG_NONE), .imm = 0xfe77, .base = X86_RAX, A64) },
	{ "sub qword [rax],-1 (83)", B("\x48\x83\x28\xff"), X86_MODE_64,
	  INSN(ALU(X86_ALU_SUB, X86_STORE, 8, X86_REG_NONE), .imm = ~0ULL, .base = X86_RAX, A64) },
	{ "or qword [rax],imm32 sign-extended", B("\x48\x81\x08\x00\x00\x00\x80"), X86_MODE_64,
	  INSN(ALU(X86_ALU_OR, X86_STORE, 8, X86_REG_NONE), .imm = 0xffffffff80000000ULL,
	       .base = X86_RAX, A64) },
	{ "add word [bx],0x1234 16-bit", B("\x81\x07\x34\x12"), X86_MODE_16,
	  INSN(ALU(X86_ALU_ADD, X86_STORE, 2, X86_REG_NONE), .imm = 0x1234, .base = X86_RBX, A16) },
	{ "cmp dword [eax],5 32-bit", B("\x83\x38\x05"), X86_MODE_32,
	  INSN(ALU(X86_ALU_CMP, X86_LOAD, 4, X86_REG_NONE), .imm = 5, .base = X86_RAX, A32) },
	{ "xor word [rax],-2 (66 83)", B("\x66\x83\x30\xfe"), X86_MODE_64,
	  INSN(ALU(X86_ALU_XOR, X86_STORE, 2, X86_REG_NONE), .imm = 0xfffe, .base = X86_RAX, A64) },
	{ "test [rax],ecx", B("\x85\x08"), X86_MODE_64,
	  INSN(ALU(X86_ALU_TEST, X86_LOAD, 4, X86_RCX), .base = X86_RAX, A64) },
	{ "test byte [rax],0x80", B("\xf6\x00\x80"), X86_MODE_64,
	  INSN(ALU(X86_ALU_TEST, X86_LOAD, 1, X86_REG_NONE), .imm = 0x80, .base = X86_RAX, A64) },
	{ "test word [rax],0x1234", B("\x66\xf7\x00\x34\x12"), X86_MODE_64,
	  INSN(ALU(X86_ALU_TEST, X86_LOAD, 2, X86_REG_NONE), .imm = 0x1234, .base = X86_RAX, A64) },
	{ "not qword [rax]", B("\x48\xf7\x10"), X86_MODE_64,
	  INSN(ALU(X86_ALU_NOT, X86_STORE, 8, X86_REG_NONE), .base = X86_RAX, A64) },
	{ "lock neg byte [rax]", B("\xf0\xf6\x18"), X86_MODE_64,
	  INSN(ALU(X86_ALU_NEG, X86_STORE, 1, X86_REG_NONE), .lock = true, .base = X86_RAX, A64) },
	{ "lock inc dword [rax]", B("\xf0\xff\x00"), X86_MODE_64,
	  INSN(ALU(X86_ALU_INC, X86_STORE, 4, X86_REG_NONE), .lock = true, .base = X86_RAX, A64) },
	{ "dec byte [rax]", B("\xfe\x08"), X86_MODE_64,
	  INSN(ALU(X86_ALU_DEC, X86_STORE, 1, X86_REG_NONE), .base = X86_RAX, A64) },
	{ "xchg [rax],ah", B("\x86\x20"), X86_MODE_64,
	  INSN(ALU(X86_ALU_XCHG, X86_STORE, 1, X86_RAX), .reg_high_byte = true, .base = X86_RAX, A64) },
	{ "xchg [rax],rsi", B("\x48\x87\x30"), X86_MODE_64,
	  INSN(ALU(X86_ALU_XCHG, X86_STORE, 8, X86_RSI), .base = X86_RAX, A64) },
	{ "lock cmpxchg [rcx],rdx", B("\xf0\x48\x0f\xb1\x11"), X86_MODE_64,
	  INSN(ALU(X86_ALU_CMPXCHG, X86_STORE, 8, X86_RDX), .lock = true, .base = X86_RCX, A64) },
	{ "cmpxchg [eax],cl 32-bit", B("\x0f\xb0\x08"), X86_MODE_32,
	  INSN(ALU(X86_ALU_CMPXCHG, X86_STORE, 1, X86_RCX), .base = X86_RAX, A32) },
	{ "xadd [rax],eax", B("\x0f\xc1\x00"), X86_MODE_64,
	  INSN(ALU(X86_ALU_XADD, X86_STORE, 4, X86_RAX), .base = X86_RAX, A64) },
	{ "btc dword [rax],32", B("\x0f\xba\x38\x20"), X86_MODE_64,
	  INSN(ALU(X86_ALU_BTC, X86_STORE, 4, X86_REG_NONE), .imm = 0x20, .base = X86_RAX, A64) },
	{ "bt [rax],ecx", B("\x0f\xa3\x08"), X86_MODE_64,
	  INSN(ALU(X86_ALU_BT, X86_LOAD, 4, X86_RCX), .base = X86_RAX, A64) },
	{ "lock bts [rax],rcx", B("\xf0\x48\x0f\xab\x08"), X86_MODE_64,
	  INSN(ALU(X86_ALU_BTS, X86_STORE, 8, X86_RCX), .lock = true, .base = X86_RAX, A64) },
	{ "btr word [rax],cx", B("\x66\x0f\xb3\x08"), X86_MODE_64,
	  INSN(ALU(X86_ALU_BTR, X86_STORE, 2, X86_RCX), .base = X86_RAX, A64) },
	{ "bsf eax,[rbx]", B("\x0f\xbc\x03"), X86_MODE_64,
	  INSN(ALU(X86_ALU_BSF, X86_LOAD, 4, X86_RAX), .reg_first = true, .base = X86_RBX, A64) },
	{ "bsr r8w,[rax]", B("\x66\x44\x0f\xbd\x00"), X86_MODE_64,
	  INSN(ALU(X86_ALU_BSR, X86_LOAD, 2, X86_R8), .reg_first = true, .base = X86_RAX, A64) },
	{ "imul rax,[rcx]", B("\x48\x0f\xaf\x01"), X86_MODE_64,
	  INSN(ALU(X86_ALU_IMUL, X86_LOAD, 8, X86_RAX), .reg_first = true, .base = X86_RCX, A64) },
	{ "imul ax,[rcx],51 (6b)", B("\x66\x6b\x01\x33"), X86_MODE_64,
	  INSN(ALU(X86_ALU_IMUL, X86_LOAD, 2, X86_RAX), .reg_first = true, .imm_source = true,
	       .imm = 51, .base = X86_RCX, A64) },
	{ "imul eax,[rcx],311 (69)", B("\x69\x01\x37\x01\x00\x00"), X86_MODE_64,
	  INSN(ALU(X86_ALU_IMUL, X86_LOAD, 4, X86_RAX), .reg_first = true, .imm_source = true,
	       .imm = 311, .base = X86_RCX, A64) },
	{ "imul ax,[bx],-2 16-bit (69)", B("\x69\x07\xfe\xff"), X86_MODE_16,
	  INSN(ALU(X86_ALU_IMUL, X86_LOAD, 2, X86_RAX), .reg_first = true, .imm_source = true,
	       .imm = 0xfffe, .base = X86_RBX, A16) },
	{ "shld [rax],ecx,3", B("\x0f\xa4\x08\x03"), X86_MODE_64,
	  INSN(ALU(X86_ALU_SHLD, X86_STORE, 4, X86_RCX), .imm_source = true, .imm = 3,
	       .base = X86_RAX, A64) },
	{ "shrd [rax],rdx,cl", B("\x48\x0f\xad\x10"), X86_MODE_64,
	  INSN(ALU(X86_ALU_SHRD, X86_STORE, 8, X86_RDX), .base = X86_RAX, A64) },
	{ "smsw [r12+0x1000]", B("\x41\x0f\x01\xa4\x24\x00\x10\x00\x00"), X86_MODE_64,
	  INSN(.op = X86_OP_SMSW, .access = X86_STORE, .size = 2, .reg_size = 2, .base = X86_R12,
	       .disp = 0x1000, A64) },
	{ "ltr [r13+0]", B("\x41\x0f\x00\x5d\x00"), X86_MODE_64,
	  INSN(.op = X86_OP_LTR, .access = X86_LOAD, .size = 2, .reg_size = 2, .base = X86_R13,
	       A64) },
	{ "ltr [eax] 32-bit, 66 ignored", B("\x66\x0f\x00\x18"), X86_MODE_32,
	  INSN(.op = X86_OP_LTR, .access = X86_LOAD, .size = 2, .reg_size = 2, .base = X86_RAX,
	       A32) },
	{ "mov [r12+0x1008],cs (66 REX.B)", B("\x66\x41\x8c\x8c\x24\x08\x10\x00\x00"),
	  X86_MODE_64, INSN(.op = X86_OP_STORE_SREG, .access = X86_STORE, .size = 2, .reg_size = 2,
			    .reg = X86_SEG_CS, .base = X86_R12, .disp = 0x1008, A64) },
	{ "mov [rax],gs with REX.R (ignored)", B("\x44\x8c\x28"), X86_MODE_64,
	  INSN(.op = X86_OP_STORE_SREG, .access = X86_STORE, .size = 2, .reg_size = 2,
	       .reg = X86_SEG_GS, .base = X86_RAX, A64) },
	{ "mov ss,[r13+0]", B("\x41\x8e\x55\x00"), X86_MODE_64,
	  INSN(.op = X86_OP_LOAD_SREG, .access = X86_LOAD, .size = 2, .reg_size = 2,
	       .reg = X86_SEG_SS, .base = X86_R13, A64) },
	{ "mov es,[bx] 16-bit", B("\x8e\x07"), X86_MODE_16,
	  INSN(.op = X86_OP_LOAD_SREG, .access = X86_LOAD, .size = 2, .reg_size = 2,
	       .reg = X86_SEG_ES, .base = X86_RBX, A16) },
	{ "cmovne eax,[r13+0]", B("\x41\x0f\x45\x45\x00"), X86_MODE_64,
	  INSN(.op = X86_OP_CMOV, .access = X86_LOAD, .size = 4, .reg_size = 4, .reg = X86_RAX,
	       .cc = 5, .base = X86_R13, A64) },
	{ "cmovg r9,[rax]", B("\x4c\x0f\x4f\x08"), X86_MODE_64,
	  INSN(.op = X86_OP_CMOV, .access = X86_LOAD, .size = 8, .reg_size = 8, .reg = X86_R9,
	       .cc = 15, .base = X86_RAX, A64) },
	{ "jmp [r13+0] (near)", B("\x41\xff\x65\x00"), X86_MODE_64,
	  INSN(.op = X86_OP_JMP_NEAR, .access = X86_LOAD, .size = 8, .reg_size = 8,
	       .base = X86_R13, A64) },
	{ "jmp word [bx] 16-bit (near)", B("\xff\x27"), X86_MODE_16,
	  INSN(.op = X86_OP_JMP_NEAR, .access = X86_LOAD, .size = 2, .reg_size = 2,
	       .base = X86_RBX, A16) },
	{ "jmp far m16:64 [r13+0]", B("\x49\xff\x6d\x00"), X86_MODE_64,
	  INSN(.op = X86_OP_JMP_FAR, .access = X86_LOAD, .size = 8, .reg_size = 8, .base = X86_R13,
	       A64) },
	{ "jmp far m16:32 [eax] 32-bit", B("\xff\x28"), X86_MODE_32,
	  INSN(.op = X86_OP_JMP_FAR, .access = X86_LOAD, .size = 4, .reg_size = 4, .base = X86_RAX,
	       A32) },
	{ "div qword [r12+0x1000]", B("\x49\xf7\xb4\x24\x00\x10\x00\x00"), X86_MODE_64,
	  INSN(ALU(X86_ALU_DIV, X86_LOAD, 8, X86_REG_NONE), .base = X86_R12, .disp = 0x1000, A64) },
	{ "mul byte [rax]", B("\xf6\x20"), X86_MODE_64,
	  INSN(ALU(X86_ALU_MUL, X86_LOAD, 1, X86_REG_NONE), .base = X86_RAX, A64) },
	{ "imul word [rax] (one operand)", B("\x66\xf7\x28"), X86_MODE_64,
	  INSN(ALU(X86_ALU_IMUL1, X86_LOAD, 2, X86_REG_NONE), .base = X86_RAX, A64) },
	{ "idiv dword [ebx] 32-bit", B("\xf7\x3b"), X86_MODE_32,
	  INSN(ALU(X86_ALU_IDIV, X86_LOAD, 4, X86_REG_NONE), .base = X86_RBX, A32) },
	{ "repe cmpsb", B("\xf3\xa6"), X86_MODE_64,
	  INSN(STR(X86_OP_CMPS, X86_LOAD, 1, X86_REG_NONE), .alu = X86_ALU_CMP, REP, A64) },
	{ "cmpsq", B("\x48\xa7"), X86_MODE_64,
	  INSN(STR(X86_OP_CMPS, X86_LOAD, 8, X86_REG_NONE), .alu = X86_ALU_CMP, A64) },
	{ "repne scasd 32-bit", B("\xf2\xaf"), X86_MODE_32,
	  INSN(STR(X86_OP_SCAS, X86_LOAD, 4, X86_RAX), .alu = X86_ALU_CMP, REP, .repne = true, A32) },
	{ "scasw", B("\x66\xaf"), X86_MODE_64,
	  INSN(STR(X86_OP_SCAS, X86_LOAD, 2, X86_RAX), .alu = X86_ALU_CMP, A64) },
};

/* SSE moves: the XMM register (REX.R: 8-15), the memory bytes, alignment. */
#define VMOV(acc, sz, r) .op = X86_OP_VMOV, .access = (acc), .size = (sz), .reg_size = 16, \
			 .reg = (r)
#define MMOV(acc, sz, r) .op = X86_OP_MMOV, .access = (acc), .size = (sz), .reg_size = 8, \
			 .reg = (r)

static const struct decode_case vector_forms[] = {
	{ "movdqu [rax],xmm1", B("\xf3\x0f\x7f\x08"), X86_MODE_64,
	  INSN(VMOV(X86_STORE, 16, 1), .base = X86_RAX, A64) },
	{ "movdqu xmm1,[rax]", B("\xf3\x0f\x6f\x08"), X86_MODE_64,
	  INSN(VMOV(X86_LOAD, 16, 1), .base = X86_RAX, A64) },
	{ "movdqa [rax],xmm9", B("\x66\x44\x0f\x7f\x08"), X86_MODE_64,
	  INSN(VMOV(X86_STORE, 16, 9), .aligned = true, .base = X86_RAX, A64) },
	{ "movdqa xmm2,[r8+8]", B("\x66\x41\x0f\x6f\x50\x08"), X86_MODE_64,
	  INSN(VMOV(X86_LOAD, 16, 2), .aligned = true, .base = X86_R8, .disp = 8, A64) },
	{ "movaps [rax],xmm0", B("\x0f\x29\x00"), X86_MODE_64,
	  INSN(VMOV(X86_STORE, 16, 0), .aligned = true, .base = X86_RAX, A64) },
	{ "movapd xmm3,[ebx] 32-bit", B("\x66\x0f\x28\x1b"), X86_MODE_32,
	  INSN(VMOV(X86_LOAD, 16, 3), .aligned = true, .base = X86_RBX, A32) },
	{ "movups [rdi],xmm4", B("\x0f\x11\x27"), X86_MODE_64,
	  INSN(VMOV(X86_STORE, 16, 4), .base = X86_RDI, A64) },
	{ "movupd xmm5,[rsi]", B("\x66\x0f\x10\x2e"), X86_MODE_64,
	  INSN(VMOV(X86_LOAD, 16, 5), .base = X86_RSI, A64) },
	{ "movss xmm0,[rax]", B("\xf3\x0f\x10\x00"), X86_MODE_64,
	  INSN(VMOV(X86_LOAD, 4, 0), .base = X86_RAX, A64) },
	{ "movsd [rax],xmm15", B("\xf2\x44\x0f\x11\x38"), X86_MODE_64,
	  INSN(VMOV(X86_STORE, 8, 15), .base = X86_RAX, A64) },
	{ "66 f3: f3 is the mandatory prefix (movdqu)", B("\x66\xf3\x0f\x7f\x00"), X86_MODE_64,
	  INSN(VMOV(X86_STORE, 16, 0), .base = X86_RAX, A64) },
	{ "movntdq [rax],xmm1", B("\x66\x0f\xe7\x08"), X86_MODE_64,
	  INSN(VMOV(X86_STORE, 16, 1), .aligned = true, .base = X86_RAX, A64) },
	{ "movntps [rax],xmm1", B("\x0f\x2b\x08"), X86_MODE_64,
	  INSN(VMOV(X86_STORE, 16, 1), .aligned = true, .base = X86_RAX, A64) },
	{ "movd xmm1,[rax]", B("\x66\x0f\x6e\x08"), X86_MODE_64,
	  INSN(VMOV(X86_LOAD, 4, 1), .base = X86_RAX, A64) },
	{ "movq xmm1,[rax] (66 REX.W 0f 6e)", B("\x66\x48\x0f\x6e\x08"), X86_MODE_64,
	  INSN(VMOV(X86_LOAD, 8, 1), .base = X86_RAX, A64) },
	{ "movd [rax],xmm1", B("\x66\x0f\x7e\x08"), X86_MODE_64,
	  INSN(VMOV(X86_STORE, 4, 1), .base = X86_RAX, A64) },
	{ "movq xmm1,[rax] (f3 0f 7e)", B("\xf3\x0f\x7e\x08"), X86_MODE_64,
	  INSN(VMOV(X86_LOAD, 8, 1), .base = X86_RAX, A64) },
	{ "movq [rax],xmm1 (66 0f d6)", B("\x66\x0f\xd6\x08"), X86_MODE_64,
	  INSN(VMOV(X86_STORE, 8, 1), .base = X86_RAX, A64) },
	{ "movdqu [rip+0x10],xmm1", B("\xf3\x0f\x7f\x0d\x10\x00\x00\x00"), X86_MODE_64,
	  INSN(VMOV(X86_STORE, 16, 1), .base = X86_BASE_RIP, .disp = 0x10, A64) },
	{ "fs movups [rax],xmm1", B("\x64\x0f\x11\x08"), X86_MODE_64,
	  INSN(VMOV(X86_STORE, 16, 1), .seg = X86_SEG_FS, .base = X86_RAX, A64) },
	{ "movq [r12+0x1000],mm0 (0f 7f)", B("\x41\x0f\x7f\x84\x24\x00\x10\x00\x00"),
	  X86_MODE_64, INSN(MMOV(X86_STORE, 8, 0), .base = X86_R12, .disp = 0x1000, A64) },
	{ "movq mm3,[rax] (0f 6f), REX.R ignored", B("\x44\x0f\x6f\x18"), X86_MODE_64,
	  INSN(MMOV(X86_LOAD, 8, 3), .base = X86_RAX, A64) },
	{ "movd mm1,[eax] 32-bit (0f 6e)", B("\x0f\x6e\x08"), X86_MODE_32,
	  INSN(MMOV(X86_LOAD, 4, 1), .base = X86_RAX, A32) },
	{ "movq [rax],mm7 (REX.W 0f 7e)", B("\x48\x0f\x7e\x38"), X86_MODE_64,
	  INSN(MMOV(X86_STORE, 8, 7), .base = X86_RAX, A64) },
};

TEST(x86_vector_forms)
{
	CHECK_CASES(vector_forms);
}

/* The stack's forms: the element's size by mode and 66, the register, the immediate. */
#define STK(o, acc, sz) .op = (o), .access = (acc), .size = (sz), .reg_size = (sz)

static const struct decode_case stack_forms[] = {
	{ "push imm8 -7", B("\x6a\xf9"), X86_MODE_64,
	  INSN(STK(X86_OP_PUSH, X86_STORE, 8), .stack_only = true, .imm = ~6ULL, A64) },
	{ "push imm32", B("\x68\x0d\x1c\x94\xff"), X86_MODE_64,
	  INSN(STK(X86_OP_PUSH, X86_STORE, 8), .stack_only = true, .imm = 0xffffffffff941c0dULL,
	       A64) },
	{ "push imm16 with 66", B("\x66\x68\x34\x12"), X86_MODE_64,
	  INSN(STK(X86_OP_PUSH, X86_STORE, 2), .stack_only = true, .imm = 0x1234, A64) },
	{ "push rax", B("\x50"), X86_MODE_64,
	  INSN(STK(X86_OP_PUSH, X86_STORE, 8), .stack_only = true, .reg = X86_RAX, A64) },
	{ "push r15", B("\x41\x57"), X86_MODE_64,
	  INSN(STK(X86_OP_PUSH, X86_STORE, 8), .stack_only = true, .reg = X86_R15, A64) },
	{ "push edx 32-bit", B("\x52"), X86_MODE_32,
	  INSN(STK(X86_OP_PUSH, X86_STORE, 4), .stack_only = true, .reg = X86_RDX, A32) },
	{ "push [rdx]", B("\xff\x32"), X86_MODE_64,
	  INSN(STK(X86_OP_PUSH, X86_LOAD, 8), .base = X86_RDX, A64) },
	{ "push word [bx] 16-bit", B("\xff\x37"), X86_MODE_16,
	  INSN(STK(X86_OP_PUSH, X86_LOAD, 2), .base = X86_RBX, A16) },
	{ "pop [rax]", B("\x8f\x00"), X86_MODE_64,
	  INSN(STK(X86_OP_POP, X86_STORE, 8), .base = X86_RAX, A64) },
	{ "pop rcx", B("\x59"), X86_MODE_64,
	  INSN(STK(X86_OP_POP, X86_LOAD, 8), .stack_only = true, .reg = X86_RCX, A64) },
	{ "pop r9w", B("\x66\x41\x59"), X86_MODE_64,
	  INSN(STK(X86_OP_POP, X86_LOAD, 2), .stack_only = true, .reg = X86_R9, A64) },
	{ "ret", B("\xc3"), X86_MODE_64,
	  INSN(STK(X86_OP_RET, X86_LOAD, 8), .stack_only = true, A64) },
	{ "ret 0x8010", B("\xc2\x10\x80"), X86_MODE_32,
	  INSN(STK(X86_OP_RET, X86_LOAD, 4), .stack_only = true, .imm = 0x8010, A32) },
	{ "leave", B("\xc9"), X86_MODE_64,
	  INSN(STK(X86_OP_LEAVE, X86_LOAD, 8), .stack_only = true, A64) },
	{ "enter 0x1238, 0", B("\xc8\x38\x12\x00"), X86_MODE_64,
	  INSN(STK(X86_OP_ENTER, X86_STORE, 8), .stack_only = true, .imm = 0x1238, A64) },
};

TEST(x86_stack_forms)
{
	CHECK_CASES(stack_forms);
}

TEST(x86_alu_forms)
{
	CHECK_CASES(alu_forms);
}

TEST(x86_string_forms)
{
	CHECK_CASES(string_forms);
}

TEST(x86_mov_modrm_64)
{
	CHECK_CASES(mov_modrm_64);
}

TEST(x86_addressing_64)
{
	CHECK_CASES(addressing_64);
}

TEST(x86_mov_imm)
{
	CHECK_CASES(mov_imm);
}

TEST(x86_mov_moffs)
{
	CHECK_CASES(mov_moffs);
}

TEST(x86_mov_extend)
{
	CHECK_CASES(mov_extend);
}

TEST(x86_mode_32)
{
	CHECK_CASES(mode_32);
}

TEST(x86_mode_16)
{
	CHECK_CASES(mode_16);
}

/* An instruction that should not decode, and why. */
struct reject_case {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	enum x86_cpu_mode mode;
	enum x86_decode_status want;
};

/* Checks every rejection of a table. */
static int rejects_ok(const struct reject_case *cases, size_t n)
{
	int ok = 1;

	for (size_t i = 0; i < n; i++) {
		const struct reject_case *c = &cases[i];
		struct x86_insn got;

		ok &= field_ok(c->name, "status", decode(c->bytes, c->len, c->mode, &got), c->want);
	}
	return ok;
}

#define CHECK_REJECTS(table) CHECK(rejects_ok(table, ARRAY_LEN(table)))

static const struct reject_case register_operands[] = {
	{ "mov eax,ecx 89", B("\x89\xc8"), X86_MODE_64, X86_ERR_NOT_MEMORY },
	{ "mov al,cl 8a", B("\x8a\xc1"), X86_MODE_32, X86_ERR_NOT_MEMORY },
	{ "mov bx,ax 16-bit", B("\x89\xc3"), X86_MODE_16, X86_ERR_NOT_MEMORY },
	{ "mov r8,r9", B("\x4d\x8b\xc1"), X86_MODE_64, X86_ERR_NOT_MEMORY },
	{ "mov al,imm8 c6 /0", B("\xc6\xc0\x01"), X86_MODE_64, X86_ERR_NOT_MEMORY },
	{ "mov eax,imm32 c7 /0", B("\xc7\xc0\x01\x00\x00\x00"), X86_MODE_32, X86_ERR_NOT_MEMORY },
	{ "movzx eax,cl", B("\x0f\xb6\xc1"), X86_MODE_64, X86_ERR_NOT_MEMORY },
	{ "movsx eax,cx", B("\x0f\xbf\xc1"), X86_MODE_32, X86_ERR_NOT_MEMORY },
	{ "movsxd rax,ecx", B("\x48\x63\xc1"), X86_MODE_64, X86_ERR_NOT_MEMORY },
};

static const struct reject_case invalid_prefixes[] = {
	{ "lock mov [rax],eax", B("\xf0\x89\x00"), X86_MODE_64, X86_ERR_INVALID },
	{ "lock mov eax,[eax]", B("\xf0\x8b\x00"), X86_MODE_32, X86_ERR_INVALID },
	{ "lock mov byte [bx],1", B("\xf0\xc6\x07\x01"), X86_MODE_16, X86_ERR_INVALID },
	{ "lock after 66", B("\x66\xf0\x89\x00"), X86_MODE_64, X86_ERR_INVALID },
	{ "lock movzx", B("\xf0\x0f\xb6\x00"), X86_MODE_64, X86_ERR_INVALID },
	{ "lock moffs", B("\xf0\xa1\x00\x00\x00\x00"), X86_MODE_32, X86_ERR_INVALID },
	{ "lock rep stosb", B("\xf0\xf3\xaa"), X86_MODE_64, X86_ERR_INVALID },
	{ "lock outsb", B("\xf0\x6e"), X86_MODE_32, X86_ERR_INVALID },
	{ "lock add, register first", B("\xf0\x03\x00"), X86_MODE_64, X86_ERR_INVALID },
	{ "lock cmp", B("\xf0\x39\x00"), X86_MODE_64, X86_ERR_INVALID },
	{ "lock test", B("\xf0\x85\x00"), X86_MODE_32, X86_ERR_INVALID },
	{ "lock bt", B("\xf0\x0f\xa3\x00"), X86_MODE_64, X86_ERR_INVALID },
	{ "lock cmpsb", B("\xf0\xa6"), X86_MODE_64, X86_ERR_INVALID },
	{ "xacquire lock add", B("\xf2\xf0\x01\x00"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "rep add", B("\xf3\x01\x00"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "rep mov", B("\xf3\x89\x00"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "xrelease mov imm", B("\xf3\xc7\x00\x01\x00\x00\x00"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "repne mov", B("\xf2\x8b\x00"), X86_MODE_32, X86_ERR_UNSUPPORTED },
	{ "f3 movzx", B("\xf3\x0f\xb6\x00"), X86_MODE_64, X86_ERR_UNSUPPORTED },
};

static const struct reject_case unsupported[] = {
	{ "f6 /1 (undocumented test)", B("\xf6\x08\x00"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "lock div", B("\xf0\xf7\x30"), X86_MODE_64, X86_ERR_INVALID },
	{ "call [rax] ff /2", B("\xff\x10"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "fe /6 (no byte push)", B("\xfe\x30"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "8f /1 (xop)", B("\x8f\x08"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "enter with a nesting level", B("\xc8\x10\x00\x01"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "lock push rax", B("\xf0\x50"), X86_MODE_64, X86_ERR_INVALID },
	{ "rep ret", B("\xf3\xc3"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "push rax from a register operand", B("\xff\xf0"), X86_MODE_64, X86_ERR_NOT_MEMORY },
	{ "0f ba /0", B("\x0f\xba\x00\x00"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "repne movsb", B("\xf2\xa4"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "rep then repne stosb", B("\xf3\xf2\xaa"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "lgdt 0f 01 /2", B("\x0f\x01\x10"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "lldt 0f 00 /2", B("\x0f\x00\x10"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "str 0f 00 /1", B("\x0f\x00\x08"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "lock ltr", B("\xf0\x0f\x00\x18"), X86_MODE_64, X86_ERR_INVALID },
	{ "ltr ax (a register)", B("\x0f\x00\xd8"), X86_MODE_64, X86_ERR_NOT_MEMORY },
	{ "lock smsw", B("\xf0\x0f\x01\x20"), X86_MODE_64, X86_ERR_INVALID },
	{ "mov [rax],sreg 6 (8c /6)", B("\x8c\x30"), X86_MODE_64, X86_ERR_INVALID },
	{ "fe /5 (no byte far jump)", B("\xfe\x28"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "66 jmp [rax] (vendors differ)", B("\x66\xff\x20"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "fe /4", B("\xfe\x20"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "lock jmp far", B("\xf0\xff\x28"), X86_MODE_64, X86_ERR_INVALID },
	{ "mov cs,[rax] 8e /1", B("\x8e\x08"), X86_MODE_64, X86_ERR_INVALID },
	{ "mov sreg 7,[rax] 8e /7", B("\x8e\x38"), X86_MODE_32, X86_ERR_INVALID },
	{ "c6 /1", B("\xc6\x08\x00"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "c7 /7 xbegin", B("\xc7\xf8\x00\x00\x00\x00"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "c6 /7 xabort", B("\xc6\xf8\x00"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "lock movq [rax],mm0", B("\xf0\x0f\x7f\x00"), X86_MODE_64, X86_ERR_INVALID },
	{ "movq mm0,mm1", B("\x0f\x6f\xc1"), X86_MODE_64, X86_ERR_NOT_MEMORY },
	{ "movq2dq-like f2 0f 6f", B("\xf2\x0f\x6f\x00"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "movlps 0f 12 (keeps the high half)", B("\x0f\x12\x00"), X86_MODE_64,
	  X86_ERR_UNSUPPORTED },
	{ "lock movdqu", B("\xf0\xf3\x0f\x6f\x00"), X86_MODE_64, X86_ERR_INVALID },
	{ "movdqu xmm0,xmm1", B("\xf3\x0f\x6f\xc1"), X86_MODE_64, X86_ERR_NOT_MEMORY },
	{ "movd eax,xmm0", B("\x66\x0f\x7e\xc0"), X86_MODE_32, X86_ERR_NOT_MEMORY },
	{ "popcnt 0f b8", B("\xf3\x0f\xb8\x00"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "movnti 0f c3", B("\x0f\xc3\x00"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "arpl 63 in 32-bit mode", B("\x63\x00"), X86_MODE_32, X86_ERR_UNSUPPORTED },
	{ "arpl 63 in 16-bit mode", B("\x63\x00"), X86_MODE_16, X86_ERR_UNSUPPORTED },
	{ "vex c5", B("\xc5\xf9\x6f\x00"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "nop", B("\x90"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "REX alone then nop", B("\x48\x90"), X86_MODE_64, X86_ERR_UNSUPPORTED },
	{ "dec eax in 32-bit mode", B("\x48\x89\x00"), X86_MODE_32, X86_ERR_UNSUPPORTED },
	{ "inc ax in 16-bit mode", B("\x40\x88\x20"), X86_MODE_16, X86_ERR_UNSUPPORTED },
	{ "dec edi in 32-bit mode", B("\x4f\x8b\x00"), X86_MODE_32, X86_ERR_UNSUPPORTED },
	{ "bad mode", B("\x89\x00"), (enum x86_cpu_mode)3, X86_ERR_UNSUPPORTED },
};

static const struct reject_case truncated[] = {
	{ "nothing", B(""), X86_MODE_64, X86_ERR_TRUNCATED },
	{ "prefixes only", B("\x66\x67\x48"), X86_MODE_64, X86_ERR_TRUNCATED },
	{ "0f escape only", B("\x0f"), X86_MODE_32, X86_ERR_TRUNCATED },
	{ "no modrm", B("\x89"), X86_MODE_16, X86_ERR_TRUNCATED },
	{ "no sib", B("\x8b\x04"), X86_MODE_64, X86_ERR_TRUNCATED },
	{ "half disp32", B("\x8b\x05\x00\x10"), X86_MODE_64, X86_ERR_TRUNCATED },
	{ "half disp16", B("\x8b\x06\x00"), X86_MODE_16, X86_ERR_TRUNCATED },
	{ "no imm", B("\xc6\x00"), X86_MODE_64, X86_ERR_TRUNCATED },
	{ "half moffs64", B("\xa1\x00\x00\x00\x00"), X86_MODE_64, X86_ERR_TRUNCATED },
};

TEST(x86_reject_register_operand)
{
	CHECK_REJECTS(register_operands);
}

TEST(x86_reject_lock_and_rep)
{
	CHECK_REJECTS(invalid_prefixes);
}

TEST(x86_reject_unsupported)
{
	CHECK_REJECTS(unsupported);
}

TEST(x86_reject_truncated)
{
	CHECK_REJECTS(truncated);
}

/* Checks that every proper prefix of a long instruction is truncated and the whole decodes. */
static int cut_everywhere_ok(const uint8_t *bytes, size_t len, enum x86_cpu_mode mode)
{
	struct x86_insn got;
	int ok = 1;

	for (size_t n = 0; n < len; n++) {
		char name[32];

		snprintf(name, sizeof(name), "cut at %zu", n);
		ok &= field_ok(name, "status", decode(bytes, n, mode, &got), X86_ERR_TRUNCATED);
	}
	ok &= field_ok("whole", "status", decode(bytes, len, mode, &got), X86_OK);
	return ok && field_ok("whole", "length", got.length, len);
}

TEST(x86_truncated_at_every_byte)
{
	/* mov qword gs:[rax+rcx*8+0x12345678], 0xffffffffdeadbeef */
	CHECK(cut_everywhere_ok(B("\x65\x48\xc7\x84\xc8\x78\x56\x34\x12\xef\xbe\xad\xde"),
				X86_MODE_64));
	/* mov dword es:[eax+ecx*4+0x12345678], 0x04030201 in 16-bit mode */
	CHECK(cut_everywhere_ok(B("\x26\x66\x67\xc7\x84\x88\x78\x56\x34\x12\x01\x02\x03\x04"),
				X86_MODE_16));
	/* mov rax, fs:[moffs64] */
	CHECK(cut_everywhere_ok(B("\x64\x48\xa1\x01\x02\x03\x04\x05\x06\x07\x08"), X86_MODE_64));
}

TEST(x86_too_long)
{
	uint8_t bytes[20];
	struct x86_insn insn;

	memset(bytes, 0x66, sizeof(bytes));
	bytes[13] = 0x89; /* 13 prefixes + opcode + ModRM: exactly 15 bytes */
	bytes[14] = 0x00;
	CHECK_EQ(decode(bytes, 15, X86_MODE_32, &insn), X86_OK);
	CHECK_EQ(insn.length, 15);
	CHECK_EQ(insn.size, 2);

	memset(bytes, 0x66, sizeof(bytes));
	bytes[14] = 0x89; /* 16 bytes */
	bytes[15] = 0x00;
	CHECK_EQ(decode(bytes, 16, X86_MODE_32, &insn), X86_ERR_INVALID);
	CHECK_EQ(decode(bytes, 15, X86_MODE_32, &insn), X86_ERR_INVALID);
	CHECK_EQ(decode(bytes, 14, X86_MODE_32, &insn), X86_ERR_TRUNCATED);

	memset(bytes, 0x3e, sizeof(bytes)); /* all prefixes */
	CHECK_EQ(decode(bytes, sizeof(bytes), X86_MODE_16, &insn), X86_ERR_INVALID);

	/* 66 x 6, 67, C7, ModRM, SIB, disp32, imm16: 16 bytes, too long in the immediate */
	memcpy(bytes, "\x66\x66\x66\x66\x66\x66\x67\xc7\x84\x88\x00\x00\x00\x00\x01\x02", 16);
	CHECK_EQ(decode(bytes, 16, X86_MODE_64, &insn), X86_ERR_INVALID);
}

TEST(x86_out_untouched_on_error)
{
	struct x86_insn insn;

	memset(&insn, 0xa5, sizeof(insn));
	CHECK_EQ(decode(B("\x89\xc0"), X86_MODE_64, &insn), X86_ERR_NOT_MEMORY);
	CHECK_EQ(insn.length, 0xa5);
	CHECK_EQ(decode(B("\x8b\x05\x00"), X86_MODE_64, &insn), X86_ERR_TRUNCATED);
	CHECK_EQ(insn.length, 0xa5);
}

TEST(x86_strerror)
{
	const char *seen[X86_STATUS_COUNT];

	for (int s = 0; s < X86_STATUS_COUNT; s++) {
		seen[s] = x86_decode_strerror((enum x86_decode_status)s);
		CHECK(seen[s] && seen[s][0]);
		for (int t = 0; t < s; t++)
			CHECK(strcmp(seen[s], seen[t]) != 0);
	}
	CHECK_STR(x86_decode_strerror(X86_OK), "ok");
	CHECK_STR(x86_decode_strerror(X86_ERR_NOT_MEMORY), "operand is a register, not memory");
	CHECK_STR(x86_decode_strerror((enum x86_decode_status)99), "unknown status");
}

/* A load, the memory value and old register, and the expected new register value. */
struct load_case {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	enum x86_cpu_mode mode;
	uint64_t mem, old, want;
};

#define OLD 0x1111111111111111ULL

static const struct load_case loads[] = {
	{ "mov eax zeroes the upper half", B("\x8b\x00"), X86_MODE_64, 0x12345678, ~0ULL,
	  0x12345678 },
	{ "mov eax ignores upper memory bits", B("\x8b\x00"), X86_MODE_64, 0xaaaaaaaa87654321ULL,
	  OLD, 0x87654321 },
	{ "mov rax", B("\x48\x8b\x00"), X86_MODE_64, 0x8877665544332211ULL, OLD,
	  0x8877665544332211ULL },
	{ "mov ax merges", B("\x66\x8b\x00"), X86_MODE_64, 0xffffabcd, OLD, 0x111111111111abcdULL },
	{ "mov al merges", B("\x8a\x00"), X86_MODE_64, 0x12cd, OLD, 0x11111111111111cdULL },
	{ "mov ah merges", B("\x8a\x20"), X86_MODE_64, 0x12cd, OLD, 0x111111111111cd11ULL },
	{ "mov bh merges 16-bit", B("\x8a\x3f"), X86_MODE_16, 0xee, OLD, 0x111111111111ee11ULL },
	{ "mov spl merges", B("\x40\x8a\x20"), X86_MODE_64, 0xcd, OLD, 0x11111111111111cdULL },
	{ "mov al,[moffs]", B("\xa0\x00\x00\x00\x00"), X86_MODE_32, 0x7f, OLD,
	  0x111111111111117fULL },
	{ "movzx eax,byte", B("\x0f\xb6\x00"), X86_MODE_64, 0xff, ~0ULL, 0xff },
	{ "movzx ax,byte merges", B("\x66\x0f\xb6\x00"), X86_MODE_64, 0xff, OLD,
	  0x11111111111100ffULL },
	{ "movzx rax,word", B("\x48\x0f\xb7\x00"), X86_MODE_64, 0xffff8000, ~0ULL, 0x8000 },
	{ "movsx eax,byte", B("\x0f\xbe\x00"), X86_MODE_64, 0x80, OLD, 0xffffff80 },
	{ "movsx eax,byte positive", B("\x0f\xbe\x00"), X86_MODE_64, 0x7f, OLD, 0x7f },
	{ "movsx rax,word", B("\x48\x0f\xbf\x00"), X86_MODE_64, 0x8000, 0, 0xffffffffffff8000ULL },
	{ "movsx ax,byte merges", B("\x66\x0f\xbe\x00"), X86_MODE_64, 0x80, OLD,
	  0x111111111111ff80ULL },
	{ "movsxd rax negative", B("\x48\x63\x00"), X86_MODE_64, 0x80000000, 0,
	  0xffffffff80000000ULL },
	{ "movsxd rax positive", B("\x48\x63\x00"), X86_MODE_64, 0xffffffff7fffffffULL, 0,
	  0x7fffffff },
	{ "movsxd eax", B("\x63\x00"), X86_MODE_64, 0x80000000, ~0ULL, 0x80000000 },
	{ "lodsb merges", B("\xac"), X86_MODE_64, 0x1280, OLD, 0x1111111111111180ULL },
	{ "lodsd zeroes the upper half", B("\xad"), X86_MODE_64, 0x87654321, ~0ULL, 0x87654321 },
	{ "lodsq", B("\x48\xad"), X86_MODE_64, 0x8877665544332211ULL, OLD, 0x8877665544332211ULL },
};

TEST(x86_load_result)
{
	for (size_t i = 0; i < ARRAY_LEN(loads); i++) {
		const struct load_case *c = &loads[i];
		struct x86_insn insn;

		CHECK(field_ok(c->name, "status", decode(c->bytes, c->len, c->mode, &insn), X86_OK));
		CHECK(field_ok(c->name, "result", (long long)x86_load_result(&insn, c->mem, c->old),
			       (long long)c->want));
	}
}

/* A store, the register value, and the expected value written to memory. */
struct store_case {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	enum x86_cpu_mode mode;
	uint64_t reg, want;
};

#define REG 0x1122334455667788ULL

static const struct store_case stores[] = {
	{ "mov [rax],cl", B("\x88\x08"), X86_MODE_64, REG, 0x88 },
	{ "mov [rax],ch", B("\x88\x28"), X86_MODE_64, REG, 0x77 },
	{ "mov [rax],bpl", B("\x40\x88\x28"), X86_MODE_64, REG, 0x88 },
	{ "mov [rax],cx", B("\x66\x89\x08"), X86_MODE_64, REG, 0x7788 },
	{ "mov [rax],ecx", B("\x89\x08"), X86_MODE_64, REG, 0x55667788 },
	{ "mov [rax],rcx", B("\x48\x89\x08"), X86_MODE_64, REG, REG },
	{ "mov [moffs],al", B("\xa2\x00\x10"), X86_MODE_16, REG, 0x88 },
	{ "mov [moffs],eax", B("\xa3\x00\x10\x00\x00"), X86_MODE_32, REG, 0x55667788 },
	{ "mov byte [rax],imm", B("\xc6\x00\x5a"), X86_MODE_64, REG, 0x5a },
	{ "mov word [bx],imm", B("\xc7\x07\xfe\xff"), X86_MODE_16, REG, 0xfffe },
	{ "mov qword [rax],imm", B("\x48\xc7\x00\xfe\xff\xff\xff"), X86_MODE_64, REG,
	  0xfffffffffffffffeULL },
	{ "stosb", B("\xaa"), X86_MODE_64, REG, 0x88 },
	{ "stosw", B("\x66\xab"), X86_MODE_32, REG, 0x7788 },
	{ "stosq", B("\x48\xab"), X86_MODE_64, REG, REG },
};

TEST(x86_store_value)
{
	for (size_t i = 0; i < ARRAY_LEN(stores); i++) {
		const struct store_case *c = &stores[i];
		struct x86_insn insn;

		CHECK(field_ok(c->name, "status", decode(c->bytes, c->len, c->mode, &insn), X86_OK));
		CHECK(field_ok(c->name, "value", (long long)x86_store_value(&insn, c->reg),
			       (long long)c->want));
	}
}

TEST(x86_mem_offset)
{
	uint64_t regs[X86_NUM_REGS];
	struct x86_insn insn;

	for (int r = 0; r < X86_NUM_REGS; r++)
		regs[r] = 0x1000ULL * (uint64_t)(r + 1);
	regs[X86_RSI] = 0xfff0;

	CHECK_EQ(decode(B("\x8b\x05\x10\x00\x00\x00"), X86_MODE_64, &insn), X86_OK);
	CHECK_EQ(x86_mem_offset(&insn, regs, 0x400000), 0x400016);
	CHECK_EQ(decode(B("\x4c\x8b\x84\xc8\x78\x56\x34\x12"), X86_MODE_64, &insn), X86_OK);
	CHECK_EQ(x86_mem_offset(&insn, regs, 0), 0x1000 + 0x2000 * 8 + 0x12345678);
	CHECK_EQ(decode(B("\x8b\x43\xf0"), X86_MODE_64, &insn), X86_OK); /* [rbx-0x10] */
	CHECK_EQ(x86_mem_offset(&insn, regs, 0), 0x4000 - 0x10);
	CHECK_EQ(decode(B("\x8b\x40\x20"), X86_MODE_16, &insn), X86_OK); /* [bx+si+0x20] wraps */
	CHECK_EQ(x86_mem_offset(&insn, regs, 0), (0x4000 + 0xfff0 + 0x20) & 0xffff);
	CHECK_EQ(decode(B("\x67\x8b\x05\xf0\xff\xff\xff"), X86_MODE_64, &insn), X86_OK);
	CHECK_EQ(x86_mem_offset(&insn, regs, 0x100000000ULL), 0xfffffff7ULL); /* eip-relative */
	CHECK_EQ(decode(B("\x48\xa1\x88\x77\x66\x55\x44\x33\x22\xff"), X86_MODE_64, &insn), X86_OK);
	CHECK_EQ(x86_mem_offset(&insn, regs, 0), 0xff22334455667788ULL);
	CHECK_EQ(decode(B("\x8b\x04\x25\x00\x00\x00\x80"), X86_MODE_64, &insn), X86_OK);
	CHECK_EQ(x86_mem_offset(&insn, regs, 0), 0xffffffff80000000ULL); /* disp32 sign-extends */
}

/* What every decoding must satisfy, whatever the bytes: checked on random ones below. */
static int decoding_sane(const struct x86_insn *in, size_t avail)
{
	uint64_t mask = in->size >= 8 ? ~0ULL : (1ULL << (8 * in->size)) - 1;
	return in->length >= 1 && in->length <= avail && in->length <= X86_MAX_INSN_LEN &&
	       (in->size == 1 || in->size == 2 || in->size == 4 || in->size == 8 ||
		(in->size == 16 && in->op == X86_OP_VMOV)) &&
	       (!in->aligned || (in->op == X86_OP_VMOV && in->size == 16)) &&
	       in->op <= X86_OP_CMOV && (in->cc == 0 || in->op == X86_OP_CMOV) && in->alu < X86_ALU_COUNT && in->reg >= X86_REG_NONE &&
	       in->reg < X86_NUM_REGS && in->base >= X86_BASE_RIP && in->base < X86_NUM_REGS &&
	       in->index >= X86_REG_NONE && in->index < X86_NUM_REGS && (in->imm & ~mask) == 0 &&
	       (!in->lock || (in->op == X86_OP_ALU && in->access == X86_STORE)) &&
	       (!in->rep || (in->op >= X86_OP_MOVS && in->op <= X86_OP_SCAS)) &&
	       (!in->repne || in->op == X86_OP_CMPS || in->op == X86_OP_SCAS);
}

/*
 * It is an error for any byte string to make the decoder read past its
 * end (ASan), or to give a decoding outside the forms it promises.  A
 * fixed-seed generator, so a failure repeats; one in four strings starts
 * with the opcodes the arithmetic forms use, so that they are reached often.
 */
TEST(x86_random_bytes)
{
	static const uint8_t starts[] = { 0x80, 0x81, 0x83, 0xf6, 0xf7, 0xfe, 0xff, 0x0f, 0x86,
					  0xf0, 0x66, 0x48, 0xa6, 0xaf, 0x69, 0x6b, 0x01, 0x3b };
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	uint8_t bytes[X86_MAX_INSN_LEN];
	struct x86_insn in;
	unsigned decoded = 0;
	for (unsigned i = 0; i < 200000; i++) {
		for (unsigned b = 0; b < sizeof(bytes); b++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			bytes[b] = (uint8_t)(seed >> 56);
		}
		if ((seed >> 20) % 4 == 0)
			bytes[0] = starts[(seed >> 24) % sizeof(starts)];
		size_t avail = (seed >> 32) % (sizeof(bytes) + 1);
		enum x86_cpu_mode mode = (enum x86_cpu_mode)((seed >> 40) % 3);
		enum x86_decode_status st = decode(bytes, avail, mode, &in);
		CHECK((unsigned)st < X86_STATUS_COUNT);
		if (st != X86_OK)
			continue;
		decoded++;
		if (!decoding_sane(&in, avail)) {
			printf("# mode %d, %zu bytes from %02x %02x %02x: an insane decoding\n", mode,
			       avail, bytes[0], bytes[1], bytes[2]);
			CHECK(0);
		}
	}
	CHECK(decoded > 1000); /* the forms were reached, not only rejections */
}
