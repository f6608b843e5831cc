# Writes n random GRUB defaults files (dir/1 .. dir/n) from the constructs that sh meets
# in real ones, with a fixed seed so that a failure can be reproduced. Used by
# tests/crosscheck.sh.
BEGIN {
	srand(20261201)
	nv = split("GRUB_CMDLINE_LINUX_DEFAULT GRUB_CMDLINE_LINUX GRUB_X A", vars, " ")
	np = 0
	p[++np] = "V=\"$V t@\""
	p[++np] = "V=t@"
	p[++np] = "V='l $x@'"
	p[++np] = "V=\"${A:-d@}\""
	p[++np] = "V=\"${A+x@}\""
	p[++np] = "V=${A-\"q r@\"}"
	p[++np] = ": ${V=s@}"
	p[++np] = "unset V"
	p[++np] = "A=a@ B=$A"
	p[++np] = "V=x@ echo y"
	p[++np] = "echo $V | cat"
	p[++np] = "(V=sub@)"
	p[++np] = "{ V=grp@; }"
	p[++np] = "[ -e /nonexistent ] && V=and@"
	p[++np] = "true || V=or@"
	p[++np] = "if [ -e /x ]; then V=if@; else V=else@; fi"
	p[++np] = "f() { V=fn@; }"
	p[++np] = "f"
	p[++np] = "V=`lsb_release -i -s 2>/dev/null || echo z@`"
	p[++np] = "export V=\"e@ $A\""
	p[++np] = "case x in x) V=c@;; esac"
	p[++np] = "V=\"a\\\nb@\""
	p[++np] = "# V=comment '"
	p[++np] = "V=${V}${A}@"
	p[++np] = "V=\"$V\" A=\"$V@\""
	p[++np] = "exec 2>/dev/null"
	p[++np] = "command -v ls >/dev/null && :"
	p[++np] = "V=$(echo s@)"
	p[++np] = "X=1; V=\"$X@\""
	p[++np] = "cat <<EOF >/dev/null\nV=here@\nEOF"
	p[++np] = "V=\"${V:+$V }p@\""
	p[++np] = "readonly R@=1"
	p[++np] = "echo x # V=no '"
	p[++np] = ": ${V-${A=i@}}"
	p[++np] = "V=\"${A-'q@'} ${A-\\\\z}\""
	p[++np] = "g() { V=g@; }"
	p[++np] = "h() { g; }"
	p[++np] = "h"
	p[++np] = "return | :"
	p[++np] = ": <<E\n${V=h@}\nE"
	p[++np] = "[ -d /nonexistent ]"
	p[++np] = "A=x@ : ${V=$A}"
	p[++np] = "V=v@ export V"
	p[++np] = "V=w@ ${A-}"
	p[++np] = "{ V=r@; }"
	for (i = 1; i <= n; i++) {
		f = dir "/" i
		lines = 1 + int(rand() * 6)
		for (l = 0; l < lines; l++) {
			s = p[1 + int(rand() * np)]
			v = vars[1 + int(rand() * nv)]
			gsub(/V/, v, s)
			gsub(/@/, i "_" l, s)
			print s > f
		}
		close(f)
	}
}
