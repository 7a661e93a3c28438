package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestManPage(t *testing.T) {
	isolate(t)
	cases := []struct {
		name string
		args []string
		want []string // in the page on stdout
	}{
		{"title and section", []string{"man"}, []string{`.TH "HARDSAIL" "1"`, "hardsail manual"}},
		{"names the subcommands", []string{"man"}, []string{`\fBhardsail-verify(1)\fP`, `\fBhardsail-undo(1)\fP`}},
		{"documents the flags", []string{"man"}, []string{`\fB--ssh-cidr\fP`, `\fB--demo\fP`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, false, tc.args...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if strings.Contains(r.stdout, "Auto generated") {
				t.Error("page carries a generation-date footer, so it differs between identical builds")
			}
		})
	}
}

func TestManPageIsTheSameForTheSameBuild(t *testing.T) {
	isolate(t)
	old := date
	date = "2026-01-02T03:04:05Z"
	t.Cleanup(func() { date = old })
	first, second := runCLI(t, false, "man"), runCLI(t, false, "man")
	if first.stdout != second.stdout {
		t.Fatal("two runs of the same build wrote different pages")
	}
	if !strings.Contains(first.stdout, `"Jan 2026"`) {
		t.Errorf("page is not dated with the build date (Jan 2026):\n%s", first.stdout[:200])
	}
}

func TestManDirWritesOnePagePerCommand(t *testing.T) {
	isolate(t)
	dir := filepath.Join(t.TempDir(), "man1") // not there yet: man creates it
	if r := runCLI(t, false, "man", "--dir", dir); r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, page := range []string{"hardsail.1", "hardsail-verify.1", "hardsail-plan.1", "hardsail-apply.1",
		"hardsail-undo.1", "hardsail-history.1", "hardsail-version.1", "hardsail-completion-bash.1"} {
		b, err := os.ReadFile(filepath.Join(dir, page))
		if err != nil {
			t.Errorf("missing page: %v", err)
			continue
		}
		if !strings.HasPrefix(string(b), ".nh\n.TH ") {
			t.Errorf("%s is not a roff man page: %.40q", page, b)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "hardsail-help.1")); err == nil {
		t.Error("wrote a page for cobra's help command")
	}
}
