# The VMM's guest lines for kvm-unit-tests: reads x86/unittests.cfg and
# prints, for each case named in the file `cases` (in its order), a line
#   guest NAME kernel=IMAGE cmdline="ARGS" memory=64M vcpus=N test=debug-exit timeout=S
# from the case's section: file (the image), smp (vCPUs, 1 if absent),
# test_args (the command line, as QEMU's -append) and timeout (seconds,
# 90 if absent, as kvm-unit-tests' runner has it).  A case without a
# section is an error.  QEMU's own settings (qemu_params) are not carried
# over; docs/testing.md says what stands in for them.
function flush() {
	if (name != "")
		line[name] = sprintf("guest %s kernel=%s cmdline=\"%s\" memory=64M vcpus=%d test=debug-exit timeout=%d",
				     name, file, args, smp, timeout)
}
/^\[.*\]$/ {
	flush()
	name = substr($0, 2, length($0) - 2)
	file = ""; args = ""; smp = 1; timeout = 90
	next
}
/^file *=/      { file = value($0) }
/^smp *=/       { smp = value($0) + 0 }
/^test_args *=/ { args = value($0) }
/^timeout *=/   { timeout = value($0) + 0 }
function value(s) {
	sub(/^[^=]*= */, "", s)
	sub(/ *$/, "", s)
	if (s ~ /^'.*'$/ || s ~ /^".*"$/)
		s = substr(s, 2, length(s) - 2)
	return s
}
END {
	flush()
	while ((getline c < cases) > 0) {
		if (!(c in line)) {
			print "kvm-unit-tests has no case " c > "/dev/stderr"
			exit 1
		}
		print line[c]
	}
}
