/*
 * Shared by the driver servers (and their test programs): the request loop
 * every server runs, starting a helper thread that serves an IRQ, and the
 * loop of a test program that reports "ok N name" lines.
 */
#ifndef MOAT_SERVER_H
#define MOAT_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/syscall.h"

/*
 * Receives requests on endpoint and replies with what handle() leaves in
 * the message, until receiving fails (returns that status).  A request may
 * bring one capability, which lands in *spare; handle() either keeps it
 * (and changes *spare to a free slot) or leaves it, and the loop deletes
 * whatever is in *spare afterwards, so a refused capability never piles up.
 */
uint64_t server_loop(uint64_t endpoint, void (*handle)(uint64_t badge, struct msg *m),
		     const volatile uint64_t *spare);

/*
 * Retypes a thread into slot thread and its UTCB frame into utcb_frame from
 * untyped, maps the frame at utcb_vaddr, gives the thread the highest
 * priority the kernel lets us give (our own) and the calling thread the one
 * below, so the helper always runs first, and starts it at entry on the
 * stack [stack, stack + stack_bytes).  Its faults go where the first
 * thread's go (fault_endpoint_slot).  ERR_INVALID_ARG if our priority is 0.
 */
uint64_t server_thread_start(uint64_t untyped, uint64_t thread, uint64_t utcb_frame,
			     uint64_t utcb_vaddr,
			     void (*entry)(uint64_t), uint8_t *stack, size_t stack_bytes);

/*
 * Calls read_some (which returns the bytes it read, 0 .. max, or -1 on
 * failure) until a newline arrives or line[0 .. size-1] is full: the
 * length, or -1.
 */
int server_read_line(char *line, unsigned int size, int (*read_some)(char *buf, unsigned int max));

/*
 * Faults on purpose, for the restart tests: touches the POST diagnostic
 * port 0x80, which no driver holds, so the root task sees a #GP and
 * restarts the driver.  Returns only if someone resumed the thread.
 */
void server_crash(void);

/* One case of a driver's test program: its name, and whether it passed. */
struct server_test {
	const char *name;
	bool (*fn)(void);
};

/*
 * Looks up the connection to server (into *connection), runs the cases in
 * order printing "ok N name" or "not ok N name" and the closing "end of
 * tests" line, and ends the test run.  Every case fails without the
 * connection.  Returns 1 if any failed.
 */
int server_tests_run(const char *server, uint64_t *connection, const struct server_test *cases,
		     unsigned int n);

#endif
