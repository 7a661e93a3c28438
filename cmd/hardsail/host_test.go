package main

import (
	"maps"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/testhost"
)

// bindHost starts a real Debian host that trusts the emulator's CA and puts it behind the
// instance's public address, so hardsail reaches it with keyless SSH like on Lightsail.
func bindHost(t *testing.T, em *emulator.Emulator) *testhost.Host {
	t.Helper()
	h := testhost.Start(t, testhost.Options{TrustedUserCAKeys: ssh.MarshalAuthorizedKey(em.CAPublicKey())})
	if err := em.BindSSH("WordPress-1", h.Addr); err != nil {
		t.Fatal(err)
	}
	return h
}

// The host steps from the built binary, as a user runs them: plan, apply, verify, undo.
func TestHostStepsFromTheBinary(t *testing.T) {
	bin := buildBinary(t)
	isolate(t)
	em := withEmulator(t, "wordpress-fresh")
	host := bindHost(t, em)
	files := []string{"/etc/apt/apt.conf.d", "/etc/cron.d", "/usr/local/sbin"}
	before := host.TreeHash(t, files...)
	hs := func(want int, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if code := exitOf(cmd.Run()); code != want {
			t.Fatalf("hardsail %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out.String(), errOut.String())
		}
		return out.String()
	}
	plan := hs(exitDrift, "plan", "auto-upgrades", "log-cleanup")
	for _, want := range []string{"host:/etc/apt/apt.conf.d/20auto-upgrades", "host:/etc/cron.d/hardsail-logcleanup", "Automatic-Reboot"} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q:\n%s", want, plan)
		}
	}
	if !maps.Equal(host.TreeHash(t, files...), before) {
		t.Fatal("plan changed the host")
	}
	applied := hs(exitOK, "apply", "--yes", "--no-snapshot", "auto-upgrades", "log-cleanup")
	if strings.Count(applied, "changed") < 2 {
		t.Errorf("apply did not report both steps changed:\n%s", applied)
	}
	verified := hs(exitOK, "verify", "auto-upgrades", "log-cleanup")
	if strings.Count(verified, "✓ ok") != 2 {
		t.Errorf("verify after apply:\n%s", verified)
	}
	if _, stderr, code := host.Run(t, "sudo unattended-upgrades --dry-run --debug"); code != 0 {
		t.Errorf("unattended-upgrades --dry-run fails on the hardened host (exit %d):\n%s", code, stderr)
	}
	hs(exitOK, "undo", "--yes", "auto-upgrades", "log-cleanup")
	if !maps.Equal(host.TreeHash(t, files...), before) {
		t.Fatal("undo did not restore the host's files byte for byte")
	}
	hs(exitDrift, "verify", "auto-upgrades", "log-cleanup")
}

// A load balancer costs money: off a terminal, --yes alone does not buy one. Nothing is created,
// not even the snapshot that would come before the first change.
func TestApplyHTTPSNeedsAcceptCostOffATerminal(t *testing.T) {
	isolate(t)
	em := withEmulator(t, "wordpress-fresh")
	bindHost(t, em)
	before := len(em.MutatingCalls())
	r := runCLI(t, false, "apply", "https", "--yes", "--domain", "example.com")
	if r.code != exitUsage {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, exitUsage, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "--accept-cost") || !strings.Contains(r.stderr, "$18/month") {
		t.Errorf("the refusal does not name the price and the flag:\n%s", r.stderr)
	}
	if calls := em.MutatingCalls()[before:]; len(calls) != 0 {
		t.Errorf("a refused apply still changed the account: %+v", calls)
	}
	r = runCLI(t, false, "plan", "https", "--domain", "example.com")
	if r.code != exitDrift || !strings.Contains(r.stdout, "$18/month") {
		t.Errorf("plan does not show the monthly cost (exit %d):\n%s", r.code, r.stdout)
	}
}
