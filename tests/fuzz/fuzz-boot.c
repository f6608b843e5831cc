/* libFuzzer target: the readers of files on the target machine (GRUB defaults,
 * modprobe.d, our own state and snapshot manifests, Fedora's BLS entries and grubenv,
 * bootc's kargs.d files, OSTree's staged deployment)
 * must never crash or leak, whatever the bytes. The first byte picks the reader. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blsgrub.h"
#include "grub.h"
#include "kargsd.h"
#include "modprobe.h"
#include "strv.h"
#include "snapshot.h"
#include "staged.h"
#include "util.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_list d = {0};
	const char *buf = (const char *)data + 1;

	if (size < 1)
		return 0;
	size--;
	switch (data[0] % 7) {
	case 0: {
		struct grub_config *c = calloc(1, sizeof(*c));
		struct srcline l = {0};
		struct sargs a = {0};

		if (!c || grub_add_file(c, "f.cfg") < 0)
			abort();
		c->understood = true;
		if (grub_parse(c, 0, buf, size, &d) < 0)
			abort();
		if (grub_cmdline(c, false, &l, NULL) == 0 && srcline_args(&l, &a) == 0)
			for (size_t i = 0; i < a.n; i++)
				if (a.v[i].at.file != 0 && a.v[i].at.file != UINT32_MAX)
					abort();
		sargs_done(&a);
		srcline_done(&l);
		grub_config_free(c);
		break;
	}
	case 1: {
		struct modprobe_config *c = calloc(1, sizeof(*c));

		if (!c || modprobe_add_file(c, "f.conf", 0) < 0)
			abort();
		if (modprobe_parse(c, 0, buf, size, &d) < 0)
			abort();
		for (size_t i = 0; i < c->n_modules; i++) {
			struct sargs a = {0};

			if (srcline_args(&c->modules[i].opts, &a) < 0)
				abort();
			sargs_done(&a);
		}
		modprobe_config_free(c);
		break;
	}
	case 3: {
		struct snapshot *s = NULL;
		char *again = NULL;

		/* What parses must format and parse back to the same. */
		if (manifest_parse("manifest", buf, size, &s, &d) == 0) {
			struct snapshot *t = NULL;

			if (manifest_format(s, &again) < 0 ||
			    manifest_parse("again", again, strlen(again), &t, &d) < 0 ||
			    t->id != s->id || t->n_files != s->n_files)
				abort();
			snapshot_free(t);
		}
		free(again);
		snapshot_free(s);
		break;
	}
	case 4: {
		/* The bytes as an entry file, and as a grubenv its options expand from;
		 * the entry sorted with a fixed one, under a name taken from the bytes.
		 */
		struct bls_entry v[2];
		struct grubenv env = {0};
		size_t n = 0;
		const char *why, *rule;
		char *opts = NULL;

		char name[24] = "x.conf";

		if (size >= 8) {
			memcpy(name, buf, 8);
			for (size_t i = 0; i < 8; i++)
				if (!name[i] || name[i] == '/')
					name[i] = '-';
			memcpy(name + 8, ".conf", 6);
		}
		if (blsgrub_entry_parse(name, buf, size, &v[0]) == 0)
			n++;
		if (blsgrub_entry_parse("b-2-2.conf", "linux /v\n", 9, &v[n]) == 0)
			n++;
		grubenv_parse(buf, size, &env);
		for (size_t i = 0; i < n; i++) {
			if (blsgrub_options(v[i].options, &env, NULL, &opts, &why) == 0 &&
			    !opts)
				abort();
			free(opts);
			opts = NULL;
		}
		blsgrub_sort(v, &n);
		if (blsgrub_default(v, n, grubenv_get(&env, "saved_entry"), &env, false,
				    &rule) >= (ssize_t)n)
			abort();
		for (size_t i = 0; i < n; i++)
			bls_entry_done(&v[i]);
		grubenv_done(&env);
		break;
	}
	case 5: {
		/* What parses, written back as apply writes it, parses to the same. */
		struct kargsd k, again;
		const char *why;
		unsigned line;
		char **args = NULL, *out = NULL;

		if (kargsd_parse(buf, size, &k, &line, &why) == -EINVAL &&
		    (!why || !line))
			abort();
		for (size_t i = 0; i < k.n_kargs; i++)
			if (strv_push(&args, k.kargs[i].value) < 0)
				abort();
		if (kargsd_format("# x\n", args, &out) == 0) {
			if (kargsd_parse(out, strlen(out), &again, &line, &why) < 0 ||
			    again.n_kargs != k.n_kargs)
				abort();
			for (size_t i = 0; i < k.n_kargs; i++)
				if (strcmp(again.kargs[i].value, k.kargs[i].value) != 0)
					abort();
			kargsd_done(&again);
		}
		free(out);
		strv_free(args);
		kargsd_done(&k);
		break;
	}
	case 6: {
		/* What is read is a list of arguments the kernel could take. */
		struct staged st;
		const char *why = NULL;

		if (staged_parse((const unsigned char *)buf, size, &st, &why) ==
			    -EBADMSG &&
		    !why)
			abort();
		for (size_t i = 0; st.kargs && st.kargs[i]; i++)
			if (!utf8_valid(st.kargs[i]))
				abort();
		staged_done(&st);
		break;
	}
	default: {
		struct state *s = NULL;

		if (state_parse("state", buf, size, &s, &d) == 0 && !s->profile)
			abort();
		state_free(s);
	}
	}
	diag_list_done(&d);
	return 0;
}
