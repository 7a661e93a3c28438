package upgrades_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/steptest"
	"github.com/hardsail/hardsail/steps/upgrades"
)

func hostWorld(t *testing.T, set steps.Settings) *world.World {
	return world.New(t, world.Options{Host: true, Settings: set, Watch: []string{"/etc/apt/apt.conf.d"}})
}

// touch50 changes the live 50unattended-upgrades, so a plan made before is stale.
func touch50(w *world.World) func(t *testing.T) {
	return func(t *testing.T) {
		w.Run(t, "echo '// edited by hand' >> "+upgrades.UnattendedPath)
	}
}

func TestConformance(t *testing.T) {
	w := hostWorld(t, steps.Settings{})
	steptest.Conformance(t, steptest.Case{Step: upgrades.New(), World: w, Perturb: touch50(w)})
}

// TestConformanceWithMail needs mailutils from the Debian mirror: the test host shares this
// machine's network, and the package installs from it; undo purges it again.
func TestConformanceWithMail(t *testing.T) {
	w := hostWorld(t, steps.Settings{Mail: "admin@example.com"})
	if got := w.Run(t, "command -v mailx || true"); got != "" {
		t.Fatalf("the test host already has mailx at %s; this test needs it missing", got)
	}
	steptest.Conformance(t, steptest.Case{Step: upgrades.New(), World: w, Perturb: touch50(w)})
	if got := w.Run(t, "dpkg-query -W -f='${db:Status-Abbrev}' mailutils 2>/dev/null || true"); strings.HasPrefix(got, "ii") {
		t.Errorf("mailutils is still installed after undo (%q)", got)
	}
}

// apply runs verify + apply through the engine, as `hardsail apply auto-upgrades` does, and
// returns the outcomes and the journal.
func apply(t *testing.T, w *world.World, events *[]steps.Event) ([]steps.Outcome, *steps.Journal) {
	t.Helper()
	env := w.Env(t)
	var mu sync.Mutex
	env.Observer = steps.ObserverFunc(func(e steps.Event) {
		mu.Lock()
		defer mu.Unlock()
		if events != nil {
			*events = append(*events, e)
		}
	})
	j, err := steps.OpenJournal(steps.PathsFor(t.TempDir(), steps.Key{Account: "123456789012", Region: "us-east-1", Instance: "t"}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	eng := &steps.Engine{Steps: []steps.Step{upgrades.New()}, Env: env, Journal: j}
	return eng.Apply(t.Context(), eng.Verify(t.Context())), j
}

func TestHardenedHostPassesDryRun(t *testing.T) {
	w := hostWorld(t, steps.Settings{RebootTime: "03:15"})
	outs, _ := apply(t, w, nil)
	if len(outs) != 1 || outs[0].Status != steps.StatusChanged {
		t.Fatalf("apply: %+v", outs)
	}
	w.Run(t, "unattended-upgrades --dry-run --debug")
	dump := w.Run(t, "apt-config dump")
	for _, want := range append([]string{
		`Unattended-Upgrade::Origins-Pattern:: "origin=Debian,codename=${distro_codename}-updates";`,
	}, hardenedDump("03:15")...) {
		if !strings.Contains(dump, want+"\n") {
			t.Errorf("apt-config dump lacks %s", want)
		}
	}
}

// hardenedDump is what apt-config dump shows after apply on either family, the origins aside.
func hardenedDump(reboot string) []string {
	return []string{
		`Unattended-Upgrade::Remove-Unused-Kernel-Packages "true";`,
		`Unattended-Upgrade::Remove-New-Unused-Dependencies "true";`,
		`Unattended-Upgrade::Automatic-Reboot "true";`,
		`Unattended-Upgrade::Automatic-Reboot-Time "` + reboot + `";`,
		`APT::Periodic::Update-Package-Lists "1";`,
		`APT::Periodic::Unattended-Upgrade "1";`,
		`APT::Periodic::Download-Upgradeable-Packages "1";`,
		`APT::Periodic::AutocleanInterval "7";`,
	}
}

func readHost(t *testing.T, w *world.World, p string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(w.Host.Root, p))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestValidationRollback makes apt refuse the new files and checks that the previous ones are back,
// byte for byte, and the step failed with apt's own words.
func TestValidationRollback(t *testing.T) {
	tests := []struct {
		name   string
		break_ string
		want   string // in the outcome
	}{
		{
			name:   "another apt.conf.d file is broken",
			break_: `printf 'Broken::Setting "x"\n' > /etc/apt/apt.conf.d/99broken`,
			want:   "apt-config dump refused the new configuration: E: Syntax error /etc/apt/apt.conf.d/99broken",
		},
		{
			name: "the dry run fails",
			break_: `printf '#!/bin/sh\necho "E: simulated dry-run failure" >&2\nexit 1\n' > /usr/local/sbin/unattended-upgrades
chmod 755 /usr/local/sbin/unattended-upgrades`,
			want: "unattended-upgrades --dry-run refused the new configuration: E: simulated dry-run failure",
		},
		{
			name:   "a later file overrides a setting",
			break_: `printf 'Unattended-Upgrade::Automatic-Reboot "false";\n' > /etc/apt/apt.conf.d/99override`,
			want:   `apt reads Unattended-Upgrade::Automatic-Reboot as "false", not "true"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := hostWorld(t, steps.Settings{})
			w.Run(t, tt.break_)
			before50, before20 := readHost(t, w, upgrades.UnattendedPath), readHost(t, w, upgrades.PeriodicPath)
			outs, j := apply(t, w, nil)
			if len(outs) != 1 || outs[0].Status != steps.StatusFailed {
				t.Fatalf("apply gave %+v, want failed", outs)
			}
			// The files went back as the journaled undo of their writes: nothing is left to undo.
			entries, err := j.Entries()
			if err != nil {
				t.Fatal(err)
			}
			reversals := 0
			for _, e := range entries {
				if e.Undoes != "" && e.State == steps.EntryDone {
					reversals++
				}
			}
			if left := steps.Undoable(entries, upgrades.ID); len(left) != 0 || reversals != 2 {
				t.Errorf("journal after the rollback: %d entries still to undo, %d reversals done; want 0 and 2", len(left), reversals)
			}
			if !strings.Contains(outs[0].Detail, tt.want) || !strings.Contains(outs[0].Detail, "the previous files were put back") {
				t.Errorf("outcome %q, want it to hold %q and say the files were put back", outs[0].Detail, tt.want)
			}
			if got := readHost(t, w, upgrades.UnattendedPath); got != before50 {
				t.Errorf("50unattended-upgrades is not back byte for byte")
			}
			if got := readHost(t, w, upgrades.PeriodicPath); got != before20 {
				t.Errorf("20auto-upgrades is not back byte for byte")
			}
		})
	}
}

func TestDriftNamesTheValue(t *testing.T) {
	w := hostWorld(t, steps.Settings{})
	w.Run(t, `sed -i 's|^//Unattended-Upgrade::Automatic-Reboot-Time "02:00";|Unattended-Upgrade::Automatic-Reboot-Time "04:00";|' `+upgrades.UnattendedPath)
	env := w.Env(t)
	eng := &steps.Engine{Steps: []steps.Step{upgrades.New()}, Env: env}
	rs := eng.Verify(t.Context())
	if rs[0].Status != steps.StatusDrift {
		t.Fatalf("verify: %s %s", rs[0].Status, rs[0].Detail)
	}
	for _, c := range rs[0].Plan.Changes {
		if c.Address == "host:"+upgrades.UnattendedPath {
			if !strings.Contains(c.Why, "Automatic-Reboot-Time is 04:00, want 02:00") || !c.File {
				t.Errorf("change %q (file %v), want its Why to name the reboot time drift", c.Why, c.File)
			}
			return
		}
	}
	t.Fatalf("no change to %s in %+v", upgrades.UnattendedPath, rs[0].Plan.Changes)
}

// TestInstall covers the package install's two troubles: the dpkg lock held by someone else (an
// apt-get shim answers the no-wait try as apt does when unattended-upgrades holds the lock), and a
// host that cannot download (apt pointed at a closed port) — a clear failure in apt's own words.
func TestInstall(t *testing.T) {
	tests := []struct {
		name    string
		setup   string
		status  steps.Status
		detail  string // in the outcome
		waiting bool   // the busy event was shown
	}{
		{
			name: "apt busy, then free",
			setup: `cat > /usr/local/sbin/apt-get <<'SH'
#!/bin/sh
echo "$*" >> /tmp/apt-get.log
case "$*" in
*Lock::Timeout=0*) echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (unattended-upgr)" >&2; exit 100;;
esac
printf '#!/bin/sh\n' > /usr/local/bin/mailx; chmod 755 /usr/local/bin/mailx
SH
chmod 755 /usr/local/sbin/apt-get`,
			status: steps.StatusChanged, waiting: true,
		},
		{
			name:   "no way to download",
			setup:  `printf 'Acquire::http::Proxy "http://127.0.0.1:9";\n' > /etc/apt/apt.conf.d/99offline`,
			status: steps.StatusFailed, detail: "install mailutils: E: Failed to fetch",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := hostWorld(t, steps.Settings{Mail: "admin@example.com"})
			w.Run(t, tt.setup)
			before := readHost(t, w, upgrades.UnattendedPath)
			var events []steps.Event
			outs, _ := apply(t, w, &events)
			if len(outs) != 1 || outs[0].Status != tt.status || !strings.Contains(outs[0].Detail, tt.detail) {
				t.Fatalf("apply gave %+v, want %s with %q", outs, tt.status, tt.detail)
			}
			t.Logf("outcome: %s: %s", outs[0].Status, outs[0].Detail)
			waited := false
			for _, e := range events {
				waited = waited || (e.Kind == steps.EventWait && e.Message == upgrades.BusyMessage)
			}
			if waited != tt.waiting {
				t.Errorf("busy event shown %v, want %v", waited, tt.waiting)
			}
			if tt.waiting {
				log := w.Run(t, "cat /tmp/apt-get.log")
				if !strings.Contains(log, "Lock::Timeout=0 install") || !strings.Contains(log, "Lock::Timeout=300 install") {
					t.Errorf("apt-get calls:\n%s\nwant a no-wait try, then one waiting 300 s", log)
				}
			}
			if tt.status == steps.StatusFailed && readHost(t, w, upgrades.UnattendedPath) != before {
				t.Errorf("a failed install still changed 50unattended-upgrades")
			}
		})
	}
}

// TestUndoRefusesHandEdits: a file edited after hardsail wrote it is left alone, with the three
// versions shown, unless --force.
func TestUndoRefusesHandEdits(t *testing.T) {
	w := hostWorld(t, steps.Settings{})
	stock := readHost(t, w, upgrades.UnattendedPath)
	env := w.Env(t)
	j, err := steps.OpenJournal(steps.PathsFor(t.TempDir(), steps.Key{Account: "123456789012", Region: "us-east-1", Instance: "t"}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	eng := &steps.Engine{Steps: []steps.Step{upgrades.New()}, Env: env, Journal: j}
	if outs := eng.Apply(t.Context(), eng.Verify(t.Context())); outs[0].Status != steps.StatusChanged {
		t.Fatalf("apply: %+v", outs)
	}
	w.Run(t, `sed -i 's/Automatic-Reboot-Time "02:00"/Automatic-Reboot-Time "05:00"/' `+upgrades.UnattendedPath)
	edited := readHost(t, w, upgrades.UnattendedPath)

	undo, err := eng.UndoPlan()
	if err != nil {
		t.Fatal(err)
	}
	outs := eng.Undo(t.Context(), undo)
	if outs[0].Status != steps.StatusFailed {
		t.Fatalf("undo over a hand edit: %+v, want failed", outs)
	}
	if !strings.Contains(outs[0].Fix, "hardsail undo auto-upgrades --force") {
		t.Errorf("refusal's fix %q does not name --force", outs[0].Fix)
	}
	for _, want := range []string{"50unattended-upgrades: the file changed since hardsail wrote it; nothing was restored", `-Unattended-Upgrade::Automatic-Reboot-Time "02:00";`,
		`+Unattended-Upgrade::Automatic-Reboot-Time "05:00";`, `+//Unattended-Upgrade::Automatic-Reboot-Time "02:00";`} {
		if !strings.Contains(outs[0].Detail, want) {
			t.Errorf("refusal does not show %q:\n%s", want, outs[0].Detail)
		}
	}
	if readHost(t, w, upgrades.UnattendedPath) != edited {
		t.Fatalf("refused undo still changed the file")
	}

	env.Force = true
	undo, _ = eng.UndoPlan()
	if outs := eng.Undo(t.Context(), undo); outs[0].Status != steps.StatusChanged {
		t.Fatalf("forced undo: %+v", outs)
	}
	if readHost(t, w, upgrades.UnattendedPath) != stock {
		t.Errorf("forced undo did not put back the stock file byte for byte")
	}
}

// TestBitnamiStackIsNotPatchedByApt: on the Bitnami host the step says plainly that apt leaves the
// web stack alone, read from the host itself.
func TestBitnamiStackIsNotPatchedByApt(t *testing.T) {
	w := hostWorld(t, steps.Settings{})
	st, err := upgrades.New().Check(t.Context(), w.Env(t))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range st.Findings {
		got = append(got, f.Severity+": "+f.Message)
	}
	// The versions come from the host's own component list.
	want := "warning: apt does not patch the web stack of WordPress packaged by Bitnami under /opt/bitnami (Apache 2.4.62-3, PHP 8.2.26-1, MySQL 8.0.40-2)"
	if len(got) != 1 || !strings.HasPrefix(got[0], want) {
		t.Errorf("findings %q, want one starting %q", got, want)
	}
}

// TestConformanceOnLightsail: the step on a real Lightsail-packaged host (login admin), which says
// that apt patches its web stack.
func TestConformanceOnLightsail(t *testing.T) {
	w := world.New(t, world.Options{Blueprint: world.Lightsail, Host: true, OpenSSH: true, Watch: []string{"/etc/apt/apt.conf.d"}})
	st, err := upgrades.New().Check(t.Context(), w.Env(t))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range st.Findings {
		got = append(got, f.Severity+": "+f.Message)
	}
	want := "info: On WordPress packaged by Lightsail Apache, PHP and the database are Debian packages: these automatic updates patch them too."
	if len(got) != 1 || got[0] != want {
		t.Errorf("findings %q, want only %q", got, want)
	}
	steptest.Conformance(t, steptest.Case{Step: upgrades.New(), World: w, Perturb: touch50(w)})
}

// A run cancelled while it writes the files (Ctrl-C, SIGTERM) still puts back what it wrote, as the
// journaled undo of its writes: the host is left as it was, and nothing is left to undo.
func TestCancelledApplyPutsTheFilesBack(t *testing.T) {
	w := hostWorld(t, steps.Settings{})
	before50, before20 := readHost(t, w, upgrades.UnattendedPath), readHost(t, w, upgrades.PeriodicPath)
	env := w.Env(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	writes := 0
	env.Observer = steps.ObserverFunc(func(e steps.Event) {
		// Cancel as the second file's write starts: the first is on the host, the second in flight.
		if e.Kind == steps.EventChangeStart && e.Step == upgrades.ID {
			if writes++; writes == 2 {
				cancel()
			}
		}
	})
	j, err := steps.OpenJournal(steps.PathsFor(t.TempDir(), steps.Key{Account: "123456789012", Region: "us-east-1", Instance: "t"}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	eng := &steps.Engine{Steps: []steps.Step{upgrades.New()}, Env: env, Journal: j}
	outs := eng.Apply(ctx, eng.Verify(t.Context()))
	if len(outs) != 1 || outs[0].Status != steps.StatusFailed {
		t.Fatalf("a cancelled apply gave %+v, want failed", outs)
	}
	if writes < 2 {
		t.Fatalf("the apply made %d file change(s); the test needs two", writes)
	}
	if got := readHost(t, w, upgrades.UnattendedPath); got != before50 {
		t.Errorf("50unattended-upgrades is not back byte for byte after the cancel")
	}
	if got := readHost(t, w, upgrades.PeriodicPath); got != before20 {
		t.Errorf("20auto-upgrades is not back byte for byte after the cancel")
	}
	entries, err := j.Entries()
	if err != nil {
		t.Fatal(err)
	}
	if left := steps.Undoable(entries, upgrades.ID); len(left) != 0 {
		t.Errorf("%d entries still to undo after the rollback: %+v", len(left), left)
	}
}
