/* The kernel's log: leveled lines on the serial console. */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_threshold;

/* Sets up COM1 for the kernel's own output; first thing at boot. */
void serial_init(void);

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void klog(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) klog(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  klog(LOG_WARN, __VA_ARGS__)
#define log_info(...)  klog(LOG_INFO, __VA_ARGS__)
#define log_debug(...) klog(LOG_DEBUG, __VA_ARGS__)

#endif
