/*
 * Scancode set 1, US layout (keymap.h).  Keys that type characters sit in
 * rows of consecutive make codes; a row lists its characters without and
 * with Shift.  Caps Lock works as Shift on letters only.  Key repeat sends
 * the make code again, which types the character again.
 */
#include "keymap.h"
#include "array.h"


#define BREAK_BIT     0x80 /* set in a break code */
#define PREFIX_E0     0xe0 /* extended key: one code follows */
#define PREFIX_E1     0xe1 /* Pause: codes follow, each harmless when ignored */

/* Modifier keys, as bits of keymap_state.held. */
enum modifier {
	MOD_LEFT_SHIFT = 1 << 0,
	MOD_RIGHT_SHIFT = 1 << 1,
	MOD_CAPS_LOCK = 1 << 2, /* held, so that key repeat toggles only once */
};

#define MOD_SHIFT (MOD_LEFT_SHIFT | MOD_RIGHT_SHIFT)

static const uint8_t modifier_of[] = {
	[0x2a] = MOD_LEFT_SHIFT,
	[0x36] = MOD_RIGHT_SHIFT,
	[0x3a] = MOD_CAPS_LOCK,
};

/* Keys with make codes first, first + 1, ...: their characters, plain and shifted. */
struct key_row {
	uint8_t first;
	const char *plain;
	const char *shifted;
};

static const struct key_row rows[] = {
	{ 0x02, "1234567890-=\b\t", "!@#$%^&*()_+\b\t" }, /* .. Backspace, Tab */
	{ 0x10, "qwertyuiop[]\n", "QWERTYUIOP{}\n" },     /* .. Enter */
	{ 0x1e, "asdfghjkl;'`", "ASDFGHJKL:\"~" },
	{ 0x2b, "\\zxcvbnm,./", "|ZXCVBNM<>?" },
	{ 0x39, " ", " " },                                /* Space */
};

static bool is_letter(char c)
{
	return c >= 'a' && c <= 'z';
}

/* Number of characters in a row (its strings hold no NUL before the end). */
static unsigned int row_len(const struct key_row *row)
{
	unsigned int n = 0;

	while (row->plain[n])
		n++;
	return n;
}

/* The character a make code types with the current modifiers, or KEYMAP_NONE. */
static int character(const struct keymap_state *s, uint8_t code)
{
	for (unsigned int i = 0; i < ARRAY_LEN(rows); i++) {
		const struct key_row *row = &rows[i];
		unsigned int at = code - row->first;
		bool shift;

		if (code < row->first || at >= row_len(row))
			continue;
		shift = (s->held & MOD_SHIFT) != 0;
		if (s->caps_lock && is_letter(row->plain[at]))
			shift = !shift;
		return shift ? row->shifted[at] : row->plain[at];
	}
	return KEYMAP_NONE;
}

/* Tracks a modifier key going down or up; Caps Lock toggles on its first make. */
static void update_modifier(struct keymap_state *s, uint8_t mod, bool pressed)
{
	if (mod == MOD_CAPS_LOCK && pressed && !(s->held & MOD_CAPS_LOCK))
		s->caps_lock = !s->caps_lock;
	if (pressed)
		s->held |= mod;
	else
		s->held &= ~mod;
}

int keymap_decode(struct keymap_state *s, uint8_t code)
{
	uint8_t key = code & ~BREAK_BIT;
	bool pressed = !(code & BREAK_BIT);

	if (code == PREFIX_E0 || code == PREFIX_E1) {
		s->after_prefix = true;
		return KEYMAP_NONE;
	}
	if (s->after_prefix) {
		s->after_prefix = false; /* also drops the fake shifts around extended keys */
		return KEYMAP_NONE;
	}
	if (key < ARRAY_LEN(modifier_of) && modifier_of[key]) {
		update_modifier(s, modifier_of[key], pressed);
		return KEYMAP_NONE;
	}
	return pressed ? character(s, key) : KEYMAP_NONE;
}
