/* In-kernel boot tests, chosen with test=NAME on the kernel command line. */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

/*
 * Runs the suite or single case called name ("list" prints the cases),
 * printing "ok N name" / "not ok N name" / "skip N name # why" lines and
 * an "end of tests" summary, then ends the emulator with the result.
 */
void __attribute__((noreturn)) ktest_main(const char *name);

#endif
