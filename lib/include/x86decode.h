/*
 * A decoder for the x86 instructions a VMM emulates after an EPT violation
 * on MMIO or an exit on string I/O: MOV r/m,r and r,r/m (88-8B), MOV
 * r/m,imm (C6/C7 /0), MOV with a direct offset (A0-A3), MOVZX (0F B6/B7),
 * MOVSX (0F BE/BF), in 64-bit mode MOVSXD (63), the string forms MOVS,
 * STOS, LODS, INS, OUTS, CMPS and SCAS (A4-A7, AA-AF, 6C-6F), with or
 * without REP (F3; F2 too on CMPS and SCAS), and the arithmetic on a
 * memory operand (X86_OP_ALU): ADD, OR, ADC, SBB, AND, SUB, XOR and CMP
 * (00-3B, 80/81/83), TEST (84/85, F6/F7 /0), NOT and NEG (F6/F7 /2, /3),
 * INC and DEC (FE/FF /0, /1), XCHG (86/87), CMPXCHG (0F B0/B1), XADD
 * (0F C0/C1), BT, BTS, BTR and BTC (0F A3/AB/B3/BB, 0F BA /4-7), BSF and
 * BSR (0F BC/BD), IMUL r, r/m (0F AF) and r, r/m, imm (6B, 69), SHLD and
 * SHRD (0F A4/A5, AC/AD: an imm8 or CL count), LOCK
 * where the processor takes it; SMSW m16 (0F 01 /4); LTR m16 (0F 00 /3); MOV m16, Sreg (8C) and
 * MOV Sreg, m16 (8E);
 * the near and far JMP through memory (FF /4, /5); the stack's PUSH
 * (50-57, 68, 6A, FF /6), POP (58-5F, 8F /0), RET (C3, C2), LEAVE (C9) and ENTER with
 * nesting level 0 (C8); and the SSE moves between an XMM register
 * and memory (X86_OP_VMOV): MOVUPS/MOVUPD, MOVAPS/MOVAPD, MOVSS, MOVSD (0F 10/11, 0F 28/29),
 * MOVNTPS/MOVNTPD (0F 2B), MOVD/MOVQ (66 0F 6E/7E), MOVQ (F3 0F 7E, 66 0F D6), MOVDQA and
 * MOVDQU (66/F3 0F 6F/7F) and MOVNTDQ (66 0F E7); and the MMX moves MOVD/MOVQ (0F 6E/7E)
 * and MOVQ (0F 6F/7F) (X86_OP_MMOV); and CMOVcc r, r/m (0F 40-4F).  Every other instruction is reported as
 * unsupported.  Pure and freestanding: the VMM server links it and the
 * host tests it.
 */
#ifndef LIB_X86DECODE_H
#define LIB_X86DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest legal instruction, prefixes included. */
#define X86_MAX_INSN_LEN 15
#define X86_OPCODE_HLT 0xF4

/* Default operand and address size of the code segment; 64 is long mode. */
enum x86_cpu_mode { X86_MODE_16, X86_MODE_32, X86_MODE_64 };

/* Whether memory is read (loaded into a register) or written. */
enum x86_access { X86_LOAD, X86_STORE };

/* What the instruction does. */
enum x86_op {
	X86_OP_MOV,  /* MOV, MOVZX, MOVSX, MOVSXD: one memory operand and a register or immediate */
	X86_OP_MOVS, /* copies an element from seg:rSI to ES:rDI */
	X86_OP_STOS, /* stores AL/AX/EAX/RAX at ES:rDI */
	X86_OP_LODS, /* loads AL/AX/EAX/RAX from seg:rSI */
	X86_OP_INS,  /* reads port DX into ES:rDI */
	X86_OP_OUTS, /* writes seg:rSI to port DX */
	X86_OP_CMPS, /* compares seg:rSI with ES:rDI (alu X86_ALU_CMP) */
	X86_OP_SCAS, /* compares AL/AX/EAX/RAX with ES:rDI (alu X86_ALU_CMP) */
	X86_OP_ALU,  /* arithmetic on one memory operand: alu says which */
	X86_OP_SMSW, /* stores CR0's low 16 bits (the memory form: always 2 bytes) */
	X86_OP_LTR,  /* loads TR with the selector in memory (always 2 bytes) */
	X86_OP_STORE_SREG, /* MOV m16, Sreg: stores segment register reg's selector (2 bytes) */
	X86_OP_LOAD_SREG,  /* MOV Sreg, m16: loads segment register reg (not CS) from memory */
	X86_OP_JMP_FAR, /* JMP m16:size: the offset (size bytes), then the CS selector above it */
	X86_OP_JMP_NEAR, /* JMP m: the new rIP (size bytes: 8 in 64-bit mode) */
	/*
	 * The stack's: size is a stack element (8 in 64-bit mode, 2 with 66;
	 * else the operand size), at SS:rSP.  PUSH's source and POP's
	 * destination are the ModRM memory operand, or with stack_only the
	 * register reg (PUSH: or the immediate imm, sign-extended, when reg is
	 * X86_REG_NONE).
	 */
	X86_OP_PUSH,
	X86_OP_POP,
	X86_OP_RET,   /* pops rIP, then adds imm (RET imm16's, else 0) to rSP */
	X86_OP_LEAVE, /* rSP = rBP, then pops rBP */
	X86_OP_ENTER, /* ENTER imm, 0: pushes rBP, rBP = rSP, rSP -= imm */
	X86_OP_VMOV, /* XMM register reg to or from size (4, 8, 16) bytes of memory; a load zeroes
			the register's bytes above size */
	X86_OP_MMOV, /* MMX register reg (0-7) to or from size (4, 8) bytes of memory, the same */
	X86_OP_CMOV, /* CMOVcc: memory into reg if condition cc holds (a 4-byte one zero-extends
			reg either way) */
};

/*
 * The operation of X86_OP_ALU.  The first eight in the encoding order of
 * ADD..CMP (opcode bits 5:3, and ModRM.reg of 80-83).
 */
enum x86_alu {
	X86_ALU_ADD, X86_ALU_OR, X86_ALU_ADC, X86_ALU_SBB,
	X86_ALU_AND, X86_ALU_SUB, X86_ALU_XOR, X86_ALU_CMP,
	X86_ALU_TEST, X86_ALU_NOT, X86_ALU_NEG, X86_ALU_INC, X86_ALU_DEC,
	X86_ALU_BT, X86_ALU_BTS, X86_ALU_BTR, X86_ALU_BTC,
	X86_ALU_XCHG, X86_ALU_CMPXCHG, X86_ALU_XADD,
	X86_ALU_BSF, X86_ALU_BSR, X86_ALU_IMUL, X86_ALU_SHLD, X86_ALU_SHRD,
	X86_ALU_MUL, X86_ALU_IMUL1, X86_ALU_DIV, X86_ALU_IDIV, /* F6/F7 /4-/7: rAX (and rDX) with r/m */
	X86_ALU_COUNT
};

/* General-purpose register numbers, as encoded with the REX extension bits. */
enum x86_reg {
	X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
	X86_NUM_REGS
};
#define X86_REG_NONE (-1) /* no register: an immediate store, or no base/index */
#define X86_BASE_RIP (-2) /* the base is the address of the next instruction */

/* Segment registers, in their encoding order. */
enum x86_seg { X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS };
#define X86_SEG_DEFAULT (-1) /* no override (or, in 64-bit mode, an ignored one) */

struct x86_insn {
	uint8_t length;          /* bytes, prefixes included */
	enum x86_op op;
	enum x86_access access;  /* MOVS, STOS and INS write memory (MOVS reads it too); ALU: X86_STORE
				    if it writes its memory operand, else X86_LOAD (it only reads it) */
	uint8_t alu;             /* enum x86_alu of X86_OP_ALU, X86_OP_CMPS and X86_OP_SCAS */
	bool reg_first;          /* ALU: the register is the first operand (02, 03, ... 3B), memory the
				    second; otherwise memory is the first, the register or imm the second */
	bool imm_source;         /* the immediate is a third operand: IMUL r, r/m, imm's factor (the
				    register is only written), SHLD/SHRD's count (else CL) */
	bool lock;               /* LOCK (F0), only where the processor takes it */
	bool aligned;            /* X86_OP_VMOV: the operand must be 16-byte aligned, else #GP(0) */
	bool stack_only;         /* PUSH, POP, RET, LEAVE, ENTER: no ModRM memory operand */
	uint8_t cc;              /* X86_OP_CMOV: the condition, 0 (O) to 15 (G) as encoded */
	uint8_t size;            /* bytes moved to/from memory: 1, 2, 4, 8 (a string form: each element) */
	uint8_t reg_size;        /* bytes of the register operand (written on a load) */
	int reg;                 /* register operand 0-15 (X86_OP_VMOV: an XMM register),
				    X86_REG_NONE for an immediate store */
	bool reg_high_byte;      /* reg 0-3 names AH/CH/DH/BH (8-bit reg 4-7 without REX) */
	bool sign_extend;        /* MOVSX / MOVSXD load */
	bool zero_extend;        /* MOVZX load */
	uint64_t imm;            /* immediate (C6/C7, 80-83, F6/F7 /0, 0F BA), sign-extended to size,
				    upper bits 0; used where reg is X86_REG_NONE */
	bool rep;                /* a string form with REP (F3, F2): rCX elements */
	bool repne;              /* CMPS and SCAS with F2: repeat while not equal (F3: while equal) */
	/*
	 * The memory operand of X86_OP_MOV (the string forms use rSI and rDI).
	 * Its offset in the segment is (base + index * scale + disp) truncated
	 * to addr_size bytes, where a RIP-relative base is the address of the
	 * next instruction.
	 */
	int base;                /* register, X86_REG_NONE or X86_BASE_RIP */
	int index;               /* register or X86_REG_NONE */
	uint8_t scale;           /* 1, 2, 4 or 8 (as encoded in the SIB byte, else 1) */
	int64_t disp;            /* sign-extended displacement; a moffs is zero-extended */
	int seg;                 /* enum x86_seg override or X86_SEG_DEFAULT (a string form's source) */
	uint8_t addr_size;       /* 2, 4 or 8 */
};

enum x86_decode_status {
	X86_OK,
	X86_ERR_TRUNCATED,   /* the bytes end inside the instruction */
	X86_ERR_UNSUPPORTED, /* not one of the forms above (or F2/F3 on a MOV or ALU, F2 on MOVS..OUTS) */
	X86_ERR_NOT_MEMORY,  /* ModRM names a register, not memory */
	X86_ERR_INVALID,     /* undefined: LOCK but on an ALU form that writes memory, over 15 bytes */
	X86_STATUS_COUNT
};

/*
 * Decodes the instruction at code (avail bytes readable) executed in mode.
 * Fills *out only on X86_OK.  In 64-bit mode a REX prefix followed by a
 * legacy prefix is ignored, as the processor does, and so are the ES, CS,
 * SS and DS overrides; the last of several segment overrides wins.
 */
enum x86_decode_status x86_decode(const uint8_t *code, size_t avail, enum x86_cpu_mode mode,
				  struct x86_insn *out);

/* A short English description of a status. */
const char *x86_decode_strerror(enum x86_decode_status s);

/*
 * The full 64-bit register value after a load of mem_value into a register
 * that held old_reg: the low size bytes of mem_value, zero- or
 * sign-extended, written as reg_size bytes.  A 4-byte write clears bits
 * 32-63; 1- and 2-byte writes (and AH..BH) keep the other bits.
 */
uint64_t x86_load_result(const struct x86_insn *in, uint64_t mem_value, uint64_t old_reg);

/* The value a store writes: the immediate, or the register's low size bytes (AH..BH: bits 8-15). */
uint64_t x86_store_value(const struct x86_insn *in, uint64_t reg_value);

/*
 * The offset of the memory operand in its segment, given the registers
 * (indexed by enum x86_reg) and the instruction's own address rip.
 */
uint64_t x86_mem_offset(const struct x86_insn *in, const uint64_t regs[X86_NUM_REGS],
			uint64_t rip);

#endif
