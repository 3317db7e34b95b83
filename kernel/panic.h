#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

/* Exit statuses the boot-test runner understands (QEMU reports (s << 1) | 1). */
enum machine_status { EXIT_TESTS_PASSED = 0, EXIT_TESTS_FAILED = 1, EXIT_PANIC = 3 };

void __attribute__((noreturn)) machine_exit(enum machine_status s);
void __attribute__((noreturn, format(printf, 1, 2))) panic(const char *fmt, ...);
/* A panic's first step, which exception_report takes before its report: interrupts off, the other CPUs halted. */
void panic_stop_others(void);

#endif
