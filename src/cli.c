/* What every command shares for talking to the user: the program name, findings on
 * stderr, the one JSON document of --json, usage errors and the exit status for an
 * error. */
#include <errno.h>
#include <stdio.h>

#include "cli.h"
#include "ops.h"
#include "render.h"
#include "sysroot.h"
#include "txn.h"

const char *program = "amdgpu-tune";

/* --json: every command prints exactly one document on stdout, on failure too. What
 * the commands print goes through json_print(); the findings they report go through
 * print_diags() and usage_error(), which keep them here, so that main() can print
 * {"warnings":[...],"errors":[...]} when a command ended before its own document. */
static struct {
	bool on;
	bool printed;
	struct diag_list diags;
} json_out;

void json_print(const char *doc)
{
	fputs(doc, stdout);
	json_out.printed = true;
}

/* With --json, a message is kept for the document's warnings or errors. */
static void keep(enum diag_level level, const char *msg)
{
	if (json_out.on)
		diag_add(&json_out.diags, level, NULL, 0, "%s", msg);
}

/* Prints the message s, one line, escaped as render_diag() escapes a finding (a
 * newline in it too: the callers format untrusted text such as a root's path or a
 * command-line argument into their messages as it is), then a newline. */
static void put_line(FILE *f, const char *s)
{
	_cleanup_strbuf_ struct strbuf b = {0};

	if (strbuf_put_escaped(&b, s) == 0 && strbuf_putc(&b, '\n') == 0)
		fputs(b.s, f);
}

_printf_(2, 3) void say(const struct options *o, const char *fmt, ...)
{
	_cleanup_strbuf_ struct strbuf msg = {0};
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (!msg.s)
		return;
	/* One line: the format's own newline ends it. */
	if (msg.len && msg.s[msg.len - 1] == '\n')
		msg.s[--msg.len] = '\0';
	put_line(o->json ? stderr : stdout, msg.s);
	keep(DIAG_WARNING, msg.s);
}

void print_out(const struct options *o, const char *s)
{
	if (o->json)
		json_print(s);
	else
		fputs(s, stdout);
}

void cli_error(const char *fmt, ...)
{
	_cleanup_strbuf_ struct strbuf msg = {0};
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(&msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: ", program);
	put_line(stderr, msg.s ? msg.s : "out of memory");
	keep(DIAG_ERROR, msg.s ? msg.s : "out of memory");
}

_printf_(1, 2) int usage_error(const char *fmt, ...)
{
	_cleanup_strbuf_ struct strbuf msg = {0};
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(&msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: ", program);
	put_line(stderr, msg.s ? msg.s : "out of memory");
	fprintf(stderr, "Try '%s --help'.\n", program);
	keep(DIAG_ERROR, msg.s ? msg.s : "out of memory");
	return EXIT_INVALID;
}

void print_diags(const struct diag_list *d, const struct options *o)
{
	for (size_t i = 0; i < d->n; i++) {
		struct strbuf b = {0};

		if (json_out.on)
			diag_add(&json_out.diags, d->items[i].level, d->items[i].file,
				 d->items[i].line, "%s", d->items[i].message);
		if (d->items[i].level == DIAG_WARNING && o->quiet)
			continue;
		if (!d->items[i].file)
			strbuf_printf(&b, "%s: ", program);
		render_diag(&b, &d->items[i]);
		if (b.s)
			fprintf(stderr, "%s\n", b.s);
		strbuf_done(&b);
	}
}

int exit_for(int r)
{
	if (r >= 0)
		return EXIT_OK;
	if (r == -ENOMEM) {
		cli_error("out of memory");
		return EXIT_FAILED;
	}
	/* A change that could not be fully undone (txn.h). */
	if (r == TXN_UNRECOVERED)
		return EXIT_UNRECOVERED;
	/* Errors of the input (a profile, a file, a path in the root) are exit 2; any
	 * other failure is 4: nothing was changed, or it was undone. */
	static const int invalid[] = {-EINVAL, -ENOENT, -ELOOP, -EFBIG, -EBADMSG};

	for (size_t i = 0; i < ELEMENTSOF(invalid); i++)
		if (r == invalid[i])
			return EXIT_INVALID;
	return EXIT_FAILED;
}

void cli_json_enable(void)
{
	json_out.on = true;
}

void cli_json_disable(void)
{
	json_out.on = false;
}

void cli_json_finish(void)
{
	/* A --json command that ended before printing its document still prints one. */
	if (json_out.on && !json_out.printed) {
		struct strbuf b = {0};
		bool first = true;

		strbuf_putc(&b, '{');
		render_json_close(&b, &first, &json_out.diags);
		if (b.s)
			fputs(b.s, stdout);
		strbuf_done(&b);
	}
	diag_list_done(&json_out.diags);
}

int cli_pick_profile(struct sysroot *root, const struct options *o, char **ret,
		     int *exit_code)
{
	const char *where = sysroot_is_live(root) ? "" : root->path;
	struct pick p;
	int r = pick_profile(root, &p);

	*ret = NULL;
	*exit_code = EXIT_OK;
	if (r < 0)
		return r;
	switch (p.outcome) {
	case PICK_NO_GPU:
		if (o->auto_apply) {
			say(o,
			    "apply --auto: no AMD GPU (no display controller of vendor 0x1002 under %s/sys/bus/pci/devices): nothing to do\n",
			    where);
			break;
		}
		say(o,
		    "No AMD GPU found (no display controller of vendor 0x1002 under %s/sys/bus/pci/devices).\n",
		    where);
		say(o,
		    "Name a profile to see what it would set, e.g. '%s show strix-halo'; '%s profiles' lists them.\n",
		    program, program);
		break;
	case PICK_NO_MATCH:
		if (o->auto_apply) {
			say(o,
			    "apply --auto: no profile matches this machine's AMD GPU%s:%s: nothing to do\n",
			    p.n_gpus > 1 ? "s" : "", p.why);
			break;
		}
		say(o, "No profile matches this machine's AMD GPU%s:%s.\n",
		    p.n_gpus > 1 ? "s" : "", p.why);
		say(o, "Name a profile to use one anyway; '%s profiles' lists them.\n",
		    program);
		break;
	case PICK_SEVERAL:
		cli_error("several profiles fit this machine: %s; name one", p.why);
		*exit_code = EXIT_INVALID;
		break;
	case PICK_ONE:
		*ret = p.name;
		p.name = NULL;
		if (!o->json && !o->quiet && !o->auto_apply)
			fprintf(stderr, "%s: using %s\n", program, p.why);
		break;
	}
	pick_done(&p);
	return 0;
}
