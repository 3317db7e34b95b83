#!/bin/bash
# Types on the emulated PS/2 keyboard for a test run.  Waits until
# SERIAL_LOG (written by the emulator or by serial-feed.sh) asks for input
# (a line "# keys please" or "# input please"), then types the next line of
# INPUT, Enter after it, a short pause between keys: line k once the machine
# has asked k times.  In a line, \b presses Backspace and \n Enter (more
# than one line for the guest that asked).  Exits when done, or when the
# machine stops asking.
#   tests/boot/key-feed.sh qemu PORT INPUT SERIAL_LOG
#       QEMU's human monitor at 127.0.0.1:PORT (QEMU started with
#       -monitor tcp:127.0.0.1:PORT,server=on,wait=off): `sendkey`.
#   tests/boot/key-feed.sh bochs BOCHS_LOG INPUT SERIAL_LOG
#       Bochs's display, a VNC (RFB) server on the port its log BOCHS_LOG
#       names: key events, as a VNC viewer sends them.
emu=$1 where=$2 input=$3 log=$4
trigger='^# (keys|input) please'
key_pause=0.15  # seconds between keys: QEMU holds each key down for 100 ms
wait_limit=600  # 0.1 s rounds to wait for the emulator and for the trigger

# Waits until command "$@" succeeds; false after wait_limit rounds.
wait_for() {
	local n
	for ((n = 0; n < wait_limit; n++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

connect() {
	{ exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null
}

# --- QEMU: the monitor's sendkey ---------------------------------------------

# QEMU key names of the characters that are not their own key name.
declare -A key_names=(
	[' ']=spc [-]=minus [=]=equal [.]=dot [,]=comma [/]=slash [';']=semicolon
	["'"]=apostrophe ['[']=bracket_left [']']=bracket_right ['\']=backslash
	['`']=grave_accent
)

# Presses the key of character $1 (empty: Enter; \b: Backspace); false if there is none.
qemu_press() {
	local c=$1 key
	case $c in
	'') key=ret ;;
	$'\b') key=backspace ;;
	[a-z0-9]) key=$c ;;
	[A-Z]) key="shift-${c,}" ;;
	*) key=${key_names[$c]:-} ;;
	esac
	[ -n "$key" ] || return 1
	printf 'sendkey %s\n' "$key" >&3
}

# --- Bochs: RFB key events ---------------------------------------------------

# Sends an RFB KeyEvent: message type 4, down flag $1, 2 bytes of padding,
# X11 keysym $2 (32 bits, big-endian).
rfb_key() {
	printf "\\x04\\x$(printf %02x "$1")\\x00\\x00\\x$(printf %02x $(($2 >> 24 & 255)))\\x$(printf %02x $(($2 >> 16 & 255)))\\x$(printf %02x $(($2 >> 8 & 255)))\\x$(printf %02x $(($2 & 255)))" >&3
}

# Presses the key of character $1 (empty: Enter; \b: Backspace).  A printable ASCII
# character is its own keysym; Bochs maps it to its key without Shift, so
# capitals and shifted symbols get Shift around them.
bochs_press() {
	local c=$1 sym shift=0
	if [ -z "$c" ]; then
		sym=$((0xff0d)) # XK_Return
	elif [ "$c" = $'\b' ]; then
		sym=$((0xff08)) # XK_BackSpace
	else
		sym=$(printf %d "'$c")
		[ "$sym" -ge 32 ] && [ "$sym" -le 126 ] || return 1
		[[ $c == [A-Z] || '!@#$%^&*()_+{}|:"<>?~' == *"$c"* ]] && shift=1
	fi
	[ "$shift" = 1 ] && rfb_key 1 $((0xffe1)) # XK_Shift_L
	rfb_key 1 "$sym"
	rfb_key 0 "$sym"
	[ "$shift" = 1 ] && rfb_key 0 $((0xffe1))
	return 0
}

# The port Bochs's display listens on, once its log says.
rfb_port() {
	sed -n 's/.*listening for connections on port \([0-9]*\).*/\1/p' "$where" 2>/dev/null | tail -1
}

# Connects as a VNC viewer: protocol 3.3 (Bochs offers no authentication), shared.
rfb_connect() {
	local port
	port=$(rfb_port)
	[ -n "$port" ] && connect "$port" && printf 'RFB 003.003\n\x01' >&3
}

# --- typing ------------------------------------------------------------------

case $emu in
qemu)
	wait_for connect "$where" || { echo "key-feed: no monitor at port $where" >&2; exit 1; }
	press=qemu_press ;;
bochs)
	wait_for rfb_connect || { echo "key-feed: no Bochs display in $where" >&2; exit 1; }
	press=bochs_press ;;
*)
	echo "key-feed: unknown emulator '$emu'" >&2
	exit 2 ;;
esac
cat <&3 >/dev/null & # the emulator's replies and screen updates: read so that they never block it
reader=$!
trap 'kill "$reader" 2>/dev/null' EXIT

# Types line $1 (\b Backspace, \n Enter), then Enter.
type_line() {
	local line=$1 i c
	for ((i = 0; i < ${#line}; i++)); do
		c=${line:i:1}
		case ${line:i:2} in
		'\b') c=$'\b' i=$((i + 1)) ;;
		'\n') c='' i=$((i + 1)) ;;
		esac
		"$press" "$c" || echo "key-feed: no key for '$c'" >&2
		sleep "$key_pause"
	done
	"$press" ""
	sleep "$key_pause"
}

# True once the machine has asked at least $1 times.
asked_at_least() {
	local n
	n=$(grep -cE -- "$trigger" "$log" 2>/dev/null)
	[ "${n:-0}" -ge "$1" ]
}

asked=0
while IFS= read -r line || [ -n "$line" ]; do
	asked=$((asked + 1))
	wait_for asked_at_least "$asked" ||
		{ echo "key-feed: asked fewer than $asked times in $log" >&2; exit 1; }
	type_line "$line"
done <"$input"
exec 3>&-
