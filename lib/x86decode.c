/*
 * The decoder of x86decode.h, written from the Intel SDM volume 2
 * (chapter 2, instruction format; appendix A, the opcode map and its
 * groups; and the pages of each instruction decoded).
 * An instruction is: legacy prefixes, in 64-bit mode a REX prefix, the
 * opcode (one byte, or 0F and one byte), ModRM, SIB, displacement and
 * immediate.  Supported opcodes are described by a table; an opcode
 * whose ModRM.reg selects the instruction (a "group": 80-83, C6/C7,
 * F6/F7, FE/FF, 0F BA) has a row per ModRM.reg in group_ops.
 */
#include "x86decode.h"
#include "array.h"

#define REX_W 0x8 /* 64-bit operand size */
#define REX_R 0x4 /* extends ModRM.reg */
#define REX_X 0x2 /* extends SIB.index */
#define REX_B 0x1 /* extends ModRM.rm and SIB.base */

#define MODRM_MOD(m) ((m) >> 6)
#define MODRM_REG(m) (((m) >> 3) & 7)
#define MODRM_RM(m)  ((m) & 7)
#define MOD_REGISTER 3 /* ModRM.mod naming a register, not memory */
#define RM_SIB       4 /* ModRM.rm (32/64-bit addressing) announcing a SIB byte */
#define RM_DISP32    5 /* with mod 0: disp32, RIP-relative in 64-bit mode */
#define RM16_DISP16  6 /* with mod 0 (16-bit addressing): disp16 only */
#define SIB_NO_INDEX 4 /* SIB.index meaning no index */
#define SIB_NO_BASE  5 /* SIB.base meaning no base when mod is 0 */

/* Sizes in the opcode table: a byte count, or one of these resolved from the prefixes. */
#define SZ_V 0xff /* the operand size: 2, 4 or 8 */
#define SZ_Z 0xfe /* the operand size capped at 4 (the SDM's "z") */
#define SZ_S 0xfd /* a stack element: 8 in 64-bit mode (2 with 66), else the operand size */

/* Where an opcode's operands come from. */
enum operand_form {
	FORM_MODRM_REG, /* memory from ModRM, register from ModRM.reg */
	FORM_GROUP,     /* memory from ModRM, ModRM.reg picks the row of group_ops; maybe an immediate */
	FORM_MOFFS,     /* a direct address of address size follows; register AL/eAX/rAX */
	FORM_STRING,    /* no operand bytes: rSI and/or rDI; the register (if any) AL/eAX/rAX */
	FORM_STACK,     /* rSP's memory alone: a register in the opcode's low bits (50-5F), an
			   immediate, or nothing more */
};

enum extension { EXT_NONE, EXT_ZERO, EXT_SIGN };

/* One supported opcode. */
struct opcode_info {
	uint8_t opcode;
	uint8_t op;        /* enum x86_op */
	uint8_t form;      /* enum operand_form */
	uint8_t access;    /* enum x86_access */
	uint8_t mem_size;  /* memory operand bytes, SZ_V or SZ_Z */
	uint8_t reg_size;  /* register operand bytes or SZ_V */
	uint8_t ext;       /* enum extension */
	bool long_mode_only;
	uint8_t alu;       /* enum x86_alu of X86_OP_ALU, CMPS, SCAS; FORM_GROUP: enum group */
	bool reg_first;    /* X86_OP_ALU: the register is the first operand */
	uint8_t imm_size;  /* the immediate's bytes (1 or SZ_Z): FORM_GROUP, where its row has one;
			      FORM_MODRM_REG, after ModRM (IMUL r, r/m, imm) */
};

/* The groups: opcodes whose ModRM.reg selects the instruction. */
enum group { GROUP_1, GROUP_1A, GROUP_3, GROUP_4_5, GROUP_6, GROUP_7, GROUP_8, GROUP_11, GROUP_COUNT };

/* One instruction of a group; op 0 with alu 0 and !valid: ModRM.reg names none we decode. */
struct group_row {
	bool valid;
	uint8_t op;     /* enum x86_op */
	uint8_t alu;    /* enum x86_alu */
	uint8_t access; /* enum x86_access */
	bool imm;       /* an immediate follows ModRM and its operand bytes */
};

#define ALU_ROW(a, acc, i) { true, X86_OP_ALU, (a), (acc), (i) }
static const struct group_row group_ops[GROUP_COUNT][8] = {
	/* 80, 81: ADD..CMP r/m, imm; 83: the same with imm8 sign-extended */
	[GROUP_1] = {
		ALU_ROW(X86_ALU_ADD, X86_STORE, true), ALU_ROW(X86_ALU_OR, X86_STORE, true),
		ALU_ROW(X86_ALU_ADC, X86_STORE, true), ALU_ROW(X86_ALU_SBB, X86_STORE, true),
		ALU_ROW(X86_ALU_AND, X86_STORE, true), ALU_ROW(X86_ALU_SUB, X86_STORE, true),
		ALU_ROW(X86_ALU_XOR, X86_STORE, true), ALU_ROW(X86_ALU_CMP, X86_LOAD, true),
	},
	/* F6, F7: TEST r/m, imm (/0), NOT (/2), NEG (/3), MUL, IMUL, DIV, IDIV (/4-/7); /1 is undocumented */
	[GROUP_3] = {
		[0] = ALU_ROW(X86_ALU_TEST, X86_LOAD, true),
		[2] = ALU_ROW(X86_ALU_NOT, X86_STORE, false),
		[3] = ALU_ROW(X86_ALU_NEG, X86_STORE, false),
		[4] = ALU_ROW(X86_ALU_MUL, X86_LOAD, false),
		[5] = ALU_ROW(X86_ALU_IMUL1, X86_LOAD, false),
		[6] = ALU_ROW(X86_ALU_DIV, X86_LOAD, false),
		[7] = ALU_ROW(X86_ALU_IDIV, X86_LOAD, false),
	},
	/*
	 * FE, FF: INC (/0), DEC (/1); FF /4: JMP r/m (near), FF /5: JMP m16:16/32/64 (far), FF /6:
	 * PUSH r/m (FE /4-/6 are undefined); FF's CALLs are not ours
	 */
	[GROUP_4_5] = {
		[0] = ALU_ROW(X86_ALU_INC, X86_STORE, false),
		[1] = ALU_ROW(X86_ALU_DEC, X86_STORE, false),
		[4] = { true, X86_OP_JMP_NEAR, 0, X86_LOAD, false },
		[5] = { true, X86_OP_JMP_FAR, 0, X86_LOAD, false },
		[6] = { true, X86_OP_PUSH, 0, X86_LOAD, false },
	},
	/* 8F: POP r/m (/0); the rest is XOP's */
	[GROUP_1A] = { [0] = { true, X86_OP_POP, 0, X86_STORE, false } },
	/* 0F BA: BT, BTS, BTR, BTC r/m, imm8 (/4-/7) */
	[GROUP_8] = {
		[4] = ALU_ROW(X86_ALU_BT, X86_LOAD, true), [5] = ALU_ROW(X86_ALU_BTS, X86_STORE, true),
		[6] = ALU_ROW(X86_ALU_BTR, X86_STORE, true), [7] = ALU_ROW(X86_ALU_BTC, X86_STORE, true),
	},
	/* 0F 00: LTR m16 (/3); SLDT, STR, LLDT, VERR and VERW are not ours */
	[GROUP_6] = { [3] = { true, X86_OP_LTR, 0, X86_LOAD, false } },
	/* 0F 01: SMSW m16 (/4); the descriptor-table loads and stores and LMSW are not ours */
	[GROUP_7] = { [4] = { true, X86_OP_SMSW, 0, X86_STORE, false } },
	/* C6, C7: MOV r/m, imm (/0); /7 is XABORT/XBEGIN */
	[GROUP_11] = { [0] = { true, X86_OP_MOV, 0, X86_STORE, true } },
};

/* An opcode of a group, with its memory operand's size and its immediate's. */
#define GROUP_OP(opc, group, size, imm) \
	{ (opc), 0, FORM_GROUP, 0, (size), (size), EXT_NONE, false, (group), false, (imm) }
/* An ALU instruction with memory first and a register second. */
#define ALU_OP(opc, alu, access, size) \
	{ (opc), X86_OP_ALU, FORM_MODRM_REG, (access), (size), (size), EXT_NONE, false, (alu), false, 0 }
/* The same with the register first: it is the destination. */
#define ALU_REG_FIRST(opc, alu, size) \
	{ (opc), X86_OP_ALU, FORM_MODRM_REG, X86_LOAD, (size), (size), EXT_NONE, false, (alu), true, 0 }
/* IMUL r, r/m, imm: the register written with memory times the immediate. */
#define IMUL_IMM(opc, imm) \
	{ (opc), X86_OP_ALU, FORM_MODRM_REG, X86_LOAD, SZ_V, SZ_V, EXT_NONE, false, X86_ALU_IMUL, \
	  true, (imm) }
/* SHLD, SHRD r/m, r with a count: an imm8 (imm 1) or CL (imm 0). */
#define SHIFT_DOUBLE(opc, alu, imm) \
	{ (opc), X86_OP_ALU, FORM_MODRM_REG, X86_STORE, SZ_V, SZ_V, EXT_NONE, false, (alu), false, \
	  (imm) }
/* An instruction whose only memory is the stack's, with an immediate of imm bytes (0: none). */
#define STACK_OP(opc, op, access, imm) \
	{ (opc), (op), FORM_STACK, (access), SZ_S, SZ_S, EXT_NONE, false, 0, false, (imm) }
/* The eight of b to b + 7, each a register in its low bits. */
#define STACK_REGS(b, op, access) \
	STACK_OP((b), (op), (access), 0), STACK_OP((b) + 1, (op), (access), 0), \
	STACK_OP((b) + 2, (op), (access), 0), STACK_OP((b) + 3, (op), (access), 0), \
	STACK_OP((b) + 4, (op), (access), 0), STACK_OP((b) + 5, (op), (access), 0), \
	STACK_OP((b) + 6, (op), (access), 0), STACK_OP((b) + 7, (op), (access), 0)
/* CMOVcc r, r/m: the condition in the opcode's low 4 bits. */
#define CMOV_OP(opc) \
	{ (opc), X86_OP_CMOV, FORM_MODRM_REG, X86_LOAD, SZ_V, SZ_V, EXT_NONE, false, 0, false, 0 }
#define CMOV_OPS4(b) CMOV_OP(b), CMOV_OP((b) + 1), CMOV_OP((b) + 2), CMOV_OP((b) + 3)
/* The four forms of ADD..CMP at base, b + 0 to b + 3. */
#define ALU_OPS(b, alu, access) \
	ALU_OP((b), (alu), (access), 1), ALU_OP((b) + 1, (alu), (access), SZ_V), \
	ALU_REG_FIRST((b) + 2, (alu), 1), ALU_REG_FIRST((b) + 3, (alu), SZ_V)

/* Opcodes without the 0F escape. */
static const struct opcode_info one_byte_ops[] = {
	{ 0x88, X86_OP_MOV, FORM_MODRM_REG, X86_STORE, 1, 1, EXT_NONE, false, 0, false, 0 },       /* MOV r/m8, r8 */
	{ 0x89, X86_OP_MOV, FORM_MODRM_REG, X86_STORE, SZ_V, SZ_V, EXT_NONE, false, 0, false, 0 }, /* MOV r/m, r */
	{ 0x8a, X86_OP_MOV, FORM_MODRM_REG, X86_LOAD, 1, 1, EXT_NONE, false, 0, false, 0 },        /* MOV r8, r/m8 */
	{ 0x8b, X86_OP_MOV, FORM_MODRM_REG, X86_LOAD, SZ_V, SZ_V, EXT_NONE, false, 0, false, 0 },  /* MOV r, r/m */
	GROUP_OP(0xc6, GROUP_11, 1, 1),       /* MOV r/m8, imm8 */
	GROUP_OP(0xc7, GROUP_11, SZ_V, SZ_Z), /* MOV r/m, immz */
	{ 0xa0, X86_OP_MOV, FORM_MOFFS, X86_LOAD, 1, 1, EXT_NONE, false, 0, false, 0 },            /* MOV AL, moffs8 */
	{ 0xa1, X86_OP_MOV, FORM_MOFFS, X86_LOAD, SZ_V, SZ_V, EXT_NONE, false, 0, false, 0 },      /* MOV eAX, moffs */
	{ 0xa2, X86_OP_MOV, FORM_MOFFS, X86_STORE, 1, 1, EXT_NONE, false, 0, false, 0 },           /* MOV moffs8, AL */
	{ 0xa3, X86_OP_MOV, FORM_MOFFS, X86_STORE, SZ_V, SZ_V, EXT_NONE, false, 0, false, 0 },     /* MOV moffs, eAX */
	{ 0x63, X86_OP_MOV, FORM_MODRM_REG, X86_LOAD, SZ_Z, SZ_V, EXT_SIGN, true, 0, false, 0 },   /* MOVSXD r, r/m32 */
	{ 0xa4, X86_OP_MOVS, FORM_STRING, X86_STORE, 1, 1, EXT_NONE, false, 0, false, 0 },       /* MOVSB */
	{ 0xa5, X86_OP_MOVS, FORM_STRING, X86_STORE, SZ_V, SZ_V, EXT_NONE, false, 0, false, 0 }, /* MOVSW/D/Q */
	{ 0xaa, X86_OP_STOS, FORM_STRING, X86_STORE, 1, 1, EXT_NONE, false, 0, false, 0 },       /* STOSB */
	{ 0xab, X86_OP_STOS, FORM_STRING, X86_STORE, SZ_V, SZ_V, EXT_NONE, false, 0, false, 0 }, /* STOSW/D/Q */
	{ 0xac, X86_OP_LODS, FORM_STRING, X86_LOAD, 1, 1, EXT_NONE, false, 0, false, 0 },        /* LODSB */
	{ 0xad, X86_OP_LODS, FORM_STRING, X86_LOAD, SZ_V, SZ_V, EXT_NONE, false, 0, false, 0 },  /* LODSW/D/Q */
	{ 0x6c, X86_OP_INS, FORM_STRING, X86_STORE, 1, 1, EXT_NONE, false, 0, false, 0 },        /* INSB */
	{ 0x6d, X86_OP_INS, FORM_STRING, X86_STORE, SZ_Z, SZ_Z, EXT_NONE, false, 0, false, 0 },  /* INSW/D */
	{ 0x6e, X86_OP_OUTS, FORM_STRING, X86_LOAD, 1, 1, EXT_NONE, false, 0, false, 0 },        /* OUTSB */
	{ 0x6f, X86_OP_OUTS, FORM_STRING, X86_LOAD, SZ_Z, SZ_Z, EXT_NONE, false, 0, false, 0 },  /* OUTSW/D */
	{ 0xa6, X86_OP_CMPS, FORM_STRING, X86_LOAD, 1, 1, EXT_NONE, false, X86_ALU_CMP, false, 0 },
	{ 0xa7, X86_OP_CMPS, FORM_STRING, X86_LOAD, SZ_V, SZ_V, EXT_NONE, false, X86_ALU_CMP, false, 0 },
	{ 0xae, X86_OP_SCAS, FORM_STRING, X86_LOAD, 1, 1, EXT_NONE, false, X86_ALU_CMP, false, 0 },
	{ 0xaf, X86_OP_SCAS, FORM_STRING, X86_LOAD, SZ_V, SZ_V, EXT_NONE, false, X86_ALU_CMP, false, 0 },
	/* ADD, OR, ADC, SBB, AND, SUB, XOR, CMP: r/m8,r8; r/m,r; r8,r/m8; r,r/m */
	ALU_OPS(0x00, X86_ALU_ADD, X86_STORE), ALU_OPS(0x08, X86_ALU_OR, X86_STORE),
	ALU_OPS(0x10, X86_ALU_ADC, X86_STORE), ALU_OPS(0x18, X86_ALU_SBB, X86_STORE),
	ALU_OPS(0x20, X86_ALU_AND, X86_STORE), ALU_OPS(0x28, X86_ALU_SUB, X86_STORE),
	ALU_OPS(0x30, X86_ALU_XOR, X86_STORE), ALU_OPS(0x38, X86_ALU_CMP, X86_LOAD),
	GROUP_OP(0x80, GROUP_1, 1, 1),       /* ADD..CMP r/m8, imm8 */
	GROUP_OP(0x81, GROUP_1, SZ_V, SZ_Z), /* ADD..CMP r/m, immz */
	GROUP_OP(0x83, GROUP_1, SZ_V, 1),    /* ADD..CMP r/m, imm8 */
	ALU_OP(0x84, X86_ALU_TEST, X86_LOAD, 1),    /* TEST r/m8, r8 */
	ALU_OP(0x85, X86_ALU_TEST, X86_LOAD, SZ_V), /* TEST r/m, r */
	ALU_OP(0x86, X86_ALU_XCHG, X86_STORE, 1),    /* XCHG r/m8, r8 */
	ALU_OP(0x87, X86_ALU_XCHG, X86_STORE, SZ_V), /* XCHG r/m, r */
	GROUP_OP(0xf6, GROUP_3, 1, 1),          /* TEST r/m8, imm8; NOT, NEG r/m8 */
	GROUP_OP(0xf7, GROUP_3, SZ_V, SZ_Z),    /* TEST r/m, immz; NOT, NEG r/m */
	GROUP_OP(0xfe, GROUP_4_5, 1, 0),        /* INC, DEC r/m8 */
	GROUP_OP(0xff, GROUP_4_5, SZ_V, 0),     /* INC, DEC r/m */
	IMUL_IMM(0x69, SZ_Z),                   /* IMUL r, r/m, immz */
	IMUL_IMM(0x6b, 1),                      /* IMUL r, r/m, imm8 */
	GROUP_OP(0x8f, GROUP_1A, SZ_S, 0),      /* POP r/m */
	{ 0x8c, X86_OP_STORE_SREG, FORM_MODRM_REG, X86_STORE, 2, 2, EXT_NONE, false, 0, false, 0 }, /* MOV m16, Sreg */
	{ 0x8e, X86_OP_LOAD_SREG, FORM_MODRM_REG, X86_LOAD, 2, 2, EXT_NONE, false, 0, false, 0 },   /* MOV Sreg, m16 */
	STACK_REGS(0x50, X86_OP_PUSH, X86_STORE), /* PUSH r */
	STACK_REGS(0x58, X86_OP_POP, X86_LOAD),   /* POP r */
	STACK_OP(0x68, X86_OP_PUSH, X86_STORE, SZ_Z), /* PUSH immz, sign-extended */
	STACK_OP(0x6a, X86_OP_PUSH, X86_STORE, 1),    /* PUSH imm8, sign-extended */
	STACK_OP(0xc3, X86_OP_RET, X86_LOAD, 0),      /* RET */
	STACK_OP(0xc2, X86_OP_RET, X86_LOAD, 2),      /* RET imm16: then that many bytes more */
	STACK_OP(0xc9, X86_OP_LEAVE, X86_LOAD, 0),    /* LEAVE */
	STACK_OP(0xc8, X86_OP_ENTER, X86_STORE, 2),   /* ENTER imm16, 0 (nesting level 0 only) */
};

/* Opcodes after the 0F escape. */
static const struct opcode_info two_byte_ops[] = {
	{ 0xb6, X86_OP_MOV, FORM_MODRM_REG, X86_LOAD, 1, SZ_V, EXT_ZERO, false, 0, false, 0 }, /* MOVZX r, r/m8 */
	{ 0xb7, X86_OP_MOV, FORM_MODRM_REG, X86_LOAD, 2, SZ_V, EXT_ZERO, false, 0, false, 0 }, /* MOVZX r, r/m16 */
	{ 0xbe, X86_OP_MOV, FORM_MODRM_REG, X86_LOAD, 1, SZ_V, EXT_SIGN, false, 0, false, 0 }, /* MOVSX r, r/m8 */
	{ 0xbf, X86_OP_MOV, FORM_MODRM_REG, X86_LOAD, 2, SZ_V, EXT_SIGN, false, 0, false, 0 }, /* MOVSX r, r/m16 */
	ALU_OP(0xa3, X86_ALU_BT, X86_LOAD, SZ_V),       /* BT r/m, r */
	ALU_OP(0xab, X86_ALU_BTS, X86_STORE, SZ_V),     /* BTS r/m, r */
	ALU_OP(0xb3, X86_ALU_BTR, X86_STORE, SZ_V),     /* BTR r/m, r */
	ALU_OP(0xbb, X86_ALU_BTC, X86_STORE, SZ_V),     /* BTC r/m, r */
	GROUP_OP(0xba, GROUP_8, SZ_V, 1),               /* BT, BTS, BTR, BTC r/m, imm8 */
	ALU_OP(0xb0, X86_ALU_CMPXCHG, X86_STORE, 1),    /* CMPXCHG r/m8, r8 */
	ALU_OP(0xb1, X86_ALU_CMPXCHG, X86_STORE, SZ_V), /* CMPXCHG r/m, r */
	ALU_OP(0xc0, X86_ALU_XADD, X86_STORE, 1),       /* XADD r/m8, r8 */
	ALU_OP(0xc1, X86_ALU_XADD, X86_STORE, SZ_V),    /* XADD r/m, r */
	ALU_REG_FIRST(0xbc, X86_ALU_BSF, SZ_V),         /* BSF r, r/m */
	ALU_REG_FIRST(0xbd, X86_ALU_BSR, SZ_V),         /* BSR r, r/m */
	ALU_REG_FIRST(0xaf, X86_ALU_IMUL, SZ_V),        /* IMUL r, r/m */
	SHIFT_DOUBLE(0xa4, X86_ALU_SHLD, 1),            /* SHLD r/m, r, imm8 */
	SHIFT_DOUBLE(0xa5, X86_ALU_SHLD, 0),            /* SHLD r/m, r, CL */
	SHIFT_DOUBLE(0xac, X86_ALU_SHRD, 1),            /* SHRD r/m, r, imm8 */
	SHIFT_DOUBLE(0xad, X86_ALU_SHRD, 0),            /* SHRD r/m, r, CL */
	GROUP_OP(0x01, GROUP_7, 2, 0),                  /* SMSW m16 */
	GROUP_OP(0x00, GROUP_6, 2, 0),                  /* LTR m16 */
	CMOV_OPS4(0x40), CMOV_OPS4(0x44), CMOV_OPS4(0x48), CMOV_OPS4(0x4c), /* CMOVcc r, r/m */
};

/*
 * The SSE moves between an XMM register (ModRM.reg) and memory, after 0F:
 * the opcode byte and its mandatory prefix (none, 66, F3 or F2) name the
 * instruction (SDM vol. 2, appendix A.3).  Without a prefix, 0F 6E/6F/7E/7F
 * are the MMX moves.  VEX forms are not among them.
 */
struct vector_op {
	uint8_t opcode;
	uint8_t prefix;  /* 0, 0x66, 0xf3 or 0xf2 */
	uint8_t access;  /* enum x86_access */
	uint8_t size;    /* memory bytes; 0: 4, or 8 with REX.W (MOVD/MOVQ) */
	bool aligned;    /* #GP(0) unless 16-byte aligned */
	bool mmx;        /* an MMX register, not an XMM one */
};

static const struct vector_op vector_ops[] = {
	{ 0x10, 0x00, X86_LOAD, 16, false, false },  /* MOVUPS xmm, m128 */
	{ 0x10, 0x66, X86_LOAD, 16, false, false },  /* MOVUPD xmm, m128 */
	{ 0x10, 0xf3, X86_LOAD, 4, false, false },   /* MOVSS xmm, m32 */
	{ 0x10, 0xf2, X86_LOAD, 8, false, false },   /* MOVSD xmm, m64 */
	{ 0x11, 0x00, X86_STORE, 16, false, false }, /* MOVUPS m128, xmm */
	{ 0x11, 0x66, X86_STORE, 16, false, false }, /* MOVUPD m128, xmm */
	{ 0x11, 0xf3, X86_STORE, 4, false, false },  /* MOVSS m32, xmm */
	{ 0x11, 0xf2, X86_STORE, 8, false, false },  /* MOVSD m64, xmm */
	{ 0x28, 0x00, X86_LOAD, 16, true, false },   /* MOVAPS xmm, m128 */
	{ 0x28, 0x66, X86_LOAD, 16, true, false },   /* MOVAPD xmm, m128 */
	{ 0x29, 0x00, X86_STORE, 16, true, false },  /* MOVAPS m128, xmm */
	{ 0x29, 0x66, X86_STORE, 16, true, false },  /* MOVAPD m128, xmm */
	{ 0x2b, 0x00, X86_STORE, 16, true, false },  /* MOVNTPS m128, xmm */
	{ 0x2b, 0x66, X86_STORE, 16, true, false },  /* MOVNTPD m128, xmm */
	{ 0x6e, 0x66, X86_LOAD, 0, false, false },   /* MOVD xmm, r/m32; MOVQ xmm, r/m64 */
	{ 0x7e, 0x66, X86_STORE, 0, false, false },  /* MOVD r/m32, xmm; MOVQ r/m64, xmm */
	{ 0x7e, 0xf3, X86_LOAD, 8, false, false },   /* MOVQ xmm, m64 */
	{ 0xd6, 0x66, X86_STORE, 8, false, false },  /* MOVQ m64, xmm */
	{ 0x6f, 0x66, X86_LOAD, 16, true, false },   /* MOVDQA xmm, m128 */
	{ 0x6f, 0xf3, X86_LOAD, 16, false, false },  /* MOVDQU xmm, m128 */
	{ 0x7f, 0x66, X86_STORE, 16, true, false },  /* MOVDQA m128, xmm */
	{ 0x7f, 0xf3, X86_STORE, 16, false, false }, /* MOVDQU m128, xmm */
	{ 0xe7, 0x66, X86_STORE, 16, true, false },  /* MOVNTDQ m128, xmm */
	{ 0x6e, 0x00, X86_LOAD, 0, false, true },  /* MOVD mm, r/m32; MOVQ mm, r/m64 */
	{ 0x7e, 0x00, X86_STORE, 0, false, true }, /* MOVD r/m32, mm; MOVQ r/m64, mm */
	{ 0x6f, 0x00, X86_LOAD, 8, false, true },  /* MOVQ mm, m64 */
	{ 0x7f, 0x00, X86_STORE, 8, false, true }, /* MOVQ m64, mm */
};

/* Segment override prefixes, indexed by enum x86_seg. */
static const uint8_t seg_prefixes[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };

/* The 16-bit addressing forms by ModRM.rm: base and index registers. */
static const struct {
	int8_t base, index;
} mem16_forms[8] = {
	{ X86_RBX, X86_RSI }, { X86_RBX, X86_RDI }, { X86_RBP, X86_RSI }, { X86_RBP, X86_RDI },
	{ X86_RSI, X86_REG_NONE }, { X86_RDI, X86_REG_NONE },
	{ X86_RBP, X86_REG_NONE }, { X86_RBX, X86_REG_NONE },
};

/* The decoding position and what the prefixes said. */
struct decoder {
	const uint8_t *code;
	size_t avail;
	size_t pos;
	enum x86_cpu_mode mode;
	uint8_t rex;          /* the REX byte, 0 when absent */
	bool opsize_prefix;   /* 66 */
	bool addrsize_prefix; /* 67 */
	bool lock;            /* F0 */
	uint8_t rep;          /* the last of F2 and F3, or 0 */
	int seg;
};

/* All-ones in the low size bytes. */
static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* Sign-extends the low size bytes of v to 64 bits. */
static uint64_t sign_extend(uint64_t v, unsigned size)
{
	uint64_t mask = size_mask(size);
	uint64_t sign = (mask >> 1) + 1;

	return ((v & mask) ^ sign) - sign;
}

/* Reads the next n (<= 8) bytes as a little-endian number. */
static enum x86_decode_status fetch(struct decoder *d, unsigned n, uint64_t *value)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++) {
		if (d->pos >= X86_MAX_INSN_LEN)
			return X86_ERR_INVALID;
		if (d->pos >= d->avail)
			return X86_ERR_TRUNCATED;
		v |= (uint64_t)d->code[d->pos++] << (8 * i);
	}
	*value = v;
	return X86_OK;
}

/* Reads the next byte. */
static enum x86_decode_status fetch_byte(struct decoder *d, uint8_t *byte)
{
	uint64_t v = 0;
	enum x86_decode_status st = fetch(d, 1, &v);

	*byte = (uint8_t)v;
	return st;
}

/* Records a segment override; 64-bit mode ignores ES, CS, SS and DS. */
static void set_segment(struct decoder *d, int seg)
{
	if (d->mode != X86_MODE_64 || seg >= X86_SEG_FS)
		d->seg = seg;
}

/* Records legacy prefix b; false when b is not a legacy prefix. */
static bool legacy_prefix(struct decoder *d, uint8_t b)
{
	switch (b) {
	case 0x66:
		d->opsize_prefix = true;
		return true;
	case 0x67:
		d->addrsize_prefix = true;
		return true;
	case 0xf0:
		d->lock = true;
		return true;
	case 0xf2:
	case 0xf3:
		d->rep = b;
		return true;
	}
	for (int seg = 0; seg < (int)sizeof(seg_prefixes); seg++) {
		if (b == seg_prefixes[seg]) {
			set_segment(d, seg);
			return true;
		}
	}
	return false;
}

/* Whether b is a REX prefix (40-4F are INC/DEC outside 64-bit mode). */
static bool is_rex(const struct decoder *d, uint8_t b)
{
	return d->mode == X86_MODE_64 && (b & 0xf0) == 0x40;
}

/* Consumes the prefixes and the first opcode byte. */
static enum x86_decode_status decode_prefixes(struct decoder *d, uint8_t *opcode)
{
	for (;;) {
		uint8_t b;
		enum x86_decode_status st = fetch_byte(d, &b);

		if (st != X86_OK)
			return st;
		if (is_rex(d, b)) {
			d->rex = b;
		} else if (legacy_prefix(d, b)) {
			d->rex = 0; /* a REX not right before the opcode is ignored */
		} else {
			*opcode = b;
			return X86_OK;
		}
	}
}

/* The entry for opcode in table, or NULL. */
static const struct opcode_info *find_opcode(const struct opcode_info *table, size_t n,
					     uint8_t opcode)
{
	for (size_t i = 0; i < n; i++) {
		if (table[i].opcode == opcode)
			return &table[i];
	}
	return NULL;
}

/* The mandatory prefix of an SSE instruction: F2 or F3 if present (the last), else 66, else 0. */
static uint8_t mandatory_prefix(const struct decoder *d)
{
	return d->rep ? d->rep : d->opsize_prefix ? 0x66 : 0;
}

/* The SSE move 0F opcode is with the decoder's prefixes, or NULL. */
static const struct vector_op *find_vector_op(const struct decoder *d, uint8_t opcode)
{
	uint8_t prefix = mandatory_prefix(d);

	for (size_t i = 0; i < ARRAY_LEN(vector_ops); i++) {
		if (vector_ops[i].opcode == opcode && vector_ops[i].prefix == prefix)
			return &vector_ops[i];
	}
	return NULL;
}

/*
 * Looks up the opcode starting with byte first, reading the byte after an
 * 0F escape: an SSE move into *vector, anything else into *info.
 */
static enum x86_decode_status lookup_opcode(struct decoder *d, uint8_t first,
					    const struct opcode_info **info,
					    const struct vector_op **vector)
{
	const struct opcode_info *op;

	*vector = NULL;
	if (first == 0x0f) {
		uint8_t second;
		enum x86_decode_status st = fetch_byte(d, &second);

		if (st != X86_OK)
			return st;
		*vector = find_vector_op(d, second);
		if (*vector)
			return X86_OK;
		op = find_opcode(two_byte_ops, ARRAY_LEN(two_byte_ops),
				 second);
	} else {
		op = find_opcode(one_byte_ops, ARRAY_LEN(one_byte_ops),
				 first);
	}
	if (!op || (op->long_mode_only && d->mode != X86_MODE_64))
		return X86_ERR_UNSUPPORTED;
	*info = op;
	return X86_OK;
}

/* The operand size from the mode, 66 and REX.W. */
static unsigned operand_size(const struct decoder *d)
{
	if (d->rex & REX_W)
		return 8;
	if (d->mode == X86_MODE_16)
		return d->opsize_prefix ? 4 : 2;
	return d->opsize_prefix ? 2 : 4;
}

/* The address size from the mode and 67. */
static unsigned address_size(const struct decoder *d)
{
	static const uint8_t sizes[][2] = {
		[X86_MODE_16] = { 2, 4 },
		[X86_MODE_32] = { 4, 2 },
		[X86_MODE_64] = { 8, 4 },
	};

	return sizes[d->mode][d->addrsize_prefix];
}

/* A stack element's size (SZ_S): 64-bit mode pushes 8 bytes, or 2 with 66 (REX.W wins). */
static unsigned stack_size(const struct decoder *d)
{
	if (d->mode == X86_MODE_64)
		return d->opsize_prefix && !(d->rex & REX_W) ? 2 : 8;
	return operand_size(d);
}

/* Resolves a table size (bytes, SZ_V or SZ_Z) against the operand size. */
static uint8_t resolve_size(uint8_t size, unsigned opsize)
{
	if (size == SZ_V)
		return (uint8_t)opsize;
	if (size == SZ_Z)
		return (uint8_t)(opsize > 4 ? 4 : opsize);
	if (size == SZ_S)
		return (uint8_t)opsize; /* init_insn took the stack's size as opsize */
	return size;
}

/* Reads an n-byte displacement into out->disp, sign-extended. */
static enum x86_decode_status fetch_disp(struct decoder *d, unsigned n, struct x86_insn *out)
{
	uint64_t v;
	enum x86_decode_status st = fetch(d, n, &v);

	if (st == X86_OK)
		out->disp = n ? (int64_t)sign_extend(v, n) : 0;
	return st;
}

/* The displacement size ModRM.mod selects (before the no-base special cases). */
static unsigned mod_disp_size(unsigned mod, unsigned addr_size)
{
	if (mod == 1)
		return 1;
	if (mod == 2)
		return addr_size == 2 ? 2 : 4;
	return 0;
}

/* Decodes a 16-bit addressing form and its displacement. */
static enum x86_decode_status decode_mem16(struct decoder *d, unsigned mod, unsigned rm,
					   struct x86_insn *out)
{
	unsigned disp_size = mod_disp_size(mod, 2);

	out->base = mem16_forms[rm].base;
	out->index = mem16_forms[rm].index;
	if (mod == 0 && rm == RM16_DISP16) {
		out->base = X86_REG_NONE;
		disp_size = 2;
	}
	return fetch_disp(d, disp_size, out);
}

/* Decodes a SIB byte; a missing base turns the displacement into disp32. */
static enum x86_decode_status decode_sib(struct decoder *d, unsigned mod, struct x86_insn *out,
					 unsigned *disp_size)
{
	uint8_t sib;
	enum x86_decode_status st = fetch_byte(d, &sib);
	int index;

	if (st != X86_OK)
		return st;
	index = MODRM_REG(sib) | (d->rex & REX_X ? 8 : 0);
	out->scale = (uint8_t)(1 << MODRM_MOD(sib));
	out->index = index == SIB_NO_INDEX ? X86_REG_NONE : index;
	if (MODRM_RM(sib) == SIB_NO_BASE && mod == 0) {
		out->base = X86_REG_NONE;
		*disp_size = 4;
	} else {
		out->base = MODRM_RM(sib) | (d->rex & REX_B ? 8 : 0);
	}
	return X86_OK;
}

/* Decodes a 32/64-bit addressing form: SIB, RIP-relative or base, and displacement. */
static enum x86_decode_status decode_mem32(struct decoder *d, unsigned mod, unsigned rm,
					   struct x86_insn *out)
{
	unsigned disp_size = mod_disp_size(mod, out->addr_size);

	if (rm == RM_SIB) {
		enum x86_decode_status st = decode_sib(d, mod, out, &disp_size);

		if (st != X86_OK)
			return st;
	} else if (mod == 0 && rm == RM_DISP32) {
		out->base = d->mode == X86_MODE_64 ? X86_BASE_RIP : X86_REG_NONE;
		disp_size = 4;
	} else {
		out->base = (int)rm | (d->rex & REX_B ? 8 : 0);
	}
	return fetch_disp(d, disp_size, out);
}

/* Decodes the memory operand ModRM names. */
static enum x86_decode_status decode_modrm_memory(struct decoder *d, uint8_t modrm,
						  struct x86_insn *out)
{
	if (MODRM_MOD(modrm) == MOD_REGISTER)
		return X86_ERR_NOT_MEMORY;
	if (out->addr_size == 2)
		return decode_mem16(d, MODRM_MOD(modrm), MODRM_RM(modrm), out);
	return decode_mem32(d, MODRM_MOD(modrm), MODRM_RM(modrm), out);
}

/* Sets the register operand; without REX, byte registers 4-7 are AH, CH, DH, BH. */
static void set_reg_operand(const struct decoder *d, int reg, struct x86_insn *out)
{
	out->reg = reg;
	if (out->reg_size == 1 && !d->rex && reg >= 4 && reg < 8) {
		out->reg_high_byte = true;
		out->reg = reg - 4;
	}
}

/* Decodes ModRM memory and ModRM.reg (REX.R extends it). */
static enum x86_decode_status decode_modrm_reg(struct decoder *d, struct x86_insn *out)
{
	uint8_t modrm;
	enum x86_decode_status st = fetch_byte(d, &modrm);

	if (st == X86_OK)
		st = decode_modrm_memory(d, modrm, out);
	if (st == X86_OK)
		set_reg_operand(d, MODRM_REG(modrm) | (d->rex & REX_R ? 8 : 0), out);
	return st;
}

/*
 * Reads an immediate of imm_size (1 or SZ_Z: 2 or 4 bytes by the operand
 * size) into out->imm, sign-extended to the operand size.
 */
static enum x86_decode_status fetch_imm(struct decoder *d, uint8_t imm_size, struct x86_insn *out)
{
	unsigned n = resolve_size(imm_size, out->size);
	uint64_t imm;
	enum x86_decode_status st = fetch(d, n, &imm);

	if (st == X86_OK)
		out->imm = sign_extend(imm, n) & size_mask(out->size);
	return st;
}

/*
 * Decodes a group's ModRM memory and, where its row has one, the
 * immediate; a ModRM.reg without a row is another instruction.
 */
static enum x86_decode_status decode_group(struct decoder *d, const struct opcode_info *op,
					   struct x86_insn *out)
{
	uint8_t modrm;
	enum x86_decode_status st = fetch_byte(d, &modrm);

	if (st != X86_OK)
		return st;
	const struct group_row *row = &group_ops[op->alu][MODRM_REG(modrm)];
	if (!row->valid)
		return X86_ERR_UNSUPPORTED;
	bool jmp_near = row->op == X86_OP_JMP_NEAR;
	if ((row->op == X86_OP_PUSH || row->op == X86_OP_JMP_FAR || jmp_near) && op->mem_size == 1)
		return X86_ERR_UNSUPPORTED; /* FE /4-/6 */
	if (jmp_near && d->mode == X86_MODE_64 && d->opsize_prefix)
		return X86_ERR_UNSUPPORTED; /* Intel ignores 66 here, AMD jumps to 16 bits: not ours */
	out->op = (enum x86_op)row->op;
	out->alu = row->alu;
	out->access = (enum x86_access)row->access;
	if (out->op == X86_OP_PUSH || jmp_near)
		out->size = out->reg_size = (uint8_t)stack_size(d); /* 8 in 64-bit mode, as RIP */
	st = decode_modrm_memory(d, modrm, out);
	if (st != X86_OK || !row->imm)
		return st;
	return fetch_imm(d, op->imm_size, out);
}

/*
 * The operands of an instruction whose memory is the stack's alone: PUSH
 * and POP r (the register in the opcode's low bits, REX.B extending it),
 * PUSH imm (sign-extended to the element), RET imm16 and ENTER imm16, 0
 * (the immediate unsigned); ENTER's nesting levels above 0 are not ours.
 */
static enum x86_decode_status decode_stack(struct decoder *d, const struct opcode_info *op,
					   struct x86_insn *out)
{
	uint64_t level;
	enum x86_decode_status st = X86_OK;

	out->stack_only = true;
	if (op->opcode >= 0x50 && op->opcode <= 0x5f)
		out->reg = (op->opcode & 7) | (d->rex & REX_B ? 8 : 0);
	else if (op->op == X86_OP_PUSH)
		st = fetch_imm(d, op->imm_size, out);
	else if (op->imm_size)
		st = fetch(d, 2, &out->imm);
	if (st == X86_OK && op->op == X86_OP_ENTER) {
		st = fetch(d, 1, &level);
		if (st == X86_OK && level)
			return X86_ERR_UNSUPPORTED;
	}
	return st;
}

/* Decodes a direct address (moffs) of address size; the register is AL/eAX/rAX. */
static enum x86_decode_status decode_moffs(struct decoder *d, struct x86_insn *out)
{
	uint64_t moffs;
	enum x86_decode_status st = fetch(d, out->addr_size, &moffs);

	if (st == X86_OK) {
		out->disp = (int64_t)moffs;
		out->reg = X86_RAX;
	}
	return st;
}

/* The fields the opcode and prefixes determine before any operand byte is read. */
static void init_insn(const struct decoder *d, const struct opcode_info *op,
		      struct x86_insn *out)
{
	unsigned opsize = op->mem_size == SZ_S ? stack_size(d) : operand_size(d);

	*out = (struct x86_insn){
		.op = (enum x86_op)op->op,
		.access = (enum x86_access)op->access,
		.size = resolve_size(op->mem_size, opsize),
		.reg_size = resolve_size(op->reg_size, opsize),
		.reg = X86_REG_NONE,
		.alu = op->form == FORM_GROUP ? 0 : op->alu,
		.cc = op->op == X86_OP_CMOV ? op->opcode & 15 : 0,
		.reg_first = op->reg_first,
		.sign_extend = op->ext == EXT_SIGN,
		.zero_extend = op->ext == EXT_ZERO,
		.base = X86_REG_NONE,
		.index = X86_REG_NONE,
		.scale = 1,
		.seg = d->seg,
		.addr_size = (uint8_t)address_size(d),
	};
}

/* Decodes the bytes after the opcode according to its form. */
static enum x86_decode_status decode_operands(struct decoder *d, const struct opcode_info *op,
					      struct x86_insn *out)
{
	switch (op->form) {
	case FORM_MODRM_REG: {
		enum x86_decode_status st = decode_modrm_reg(d, out);
		if (st != X86_OK || !op->imm_size)
			return st;
		out->imm_source = true;
		return fetch_imm(d, op->imm_size, out);
	}
	case FORM_GROUP:
		return decode_group(d, op, out);
	case FORM_MOFFS:
		return decode_moffs(d, out);
	case FORM_STACK:
		return decode_stack(d, op, out);
	default:
		out->reg = op->op == X86_OP_STOS || op->op == X86_OP_LODS || op->op == X86_OP_SCAS
				   ? X86_RAX : X86_REG_NONE;
		return X86_OK;
	}
}

/*
 * An SSE or MMX move: the XMM register from ModRM.reg (REX.R extends it), the
 * memory operand from ModRM.  The mandatory prefix is no operand-size or
 * REP prefix here; LOCK is #UD.
 */
static enum x86_decode_status decode_vector(struct decoder *d, const struct vector_op *vop,
					    struct x86_insn *out)
{
	uint8_t size = vop->size ? vop->size : d->rex & REX_W ? 8 : 4;

	*out = (struct x86_insn){
		.op = vop->mmx ? X86_OP_MMOV : X86_OP_VMOV,
		.access = (enum x86_access)vop->access,
		.aligned = vop->aligned,
		.size = size,
		.reg_size = vop->mmx ? 8 : 16,
		.base = X86_REG_NONE,
		.index = X86_REG_NONE,
		.scale = 1,
		.seg = d->seg,
		.addr_size = (uint8_t)address_size(d),
	};
	enum x86_decode_status st = decode_modrm_reg(d, out);
	if (st != X86_OK)
		return st;
	if (d->lock)
		return X86_ERR_INVALID;
	if (vop->mmx)
		out->reg &= 7; /* REX.R does not extend an MMX register */
	out->length = (uint8_t)d->pos;
	return X86_OK;
}

/*
 * Whether F2 or F3 (rep) is REP on op: F3 on the string forms, F2 on CMPS
 * and SCAS too.  Elsewhere they are XACQUIRE/XRELEASE or undefined: not ours.
 */
static bool rep_allowed(const struct opcode_info *op, uint8_t rep)
{
	if (op->form != FORM_STRING)
		return false;
	return rep == 0xf3 || op->op == X86_OP_CMPS || op->op == X86_OP_SCAS;
}

/* Whether LOCK is legal: on an ALU form that writes its memory operand (SDM, LOCK). */
static bool lock_allowed(const struct x86_insn *in)
{
	return in->op == X86_OP_ALU && in->access == X86_STORE;
}

enum x86_decode_status x86_decode(const uint8_t *code, size_t avail, enum x86_cpu_mode mode,
				  struct x86_insn *out)
{
	struct decoder d = { .code = code, .avail = avail, .mode = mode, .seg = X86_SEG_DEFAULT };
	const struct opcode_info *op;
	const struct vector_op *vector;
	struct x86_insn insn;
	enum x86_decode_status st;
	uint8_t opcode;

	if ((unsigned)mode > X86_MODE_64)
		return X86_ERR_UNSUPPORTED;
	st = decode_prefixes(&d, &opcode);
	if (st == X86_OK)
		st = lookup_opcode(&d, opcode, &op, &vector);
	if (st != X86_OK)
		return st;
	if (vector) {
		st = decode_vector(&d, vector, &insn);
		if (st == X86_OK)
			*out = insn;
		return st;
	}
	if (d.rep && !rep_allowed(op, d.rep))
		return X86_ERR_UNSUPPORTED; /* e.g. F3 88: XRELEASE MOV; F2 A4 is undefined */
	init_insn(&d, op, &insn);
	insn.rep = d.rep;
	insn.repne = d.rep == 0xf2;
	st = decode_operands(&d, op, &insn);
	if (st != X86_OK)
		return st;
	if (d.lock && !lock_allowed(&insn))
		return X86_ERR_INVALID; /* #UD */
	if (insn.op == X86_OP_STORE_SREG || insn.op == X86_OP_LOAD_SREG) {
		insn.reg &= 7; /* ModRM.reg names the segment register; REX.R does not extend it */
		if (insn.reg > X86_SEG_GS || (insn.op == X86_OP_LOAD_SREG && insn.reg == X86_SEG_CS))
			return X86_ERR_INVALID; /* #UD */
	}
	insn.lock = d.lock;
	insn.length = (uint8_t)d.pos;
	*out = insn;
	return X86_OK;
}

const char *x86_decode_strerror(enum x86_decode_status s)
{
	static const char *const messages[X86_STATUS_COUNT] = {
		[X86_OK] = "ok",
		[X86_ERR_TRUNCATED] = "instruction truncated",
		[X86_ERR_UNSUPPORTED] = "unsupported instruction",
		[X86_ERR_NOT_MEMORY] = "operand is a register, not memory",
		[X86_ERR_INVALID] = "invalid instruction",
	};

	if ((unsigned)s >= X86_STATUS_COUNT)
		return "unknown status";
	return messages[s];
}

uint64_t x86_load_result(const struct x86_insn *in, uint64_t mem_value, uint64_t old_reg)
{
	uint64_t value = in->sign_extend ? sign_extend(mem_value, in->size)
					 : mem_value & size_mask(in->size);
	uint64_t reg_mask = size_mask(in->reg_size);

	if (in->reg_high_byte)
		return (old_reg & ~0xff00ULL) | ((value & 0xff) << 8);
	if (in->reg_size >= 4)
		return value & reg_mask; /* 32-bit writes zero bits 32-63 */
	return (old_reg & ~reg_mask) | (value & reg_mask);
}

uint64_t x86_store_value(const struct x86_insn *in, uint64_t reg_value)
{
	if (in->reg == X86_REG_NONE)
		return in->imm;
	if (in->reg_high_byte)
		return (reg_value >> 8) & 0xff;
	return reg_value & size_mask(in->size);
}

uint64_t x86_mem_offset(const struct x86_insn *in, const uint64_t regs[X86_NUM_REGS],
			uint64_t rip)
{
	uint64_t offset = (uint64_t)in->disp;

	if (in->base == X86_BASE_RIP)
		offset += rip + in->length;
	else if (in->base >= 0)
		offset += regs[in->base];
	if (in->index >= 0)
		offset += regs[in->index] * in->scale;
	return offset & size_mask(in->addr_size);
}
