/*
 * mkcpio: writes a cpio archive in the "newc" format the Linux kernel
 * unpacks as its initramfs, from a list of entries on standard input, to
 * standard output.  Every entry is owned by root and dated 0, so the same
 * list and files always give the same bytes, and no entry needs the host
 * to hold it with that owner or type (a device node needs no mknod).
 *
 * One entry per line, fields separated by blanks, MODE in octal:
 *   dir  PATH MODE
 *   file PATH MODE SOURCE        the contents of the host's file SOURCE
 *   link PATH TARGET             a symbolic link
 *   nod  PATH MODE c|b MAJOR MINOR
 * Blank lines and lines starting with '#' are skipped.  PATH is written
 * as given, without a leading '/' (as the kernel's own lists have it).
 *
 * The newc header (Linux's Documentation/driver-api/early-userspace/
 * buffer-format.rst): "070701" then thirteen 8-digit hexadecimal fields,
 * the name with its NUL, padded to a multiple of 4 bytes counted from the
 * header's start, then the data padded the same way; a last entry named
 * "TRAILER!!!" ends the archive.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct entry {
	const char *path;
	unsigned mode;		/* type and permission bits */
	unsigned rdev_major, rdev_minor;
	const char *data;	/* the file's bytes or the link's target */
	size_t size;
};

static unsigned long offset;	/* bytes written so far, for the padding */
static unsigned next_ino = 1;

static void put(const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, stdout) != n) {
		perror("mkcpio: write");
		exit(1);
	}
	offset += n;
}

static void pad4(void)
{
	static const char zeros[4];

	put(zeros, (4 - offset % 4) % 4);
}

/* Writes one entry: header, name, data. */
static void put_entry(const struct entry *e)
{
	char header[128];
	size_t namesize = strlen(e->path) + 1;

	/* Every field is 32 bits wide: a larger file cannot be written. */
	if (e->size > 0xffffffffu || namesize > 4096) {
		fprintf(stderr, "mkcpio: %s: too large for a newc entry\n", e->path);
		exit(1);
	}
	int n = snprintf(header, sizeof header,
			 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
			 next_ino++, e->mode, 0u, 0u, S_ISDIR(e->mode) ? 2u : 1u, 0u,
			 (unsigned)e->size, 0u, 0u, e->rdev_major, e->rdev_minor,
			 (unsigned)namesize, 0u);
	if (n != 110) {
		fprintf(stderr, "mkcpio: %s: header of %d bytes\n", e->path, n);
		exit(1);
	}
	put(header, 110);
	put(e->path, namesize);
	pad4();
	put(e->data, e->size);
	pad4();
}

static void die(unsigned line, const char *why, const char *what)
{
	fprintf(stderr, "mkcpio: line %u: %s%s%s\n", line, why, what ? ": " : "", what ? what : "");
	exit(1);
}

/* The whole of the host's file NAME, in memory; its size in *size. */
static char *read_file(const char *name, size_t *size, unsigned line)
{
	FILE *f = fopen(name, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		die(line, strerror(errno), name);
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				die(line, "out of memory", name);
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		if (got == 0)
			break;
		n += got;
	}
	if (ferror(f))
		die(line, "read error", name);
	fclose(f);
	*size = n;
	return buf;
}

/* The number S in BASE, at most MAX; WHAT names it in the error. */
static unsigned parse_unsigned(const char *s, int base, unsigned long max, const char *what,
			       unsigned line)
{
	char *end;
	unsigned long v = s ? strtoul(s, &end, base) : 0;

	if (!s || !*s || *end || v > max)
		die(line, what, s);
	return (unsigned)v;
}

#define parse_mode(s, line) parse_unsigned(s, 8, 07777, "bad mode", line)
#define parse_number(s, line) parse_unsigned(s, 10, 0xfffff, "bad device number", line)

/* Turns one list line into an entry and writes it; the line's words in w[]. */
static void put_line(char **w, int words, unsigned line)
{
	struct entry e = { .path = w[1] };
	char *contents = NULL;

	if (!e.path || !*e.path)
		die(line, "no path", NULL);
	while (*e.path == '/')
		e.path++;
	if (!strcmp(w[0], "dir") && words == 3) {
		e.mode = S_IFDIR | parse_mode(w[2], line);
	} else if (!strcmp(w[0], "file") && words == 4) {
		e.mode = S_IFREG | parse_mode(w[2], line);
		contents = read_file(w[3], &e.size, line);
		e.data = contents;
	} else if (!strcmp(w[0], "link") && words == 3) {
		e.mode = S_IFLNK | 0777;
		e.data = w[2];
		e.size = strlen(w[2]);
	} else if (!strcmp(w[0], "nod") && words == 6 &&
		   (!strcmp(w[3], "c") || !strcmp(w[3], "b"))) {
		e.mode = (w[3][0] == 'c' ? S_IFCHR : S_IFBLK) | parse_mode(w[2], line);
		e.rdev_major = parse_number(w[4], line);
		e.rdev_minor = parse_number(w[5], line);
	} else {
		die(line, "not an entry (dir, file, link, nod with their fields)", w[0]);
	}
	put_entry(&e);
	free(contents);
}

int main(void)
{
	char buf[4096];
	unsigned line = 0;

	while (fgets(buf, sizeof buf, stdin)) {
		char *w[7];
		int words = 0;

		line++;
		if (!strchr(buf, '\n') && !feof(stdin))
			die(line, "line too long", NULL);
		for (char *tok = strtok(buf, " \t\n"); tok && words < 7; tok = strtok(NULL, " \t\n"))
			w[words++] = tok;
		if (words == 0 || w[0][0] == '#')
			continue;
		put_line(w, words, line);
	}
	struct entry trailer = { .path = "TRAILER!!!" };
	put_entry(&trailer);
	if (fflush(stdout)) {
		perror("mkcpio: write");
		return 1;
	}
	return 0;
}
