#!/bin/sh
# Compiles a partition configuration (docs/partitions.md, "Configuration") into what
# the root task and the VMMs read, and the ISO's boot modules:
#   tools/partitions.sh CONFIG OUTDIR BUILD "PROGRAMS"
# CONFIG is the file a user edits; BUILD the build directory (${BUILD} in
# CONFIG); PROGRAMS the project's programs a server line may name by name
# (make's PROGRAM_DIRS, e.g. "root echo vmm serial ata kbd").  Writes
#   OUTDIR/system.cfg   the root's configuration (docs/root-task.md)
#   OUTDIR/NAME.cfg     each partition's VMM configuration (docs/vmm.md)
#   OUTDIR/deps.mk      for make: CONFIG_MODULES (mkiso.sh's FILE:NAME list),
#                       CONFIG_UNTYPED_MIB, CONFIG_DISK, CONFIG_MEGS
# Line N of system.cfg and of each NAME.cfg is what line N of CONFIG became
# (or blank), so the root's and the VMMs' messages at boot ("root: config:
# line 7: ...", "vmm: linux_a.cfg: line 9: ...") name CONFIG's lines.  Each
# error here is "CONFIG: line N: option 'KEY': ..." and writes nothing.
set -eu
config=$1 out=$2 build=$3 programs=$4
[ -f "$config" ] || { echo "$config: no such file" >&2; exit 1; }
mkdir -p "$out"
tmp=$(mktemp -d "$out/.new.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

awk -v config="$config" -v tmp="$tmp" -v out="$out" -v build="$build" \
	-v programs="$programs" -v dir="$(dirname "$config")" '
function fail(msg) {
	printf "%s: line %d: %s\n", config, NR, msg > "/dev/stderr"
	failed = 1
	exit 1
}
function fail_option(key, msg) { fail("option '\''" key "'\'': " msg) }

# Splits the line into words[1..n] at blanks outside double quotes; a word
# starting with # (outside quotes) ends the line, as both parsers have it.
function split_words(line,   i, c, w, quoted, n) {
	n = 0; w = ""; quoted = 0
	for (i = 1; i <= length(line); i++) {
		c = substr(line, i, 1)
		if (!quoted && (c == " " || c == "\t" || c == "\r")) {
			if (w != "") words[++n] = w
			w = ""
			continue
		}
		if (!quoted && w == "" && c == "#")
			break
		if (c == "\"") quoted = !quoted
		w = w c
	}
	if (quoted) fail("unterminated quote")
	if (w != "") words[++n] = w
	return n
}

function valid_name(s) { return s ~ /^[A-Za-z0-9_.-]+$/ && length(s) <= 31 }

# A size as both parsers take it (bytes, or with K, M or G) in bytes; -1 if not one.
function size_bytes(s,   m) {
	if (s !~ /^[0-9]+[KMG]?$/) return -1
	m = 1
	if (s ~ /K$/) m = 1024
	if (s ~ /M$/) m = 1048576
	if (s ~ /G$/) m = 1073741824
	sub(/[KMG]$/, "", s)
	return s * m
}

# The file an option names: ${BUILD} expanded, relative to the directory
# of CONFIG; checked.
function file_path_of(key, path) {
	if (path == "") fail_option(key, "names no file")
	gsub(/\$\{BUILD\}/, build, path)
	if (path ~ /\$/) fail_option(key, "\"" path "\": only ${BUILD} is expanded")
	if (path !~ /^\// && dir != ".") path = dir "/" path
	if (path !~ /^[A-Za-z0-9._\/+@-]+$/)
		fail_option(key, "\"" path "\": only a path of letters, digits and . _ / + @ - is supported")
	# A file under the build directory is one make builds; any other must exist now.
	if (index(path, build "/") != 1) {
		if (system("test -d \"" path "\"") == 0) fail_option(key, "\"" path "\": a directory, not a file")
		if (system("test -f \"" path "\"") != 0) fail_option(key, "\"" path "\": no such file")
	}
	return path
}

# The boot module of the file an option names: a placeholder, its name given at the end.
function file_module(key, path) {
	path = file_path_of(key, path)
	if (!(path in file_index)) {
		file_index[path] = ++files
		file_path[files] = path
	}
	return "\001" file_index[path] "\001"
}

function file_modules(key, list,   parts, k, n, r) {
	n = split(list, parts, ",")
	r = ""
	for (k = 1; k <= n; k++) r = r (k > 1 ? "," : "") file_module(key, parts[k])
	return r
}

# A program of the project, as a server line names it (module=NAME, or its own name).
function program_module(key, name) {
	if (!(name in is_program))
		fail_option(key, "no program \"" name "\" (one of:" programs_list "; or the path of one)")
	if (!(name in program_used)) {
		program_used[name] = 1
		program_order[++programs_n] = name
	}
	return name
}

# The options of a server or partition line, after its name: rewritten
# where they name files, the others as they are (budget= and any option
# the root knows are passed on; the root checks them at boot).
function server_options(first, n, kind,   i, key, val, r) {
	r = ""
	for (i = first; i <= n; i++) {
		key = words[i]; val = ""
		if (index(key, "=")) { val = substr(key, index(key, "=") + 1); key = substr(key, 1, index(key, "=") - 1) }
		seen[key] = 1
		if (kind == "partition" && (key == "module" || key == "modules"))
			fail_option(key, "a partition is a VMM: its guest lines name its modules")
		if (key == "module")
			words[i] = "module=" (val ~ /\// ? file_module(key, val) : program_module(key, val))
		else if (key == "modules")
			words[i] = "modules=" file_modules(key, val)
		else if (key == "untyped")
			untyped_given = size_bytes(val)
		else if (key == "cpu")
			cpu_given = val
		r = r " " words[i]
	}
	return r
}

function server_line(n,   name) {
	if (n < 2) fail("expected '\''server NAME ...'\''")
	name = words[2]
	if (!valid_name(name)) fail("server name \"" name "\": 1-31 characters of A-Z a-z 0-9 _ - .")
	delete seen; untyped_given = -1; cpu_given = ""
	line_text = "server " name server_options(3, n, "server")
	if (!("module" in seen)) line_text = line_text " module=" program_module("module", name)
	system_line[NR] = line_text
	untyped_total += untyped_given > 0 ? untyped_given : 0
	partition = ""
}

function partition_line(n,   name, defaults) {
	if (n < 2) fail("expected '\''partition NAME ...'\''")
	name = words[2]
	if (!valid_name(name) || length(name) > 27)
		fail("partition name \"" name "\": 1-27 characters of A-Z a-z 0-9 _ - . (its VMM reads module NAME.cfg)")
	if (name in is_partition) fail("partition \"" name "\" is defined twice")
	is_partition[name] = NR
	partition = name
	partition_order[++partitions] = name
	delete seen; untyped_given = -1; cpu_given = ""
	line_text = server_options(3, n, "partition")
	partition_cpu[name] = cpu_given
	# What every VMM needs unless the line says otherwise (iso/system.cfg'\''s VMM).
	defaults = ""
	if (!("priority" in seen)) defaults = defaults " priority=60"
	if (!("memory" in seen)) defaults = defaults " memory=1M"
	if (!("console" in seen) && !("console_driver" in seen)) defaults = defaults " console"
	partition_head[name] = "server " name " module=" program_module("module", "vmm") defaults
	partition_tail[name] = line_text
	partition_untyped[name] = untyped_given
	partition_line_no[name] = NR
	guest_ram[name] = 0
	guests[name] = 0
}

# A guest line: the VMM'\''s syntax, its file options naming files.
function guest_line(n,   i, key, val, bytes, page, r, cpus_given) {
	if (partition == "") fail("a guest line belongs to the partition line above it, and there is none")
	if (n < 2) fail("expected '\''guest NAME ...'\''")
	r = "guest " words[2]
	bytes = 1048576; page = 4096
	for (i = 3; i <= n; i++) {
		key = words[i]; val = ""
		if (index(key, "=")) { val = substr(key, index(key, "=") + 1); key = substr(key, 1, index(key, "=") - 1) }
		if (key == "kernel" || key == "initrd" || key == "module")
			words[i] = key "=" file_module(key, val)
		else if (key == "modules")
			words[i] = key "=" file_modules(key, val)
		else if (key == "memory" && size_bytes(val) > 0)
			bytes = size_bytes(val)
		else if (key == "pages" && size_bytes(val) > 0)
			page = size_bytes(val)
		else if (key == "cpus")
			cpus_given = 1
		r = r " " words[i]
	}
	# The partition'\''s cpu=: its guests'\'' vCPUs there too, unless the guest line says.
	if (!cpus_given && partition_cpu[partition] != "")
		r = r " cpus=" partition_cpu[partition]
	guest_line_text[partition, NR] = r
	guest_lines[partition] = guest_lines[partition] " " NR
	guest_ram[partition] += bytes + page # its RAM, at any alignment of its page size
	guests[partition]++
}

function machine_line(n,   i, key, val) {
	for (i = 2; i <= n; i++) {
		key = words[i]; val = ""
		if (index(key, "=")) { val = substr(key, index(key, "=") + 1); key = substr(key, 1, index(key, "=") - 1) }
		if (key == "disk")
			machine_disk = file_path_of(key, val) # the emulator'\''s disk, not a boot module
		else if (key == "memory") {
			if (size_bytes(val) < 1048576) fail_option(key, "\"" val "\" is not a size of 1M or more")
			machine_megs = int(size_bytes(val) / 1048576)
		} else if (key == "cpus") {
			if (val !~ /^([1-9]|1[0-6])$/) fail_option(key, "\"" val "\" is not 1 to 16")
			machine_cpus = val
		} else
			fail_option(key, "unknown (a machine line takes disk=, memory= and cpus=)")
	}
}

BEGIN {
	programs_list = ""
	np = split(programs, plist, " ")
	for (i = 1; i <= np; i++) { is_program[plist[i]] = 1; programs_list = programs_list " " plist[i] }
}
{
	n = split_words($0)
	if (n == 0) next
	if (words[1] == "server") server_line(n)
	else if (words[1] == "partition") partition_line(n)
	else if (words[1] == "guest") guest_line(n)
	else if (words[1] == "machine") machine_line(n)
	else fail("\"" words[1] "\": unknown (a line is server, partition, guest or machine)")
}
# Gives each file its module name: the programs'\'', root, config and each
# NAME.cfg are taken first; then each file its base name, made unique
# with -2, -3, ...
function name_files(   i, p, f, k, base, name) {
	used["root"] = used["config"] = 1
	for (i = 1; i <= programs_n; i++) used[program_order[i]] = 1
	for (p = 1; p <= partitions; p++) used[partition_order[p] ".cfg"] = 1
	for (f = 1; f <= files; f++) {
		base = file_path[f]; sub(/.*\//, "", base)
		gsub(/[^A-Za-z0-9_.-]/, "_", base)
		base = substr(base, 1, 27)
		name = base
		for (k = 2; name in used; k++) name = base "-" k
		used[name] = 1
		file_name[f] = name
	}
}

# t with its files'\'' placeholders replaced by their module names, each
# new one added to the list named_files (",NAME" each).
function resolve(t,   f) {
	while (match(t, /\001[0-9]+\001/)) {
		f = substr(t, RSTART + 1, RLENGTH - 2)
		if (!(f in named)) { named[f] = 1; named_files = named_files "," file_name[f] }
		t = substr(t, 1, RSTART - 1) file_name[f] substr(t, RSTART + RLENGTH)
	}
	return t
}

# Writes partition name'\''s VMM configuration and completes its server line.
function write_partition(name,   l, nl, gl, text, untyped) {
	if (guests[name] == 0) { NR = partition_line_no[name]; fail("partition \"" name "\" has no guest line") }
	delete named; named_files = ""
	nl = split(guest_lines[name], gl, " ")
	for (l = 1; l <= nl; l++) text[gl[l]] = resolve(guest_line_text[name, gl[l]])
	for (l = 1; l <= lines; l++) print ((l in text) ? text[l] : "") > (tmp "/" name ".cfg")
	untyped = partition_untyped[name]
	if (untyped <= 0) {
		# The guests run at once: their RAM, and 32 MiB for their objects and tables.
		untyped = int((guest_ram[name] + 33554432 + 1048575) / 1048576) * 1048576
		partition_tail[name] = partition_tail[name] " untyped=" (untyped / 1048576) "M"
	}
	untyped_total += untyped
	# The VMM gets its configuration and every file its guests name.
	system_line[partition_line_no[name]] = partition_head[name] partition_tail[name] \
		" modules=" name ".cfg" named_files
}

END {
	if (failed) exit 1
	lines = NR
	if (partitions == 0) { NR = lines; fail("no partition line: nothing would run") }
	name_files()
	modules = "$(BUILD)/prog/root.elf:root " out "/system.cfg:config"
	for (i = 1; i <= programs_n; i++)
		modules = modules " $(BUILD)/prog/" program_order[i] ".elf:" program_order[i]
	for (p = 1; p <= partitions; p++) {
		write_partition(partition_order[p])
		modules = modules " " out "/" partition_order[p] ".cfg:" partition_order[p] ".cfg"
	}
	for (f = 1; f <= files; f++) modules = modules " " file_path[f] ":" file_name[f]
	count = 2 + programs_n + partitions + files
	if (count > 57) { NR = lines; fail("the configuration makes " count " boot modules; the kernel takes 57") }
	for (l = 1; l <= lines; l++) print resolve((l in system_line) ? system_line[l] : "") > (tmp "/system.cfg")
	mk = tmp "/deps.mk"
	print "# Made by tools/partitions.sh from " config ": the boot modules, as iso/mkiso.sh takes them." > mk
	print "CONFIG_MODULES := " modules > mk
	print "CONFIG_UNTYPED_MIB := " int((untyped_total + 1048575) / 1048576) > mk
	print "CONFIG_DISK := " machine_disk > mk
	print "CONFIG_MEGS := " machine_megs > mk
	print "CONFIG_CPUS := " machine_cpus > mk
}
' "$config"
rm -f "$out"/*.cfg
mv "$tmp"/* "$out"/
