package main

import (
	"strings"
	"testing"
)

// `hardsail X --help` lists X's own flags, then the global flags once, under their own heading;
// plain `hardsail --help` does the same.
func TestHelpGlobalFlagsOnceUnderTheirOwnHeading(t *testing.T) {
	for _, tc := range []struct {
		args []string
		own  string // a flag of the command's own
	}{
		{[]string{"--help"}, "--domain"},
		{[]string{"verify", "--help"}, "--ssh-cidr"},
		{[]string{"undo", "--help"}, "--force"},
		{[]string{"history", "--help"}, "--help"},
	} {
		isolate(t)
		r := runCLI(t, false, tc.args...)
		own, global, ok := strings.Cut(r.stdout, "\nGlobal Flags:\n")
		if r.code != exitOK || !ok {
			t.Fatalf("%v: exit %d, no \"Global Flags:\" heading\n%s", tc.args, r.code, r.stdout)
		}
		if !strings.Contains(own, tc.own) {
			t.Errorf("%v: its own flag %s is not listed before the global ones\n%s", tc.args, tc.own, r.stdout)
		}
		for _, g := range []string{"--instance NAME", "--demo BLUEPRINT", "      --json "} {
			if strings.Count(r.stdout, g) != 1 || !strings.Contains(global, g) {
				t.Errorf("%v: global flag %s is not listed once, under Global Flags\n%s", tc.args, g, r.stdout)
			}
		}
	}
}

// A mistyped command names the one meant and exits 3; no AWS credentials points at the demo.
func TestMistypesAndNoCredentialsSayWhatToRun(t *testing.T) {
	isolate(t)
	r := runCLI(t, false, "verfy")
	if r.code != exitUsage || !strings.Contains(r.stderr, "Did you mean `hardsail verify`?") {
		t.Errorf("hardsail verfy: exit %d, want %d suggesting verify\n%s", r.code, exitUsage, r.stderr)
	}
	r = runCLI(t, false, "hist")
	if r.code != exitUsage || !strings.Contains(r.stderr, "Did you mean `hardsail history`?") {
		t.Errorf("hardsail hist: exit %d, want %d suggesting history\n%s", r.code, exitUsage, r.stderr)
	}
	r = runCLI(t, false, "verify")
	if r.code != exitAuth || !strings.Contains(r.stderr, "`hardsail --demo`") {
		t.Errorf("no credentials: exit %d, want %d pointing at the demo\n%s", r.code, exitAuth, r.stderr)
	}
}
