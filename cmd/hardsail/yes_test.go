package main

import (
	"strings"
	"testing"
)

// `apply --yes` at a terminal asks nothing: the snapshot is taken (its safe default) and MFA is left
// for a later run, and the output says what was chosen.
func TestYesAnswersEveryQuestionWithTheSafeDefault(t *testing.T) {
	isolate(t)
	withEmulator(t, "wordpress-fresh")
	r := runCLI(t, true, "apply", "--yes", "iam-admin")
	if r.code != exitDrift {
		t.Fatalf("exit %d, want %d (iam-admin pending its MFA device)\nstdout:\n%s\nstderr:\n%s", r.code, exitDrift, r.stdout, r.stderr)
	}
	for _, want := range []string{"taken without asking", "has no MFA device: run `hardsail apply iam-admin` at a terminal"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, question := range []string{"[Y/n]", "[y/N]", "Take a snapshot", "Enrol"} {
		if strings.Contains(r.stdout+r.stderr, question) {
			t.Errorf("--yes still asked %q", question)
		}
	}
}
