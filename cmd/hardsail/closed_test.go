package main

import (
	"maps"
	"net"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/internal/world"
)

// TestSSHClosedAtLaunch: a new Lightsail-packaged instance whose port 22 admits only Lightsail's
// browser SSH. verify explains the closed port and exits 1; apply --yes opens the firewall to this
// computer, then applies the host steps in the same run; undo --all puts everything back.
func TestSSHClosedAtLaunch(t *testing.T) {
	isolate(t)
	w := world.New(t, world.Options{Blueprint: world.Lightsail, Host: true})
	for _, kv := range w.Em.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	host, port, err := net.SplitHostPort(w.Em.InstanceAddr(w.Instance))
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"/etc/apt/apt.conf.d", "/etc/cron.d", "/usr/local/sbin"}
	start, hostStart := w.Snapshot(t), w.Host.TreeHash(t, files...)
	cli := func(want int, args ...string) result {
		t.Helper()
		r := runCLI(t, false, append(args, "--ssh-host", host, "--ssh-port", port)...)
		if r.code != want {
			t.Fatalf("hardsail %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, want, r.stdout, r.stderr)
		}
		return r
	}
	v := cli(exitError, "verify", "firewall", "auto-upgrades", "log-cleanup")
	for _, want := range []string{"SSH is closed to this computer (127.0.0.1)", "admits SSH from lightsail-connect only", "hardsail apply firewall"} {
		if !strings.Contains(v.stdout, want) {
			t.Errorf("verify does not say %q:\n%s", want, v.stdout)
		}
	}
	if strings.Contains(v.stdout, "i/o timeout") || strings.Contains(v.stdout, "EOF") {
		t.Errorf("verify shows the raw dial error:\n%s", v.stdout)
	}
	if w.Snapshot(t) != start {
		t.Fatal("verify changed something")
	}

	a := cli(exitOK, "apply", "--yes", "--no-snapshot", "firewall", "auto-upgrades", "log-cleanup")
	out := a.stdout
	fw, up, lc := strings.Index(out, "firewall"), strings.LastIndex(out, "auto-upgrades"), strings.LastIndex(out, "log-cleanup")
	if strings.Count(out, "changed") < 3 || fw < 0 || up < fw || lc < fw {
		t.Errorf("apply did not change the firewall, then both host steps:\n%s\nstderr:\n%s", out, a.stderr)
	}
	if !strings.Contains(w.Snapshot(t), "127.0.0.1/32") {
		t.Error("port 22 was not opened to this computer's /32")
	}
	cli(exitOK, "verify", "firewall", "auto-upgrades", "log-cleanup")

	cli(exitOK, "undo", "--all", "--yes")
	if w.Snapshot(t) != start {
		t.Errorf("undo --all left the account changed:\n%s\nwant\n%s", w.Snapshot(t), start)
	}
	if !maps.Equal(w.Host.TreeHash(t, files...), hostStart) {
		t.Error("undo --all left the host's files changed")
	}
	cli(exitError, "verify", "firewall", "auto-upgrades", "log-cleanup")
}
