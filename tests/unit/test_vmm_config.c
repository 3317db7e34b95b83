/* Host unit tests for servers/vmm/config.c, the VMM's guest lines. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "vmm.h"
#include "unit.h"

/* lib/string.c's (the VMM's), which the host's C library lacks: the same result. */
size_t strlcpy(char *d, const char *s, size_t size)
{
	return (size_t)snprintf(d, size, "%s", s);
}

static struct guest_config cfg[2];
static char err[96];

static int parse(const char *text)
{
	err[0] = 0;
	return guest_config_parse(text, strlen(text), cfg, 2, err, sizeof(err));
}

TEST(vmm_config_vcpus)
{
	CHECK_EQ(parse("guest a module=m\nguest b vcpus=4\n"), 2);
	CHECK_EQ(cfg[0].vcpus, 1); /* the default */
	CHECK_EQ(cfg[1].vcpus, 4);
}

/* It is an error to ask for no vCPUs, for more than VMM_MAX_VCPUS, or for a non-number. */
TEST(vmm_config_bad_vcpus_is_refused)
{
	CHECK_EQ(parse("guest a vcpus=0\n"), -1);
	CHECK_STR(err, "line 1: vcpus= must be 1 to 4: 'vcpus=0'");
	CHECK_EQ(parse("guest a\nguest b vcpus=5\n"), -1);
	CHECK_STR(err, "line 2: vcpus= must be 1 to 4: 'vcpus=5'");
	CHECK_EQ(parse("guest a vcpus=two\n"), -1);
	CHECK_STR(err, "line 1: vcpus= must be 1 to 4: 'vcpus=two'");
	CHECK_EQ(parse("guest a vcpus=\n"), -1);
}
