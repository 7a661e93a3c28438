package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The demo remembers: what one run applies, a new run (state loaded from disk) verifies as ok,
// history lists and undo reverses; every command it suggests keeps --demo; --demo-reset starts over.
func TestDemoRemembersAcrossRuns(t *testing.T) {
	state := isolate(t)
	demo := "--demo=bitnami"
	const steps1, steps2 = "firewall", "log-cleanup"
	r := runCLI(t, false, demo, "verify", steps1, steps2)
	if r.code != exitDrift || !strings.Contains(r.stdout, "→ hardsail apply firewall --demo=bitnami") {
		t.Fatalf("first verify: exit %d, want drift with a suggestion that keeps --demo\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, false, demo, "apply", steps1, steps2, "--yes", "--no-snapshot", "--ssh-cidr", "auto"); r.code != exitOK {
		t.Fatalf("apply: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	dir := filepath.Join(state, "demo", "bitnami")
	if _, err := os.Stat(filepath.Join(dir, demoWorldFile)); err != nil {
		t.Fatalf("the demo's world is not saved in HARDSAIL_STATE_DIR: %v", err)
	}
	r = runCLI(t, false, demo, "verify", steps1, steps2)
	if r.code != exitOK || !strings.Contains(r.stderr, "as you left them") || !strings.Contains(r.stderr, "kept in "+dir) {
		t.Fatalf("verify in a new run: exit %d, want ok on the world the apply left\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, false, demo, "history"); r.code != exitOK || !strings.Contains(r.stdout, "done        + log-cleanup") {
		t.Fatalf("history in a new run: exit %d, want the applied entries\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	// An error's hint keeps --demo too.
	if r := runCLI(t, false, demo, "undo"); r.code != exitUsage || !strings.Contains(r.stderr, "`hardsail history --demo=bitnami`") {
		t.Fatalf("undo without steps: exit %d, want a hint that keeps --demo\nstderr:\n%s", r.code, r.stderr)
	}
	if r := runCLI(t, false, demo, "undo", "--all", "--yes"); r.code != exitOK || !strings.Contains(r.stdout, "previous rules put back") {
		t.Fatalf("undo in a new run: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, false, demo, "verify", steps1, steps2); r.code != exitDrift {
		t.Fatalf("verify after undo: exit %d, want drift again\nstdout:\n%s", r.code, r.stdout)
	}
	if r := runCLI(t, false, demo, "apply", steps2, "--yes", "--no-snapshot"); r.code != exitOK {
		t.Fatalf("apply again: exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	r = runCLI(t, false, demo, "--demo-reset", "history")
	if r.code != exitOK || !strings.Contains(r.stdout, "No journal") || !strings.Contains(r.stderr, "a new emulated AWS account") {
		t.Fatalf("--demo-reset: exit %d, want an empty journal and a new account\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, false, demo, "verify", steps2); r.code != exitDrift {
		t.Fatalf("verify after --demo-reset: exit %d, want the fresh instance's drift\nstdout:\n%s", r.code, r.stdout)
	}
}

// A saved world that cannot be read is refused with the way out (exit 3), and nothing is started.
func TestDemoDamagedStateNamesTheReset(t *testing.T) {
	state := isolate(t)
	dir := filepath.Join(state, "demo", "lightsail")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, demoWorldFile), []byte("{torn"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, false, "--demo", "verify")
	if r.code != exitUsage || !strings.Contains(r.stderr, "cannot be read") || !strings.Contains(r.stderr, "--demo-reset") {
		t.Fatalf("damaged demo state: exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	if r := runCLI(t, false, "--demo-reset", "verify"); r.code == exitUsage {
		t.Fatalf("--demo-reset over damaged state: exit %d\nstderr:\n%s", r.code, r.stderr)
	}
}

// The demo's certificate validates once its records are in the demo's DNS zone, as on Lightsail:
// HTTPS with a load balancer for example.com finishes in one apply, and a new run finds it ok.
func TestDemoCertificateValidatesFromItsZone(t *testing.T) {
	isolate(t)
	r := runCLI(t, false, "--demo=bitnami", "apply", "https", "--yes", "--no-snapshot", "--accept-cost",
		"--domain", "example.com", "--alt-domain", "www.example.com", "--https-mode", "lb")
	if r.code != exitOK || !strings.Contains(r.stdout, "is served by load balancer") {
		t.Fatalf("apply https in the demo: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, false, "--demo=bitnami", "verify", "https"); r.code != exitOK {
		t.Fatalf("verify https in a new run: exit %d\nstdout:\n%s", r.code, r.stdout)
	}
}
