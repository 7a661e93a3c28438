package sshhost_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hardsail/hardsail/internal/testhost"
	"github.com/hardsail/hardsail/remote/sshhost"
)

func TestGather(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{DB: testhost.DBMariaDB})
	var log commandLog
	c := dial(t, pinnedConfig(h, &log))
	rootRun(t, h, "printf 'root only\\n' > /etc/hardsail-secret && chmod 0400 /etc/hardsail-secret")
	q := sshhost.Query{
		Files:     []string{"/etc/hardsail-secret", "/etc/apt/apt.conf.d/50unattended-upgrades", "/etc/cron.d/hardsail-logcleanup"},
		Packages:  []string{"unattended-upgrades", "sudo", "bsd-mailx", "nginx-of-nowhere"},
		AptConfig: []string{"APT::Periodic::", "Unattended-Upgrade::Origins-Pattern"},
		Dirs:      []string{"/opt/bitnami/apache/logs", "/opt/bitnami/mysql/logs"},
		Commands:  []string{"flock", "mailx"},
	}
	before := time.Now()
	f, err := c.Gather(ctxT(t), q)
	if err != nil {
		t.Fatal(err)
	}
	if f.OS["ID"] != "debian" || f.OS["VERSION_CODENAME"] != "bookworm" || f.OS["VERSION_ID"] != "12" || f.OS["PRETTY_NAME"] != "Debian GNU/Linux 12 (bookworm)" {
		t.Errorf("os-release = %v", f.OS)
	}
	if got := f.Files["/etc/hardsail-secret"]; !got.Exists || string(got.Body) != "root only\n" || got.Mode != 0o400 || got.Owner != "root" {
		t.Errorf("root-only file = %+v", got)
	}
	_, _, _, uu := stat(t, h, "/etc/apt/apt.conf.d/50unattended-upgrades")
	if got := f.Files["/etc/apt/apt.conf.d/50unattended-upgrades"]; !got.Exists || string(got.Body) != string(uu) || got.Mode != 0o644 {
		t.Errorf("50unattended-upgrades = exists %v, %d bytes (want %d), mode %v", got.Exists, len(got.Body), len(uu), got.Mode)
	}
	if got := f.Files["/etc/cron.d/hardsail-logcleanup"]; got.Exists || got.Path != "/etc/cron.d/hardsail-logcleanup" {
		t.Errorf("missing file = %+v", got)
	}
	for name, want := range map[string]bool{"unattended-upgrades": true, "sudo": true, "bsd-mailx": false, "nginx-of-nowhere": false} {
		if p := f.Packages[name]; p.Installed != want || (want && p.Version == "") {
			t.Errorf("package %s = %+v, want installed %v with a version", name, p, want)
		}
	}
	apt := map[string][]string{}
	for _, v := range f.AptConfig {
		if !strings.HasPrefix(v.Key, "APT::Periodic::") && !strings.HasPrefix(v.Key, "Unattended-Upgrade::Origins-Pattern") {
			t.Errorf("apt-config line %q is outside the queried prefixes", v.Key)
		}
		apt[v.Key] = append(apt[v.Key], v.Value)
	}
	if got := apt["APT::Periodic::Unattended-Upgrade"]; !slices.Equal(got, []string{"1"}) {
		t.Errorf("APT::Periodic::Unattended-Upgrade = %q, want [1] (Debian's 20auto-upgrades)", got)
	}
	if got := apt["Unattended-Upgrade::Origins-Pattern::"]; !slices.Contains(got, "origin=Debian,codename=${distro_codename},label=Debian-Security") {
		t.Errorf("Origins-Pattern = %q", got)
	}
	if f.AptError != "" {
		t.Errorf("AptError = %q", f.AptError)
	}
	if !f.Dirs["/opt/bitnami/apache/logs"] || f.Dirs["/opt/bitnami/mysql/logs"] {
		t.Errorf("dirs = %v; on MariaDB the apache logs exist and the mysql ones do not", f.Dirs)
	}
	var want []sshhost.DirEntry
	for _, l := range testhost.LogsFor(testhost.DBMariaDB) {
		if path.Dir(l.Path) == "/opt/bitnami/apache/logs" {
			want = append(want, sshhost.DirEntry{Path: l.Path, Size: l.Size, ModTime: l.ModTime})
		}
	}
	if !slices.EqualFunc(f.Listing, want, func(a, b sshhost.DirEntry) bool {
		return a.Path == b.Path && a.Size == b.Size && a.ModTime.Equal(b.ModTime) && a.Symlink == b.Symlink
	}) {
		got, _ := json.MarshalIndent(f.Listing, "", " ")
		exp, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("listing of /opt/bitnami/apache/logs:\n%s\nwant testhost's manifest:\n%s", got, exp)
	}
	if f.Commands["flock"] != "/usr/bin/flock" || f.Commands["mailx"] != "" {
		t.Errorf("commands = %v", f.Commands)
	}
	if f.SSHClient != "127.0.0.1" {
		t.Errorf("SSH client = %q, want 127.0.0.1 (read before sudo drops SSH_CLIENT)", f.SSHClient)
	}
	if f.FreeBytes <= 0 {
		t.Errorf("free bytes = %d", f.FreeBytes)
	}
	if f.HostTime.Before(before.Add(-time.Minute)) || f.HostTime.After(time.Now().Add(time.Minute)) {
		t.Errorf("host time %v, local %v", f.HostTime, before)
	}
	cmds := log.all()
	if len(cmds) != 1 || cmds[0].Mutating || c.Mutations() != 0 {
		t.Errorf("Gather ran %d commands (%+v), %d mutations; want one read-only command", len(cmds), cmds, c.Mutations())
	}
	if strings.Contains(cmds[0].Line, "root only") {
		t.Errorf("command log shows a file body: %q", cmds[0].Line)
	}
}

func TestGatherOddFileNames(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	c := dial(t, pinnedConfig(h, nil))
	names := []string{"plain", "with space", "new\nline", "tab\tname", `quo'te"s`, "-dash", "*star", "$(touch pwned)", "back\\slash", "ünï cödé", "trailing newline\n", " lead"}
	dir := "/tmp/odd dir's"
	if err := os.MkdirAll(filepath.Join(h.Root, dir, "sub dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(h.Root, dir, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(h.Root, dir, "link\nto passwd")); err != nil {
		t.Fatal(err)
	}
	f, err := c.Gather(ctxT(t), sshhost.Query{Dirs: []string{dir}, Files: []string{path.Join(dir, `quo'te"s`), path.Join(dir, "new\nline")}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]sshhost.DirEntry{}
	for _, e := range f.Listing {
		got[e.Path] = e
	}
	if len(got) != len(names)+1 {
		t.Errorf("listing has %d entries, want %d files + 1 symlink (no subdirectory): %+v", len(got), len(names), f.Listing)
	}
	for _, n := range names {
		e, ok := got[path.Join(dir, n)]
		if !ok || e.Size != int64(len(n)) || e.Symlink {
			t.Errorf("file %q: %+v, present %v", n, e, ok)
		}
	}
	if e := got[path.Join(dir, "link\nto passwd")]; !e.Symlink {
		t.Errorf("symlink reported as %+v", e)
	}
	for _, p := range []string{path.Join(dir, `quo'te"s`), path.Join(dir, "new\nline")} {
		if fl := f.Files[p]; !fl.Exists || string(fl.Body) != path.Base(p) {
			t.Errorf("file %q = %+v", p, fl)
		}
	}
	if _, err := os.Lstat(filepath.Join(h.Root, dir, "pwned")); err == nil {
		t.Error("a file name was executed by the remote shell")
	}
}

func TestGatherReportsAptConfigError(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	rootRun(t, h, `echo 'APT::Periodic::Unattended-Upgrade "1"' > /etc/apt/apt.conf.d/99broken`)
	c := dial(t, pinnedConfig(h, nil))
	f, err := c.Gather(ctxT(t), sshhost.Query{AptConfig: []string{"APT::Periodic::"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.AptError, "99broken") || len(f.AptConfig) != 0 {
		t.Errorf("AptError = %q, AptConfig = %v; want apt-config's complaint naming the file", f.AptError, f.AptConfig)
	}
}

func TestGatherRefusesBadQueries(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	var log commandLog
	c := dial(t, pinnedConfig(h, &log))
	for _, q := range []sshhost.Query{
		{Files: []string{"relative/path"}},
		{Packages: []string{"sudo; rm -rf /"}},
		{Commands: []string{"mailx && reboot"}},
		{Dirs: []string{"opt"}},
	} {
		if _, err := c.Gather(ctxT(t), q); err == nil {
			t.Errorf("Gather(%+v) succeeded", q)
		}
	}
	if n := len(log.all()); n != 0 {
		t.Errorf("%d commands ran for refused queries", n)
	}
}

// TestGatherTurns measures round trips: Dial plus one Gather, scripts included, must cost the
// handshake plus at most 2 (open the session; the exec request and the output).
func TestGatherTurns(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	q := sshhost.Query{Files: []string{"/etc/apt/apt.conf.d/20auto-upgrades", "/etc/apt/apt.conf.d/50unattended-upgrades"},
		Packages: []string{"unattended-upgrades"}, AptConfig: []string{"APT::Periodic::", "Unattended-Upgrade::"},
		Dirs: []string{"/opt/bitnami/apache/logs", "/opt/bitnami/mysql/logs", "/opt/bitnami/php/logs"}, Commands: []string{"mailx"},
		Scripts: []string{"sshd -T", "sleep 0.2; df -Pk /"}, LoginScripts: []string{"sleep 0.2; id -un"}}
	for i := range 5 {
		var d testhost.CountingDialer
		cfg := pinnedConfig(h, nil)
		cfg.Dial = d.DialContext
		c, err := sshhost.Dial(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		handshake := d.Stats()
		if _, err := c.Gather(ctxT(t), q); err != nil {
			t.Fatal(err)
		}
		gather := d.Stats().Sub(handshake)
		c.Close()
		t.Logf("run %d: handshake+auth %d turns, gather %d turns (%d bytes in, %d out)", i, handshake.Turns, gather.Turns, gather.BytesIn, gather.BytesOut)
		if len(d.Conns()) != 1 || gather.Turns > 2 || handshake.Turns > 8 {
			t.Errorf("run %d: %d connections, handshake %d turns (want ≤ 8), gather %d turns (want ≤ 2)", i, len(d.Conns()), handshake.Turns, gather.Turns)
		}
	}
}

// BenchmarkGather reports what one Gather costs against the test host: turns/op is the latency
// proxy (cost ≈ turns × RTT), ns/op the local wall time.
func BenchmarkGather(b *testing.B) {
	h := testhost.Start(b, testhost.Options{})
	var d testhost.CountingDialer
	cfg := pinnedConfig(h, nil)
	cfg.Dial = d.DialContext
	c, err := sshhost.Dial(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	q := sshhost.Query{Files: []string{"/etc/apt/apt.conf.d/20auto-upgrades", "/etc/apt/apt.conf.d/50unattended-upgrades"},
		Packages: []string{"unattended-upgrades"}, AptConfig: []string{"APT::Periodic::", "Unattended-Upgrade::"},
		Dirs: []string{"/opt/bitnami/apache/logs"}, Commands: []string{"mailx"}}
	start := d.Stats()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Gather(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	s := d.Stats().Sub(start)
	b.ReportMetric(float64(s.Turns)/float64(b.N), "turns/op")
	b.ReportMetric(float64(s.BytesIn)/float64(b.N), "bytes-in/op")
}

// Reads from the instance are bounded: a managed file over MaxFileBytes is refused with its size
// (never read whole), and a listing stops at MaxDirEntries.
func TestGatherBoundsWhatItReads(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	rootRun(t, h, fmt.Sprintf(`head -c %d /dev/zero > /etc/big.conf && mkdir /var/many && cd /var/many && seq 1 %d | xargs touch`,
		sshhost.MaxFileBytes+1, sshhost.MaxDirEntries+5))
	c := dial(t, pinnedConfig(h, nil))
	_, err := c.Gather(ctxT(t), sshhost.Query{Files: []string{"/etc/big.conf"}})
	want := fmt.Sprintf("/etc/big.conf is %d bytes", sshhost.MaxFileBytes+1)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("gather of a file over the limit: %v, want an error saying %q", err, want)
	}
	f, err := c.Gather(ctxT(t), sshhost.Query{Dirs: []string{"/var/many"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.Listing); n != sshhost.MaxDirEntries {
		t.Fatalf("listing of %d files returned %d entries, want the cap %d", sshhost.MaxDirEntries+5, n, sshhost.MaxDirEntries)
	}
}

// Scripts in a gathering run as root (Scripts) or as the login user (LoginScripts), each with its
// stdout whole (trailing newlines and all), its stderr and its exit status, as SudoRead and Run
// would return them.
func TestGatherScripts(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	var log commandLog
	c := dial(t, pinnedConfig(h, &log))
	failing := "echo partial; echo 'it broke' >&2; exit 7"
	q := sshhost.Query{Files: []string{"/etc/hostname"},
		Scripts:      []string{"id -un; printf 'tab\\tand\\n\\n\\n'", failing, "cat; echo read-stdin"},
		LoginScripts: []string{"id -un", "printf ''"}}
	f, err := c.Gather(ctxT(t), q)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		script, stdout string
		exit           int
	}{
		{q.Scripts[0], "root\ntab\tand\n\n\n", 0},
		{q.Scripts[1], "partial\n", 7},
		{q.Scripts[2], "read-stdin\n", 0}, // stdin is empty, never the gathering's
		{q.LoginScripts[0], h.User + "\n", 0},
		{q.LoginScripts[1], "", 0},
	} {
		res, err := f.Script(tc.script)
		if string(res.Stdout) != tc.stdout || res.Exit != tc.exit {
			t.Errorf("%q: stdout %q exit %d, want %q exit %d", tc.script, res.Stdout, res.Exit, tc.stdout, tc.exit)
		}
		if (err != nil) != (tc.exit != 0) {
			t.Errorf("%q: error %v", tc.script, err)
		}
	}
	_, err = f.Script(failing)
	var ee *sshhost.ExitError
	if !errors.As(err, &ee) || ee.Exit != 7 || ee.Stderr != "it broke" || ee.Cmd != "sudo -n sh -c '"+strings.ReplaceAll(failing, "'", `'\''`)+"'" {
		t.Errorf("failing script: %#v, want the ExitError SudoRead would give", err)
	}
	if _, err := f.Script("true"); err == nil {
		t.Error("a script not in the query has a result")
	}
	if n := len(log.all()); n != 1 {
		t.Errorf("%d remote commands, want the one gathering", n)
	}
	if _, err := c.Gather(ctxT(t), sshhost.Query{Scripts: []string{"true"}, LoginScripts: []string{"true"}}); err == nil {
		t.Error("a script asked both as root and as the login user was accepted")
	}
}
