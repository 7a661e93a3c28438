//go:build linux

package testhost_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/hardsail/hardsail/internal/testhost"
)

func TestRun(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	cases := []struct {
		name       string
		cmd        string
		wantStdout string // exact, unless wantPrefix
		wantStderr string
		wantExit   int
	}{
		{name: "logs in as bitnami", cmd: "id -un", wantStdout: "bitnami\n"},
		{name: "uid 1000", cmd: "id -u", wantStdout: "1000\n"},
		{name: "Debian 12 bookworm", cmd: ". /etc/os-release && echo $ID $VERSION_ID $VERSION_CODENAME", wantStdout: "debian 12 bookworm\n"},
		{name: "hostname from UTS namespace", cmd: "hostname", wantStdout: testhost.Hostname + "\n"},
		{name: "hostname file", cmd: "cat /etc/hostname", wantStdout: testhost.Hostname + "\n"},
		{name: "passwordless sudo", cmd: "sudo -n true && sudo -n id -u", wantStdout: "0\n"},
		{name: "exit status passes through", cmd: "exit 7", wantExit: 7},
		{name: "stdout and stderr kept apart", cmd: "echo out; echo err >&2", wantStdout: "out\n", wantStderr: "err\n"},
		{name: "apt-config sees the periodic settings space", cmd: "apt-config dump APT::Architecture", wantStdout: "APT::Architecture \"amd64\";\n"},
		{name: "sshd listens on loopback only", cmd: "grep -c . /run/sshd.pid", wantStdout: "1\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, exit := h.Run(t, c.cmd)
			if out != c.wantStdout || errOut != c.wantStderr || exit != c.wantExit {
				t.Errorf("Run(%q) = %q, %q, %d; want %q, %q, %d", c.cmd, out, errOut, exit, c.wantStdout, c.wantStderr, c.wantExit)
			}
		})
	}
}

func TestUnattendedUpgradesDryRun(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	start := time.Now()
	out, errOut, exit := h.Run(t, "sudo unattended-upgrades --dry-run --debug")
	took := time.Since(start)
	if exit != 0 {
		t.Fatalf("unattended-upgrades --dry-run exit %d\nstdout:\n%s\nstderr:\n%s", exit, out, errOut)
	}
	// Proof it really evaluated the stock lists rather than bailing out early.
	if all := out + errOut; !strings.Contains(all, "Allowed origins are:") || !strings.Contains(all, "No packages found that can be upgraded unattended") {
		t.Errorf("unattended-upgrades output lacks its origin/packages report:\n%s", all)
	}
	t.Logf("unattended-upgrades --dry-run --debug took %s", took)
}

func TestBitnamiTreeMatchesManifest(t *testing.T) {
	t.Parallel()
	for _, db := range []struct{ name, other string }{{testhost.DBMySQL, testhost.DBMariaDB}, {testhost.DBMariaDB, testhost.DBMySQL}} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			h := testhost.Start(t, testhost.Options{DB: db.name})
			logDirs := []string{"/opt/bitnami/apache/logs", "/opt/bitnami/" + db.name + "/logs", "/opt/bitnami/php/logs"}
			out, errOut, exit := h.Run(t, "sudo find "+strings.Join(logDirs, " ")+" "+testhost.WPConfig.Path+` -type f -printf '%p %s %T@ %m %U %G\n'`)
			if exit != 0 {
				t.Fatalf("find: exit %d: %s", exit, errOut)
			}
			got := map[string]string{}
			for line := range strings.Lines(out) {
				p, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
				got[p] = rest
			}
			want := map[string]string{}
			stat := func(size int64, mt time.Time, mode fs.FileMode, uid, gid int) string {
				return fmt.Sprintf("%d %d.0000000000 %o %d %d", size, mt.Unix(), mode, uid, gid)
			}
			logs := testhost.LogsFor(db.name)
			for _, l := range logs {
				want[l.Path] = stat(l.Size, l.ModTime, l.Mode, l.UID, l.GID)
			}
			w := testhost.WPConfig
			want[w.Path] = stat(w.Size, w.ModTime, w.Mode, w.UID, w.GID)
			diffTree(t, got, want)

			var gz []string
			for _, l := range logs {
				if l.Compressed() {
					gz = append(gz, l.Path)
				}
			}
			if _, errOut, exit := h.Run(t, "sudo gzip -t "+strings.Join(gz, " ")); exit != 0 {
				t.Errorf("rotated .gz logs are not valid gzip: %s", errOut)
			}
			if _, _, exit := h.Run(t, "test ! -e /opt/bitnami/"+db.other); exit != 0 {
				t.Errorf("/opt/bitnami/%s exists on a %s instance", db.other, db.name)
			}
			if out, _, _ := h.Run(t, "stat -c %U:%G "+w.Path); out != "bitnami:daemon\n" {
				t.Errorf("wp-config.php owner = %q, want bitnami:daemon", out)
			}
			if out, _, _ := h.Run(t, "sudo grep -c \"define( 'DB_NAME', 'bitnami_wordpress' );\" "+w.Path); out != "1\n" {
				t.Errorf("wp-config.php lacks the Bitnami DB_NAME line")
			}
		})
	}
}

// diffTree reports every path whose stat line on the host differs from the manifest's.
func diffTree(t *testing.T, got, want map[string]string) {
	t.Helper()
	if maps.Equal(got, want) {
		return
	}
	for _, p := range slices.Sorted(maps.Keys(want)) {
		if got[p] != want[p] {
			t.Errorf("%s: host has %q, manifest says %q", p, got[p], want[p])
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: on host, not in manifest", p)
		}
	}
}

func TestManifestShape(t *testing.T) {
	live := map[string]int{}
	for _, l := range testhost.Logs {
		if l.Live {
			live[l.Family]++
			if l.Compressed() {
				t.Errorf("%s: live log is compressed", l.Path)
			}
		}
		if !l.ModTime.Before(testhost.Now) {
			t.Errorf("%s: mtime %s not before testhost.Now", l.Path, l.ModTime)
		}
	}
	want := map[string]int{"apache-access": 1, "apache-error": 1, "db": 1, "php-fpm": 1}
	if !maps.Equal(live, want) {
		t.Errorf("live logs per family = %v, want %v", live, want)
	}
	for _, l := range testhost.LogsFor(testhost.DBMariaDB) {
		if strings.Contains(l.Path, "/mysql/") {
			t.Errorf("LogsFor(mariadb) still has %s", l.Path)
		}
	}
	if testhost.Logs[14].Path != "/opt/bitnami/mysql/logs/mysqld.log" {
		t.Errorf("LogsFor must not modify Logs; Logs[14] = %s", testhost.Logs[14].Path)
	}
}

func newCertSigner(t *testing.T, ca ssh.Signer, principal string) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	cert := &ssh.Certificate{
		Key:             key.PublicKey(),
		CertType:        ssh.UserCert,
		KeyId:           "test",
		ValidPrincipals: []string{principal},
		ValidAfter:      uint64(time.Now().Add(-time.Minute).Unix()),
		ValidBefore:     uint64(time.Now().Add(time.Hour).Unix()),
		Permissions:     ssh.Permissions{Extensions: map[string]string{"permit-pty": ""}},
	}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewCertSigner(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newSigner(t *testing.T) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCertificateLogin(t *testing.T) {
	t.Parallel()
	trusted, other := newSigner(t), newSigner(t)
	h := testhost.Start(t, testhost.Options{TrustedUserCAKeys: ssh.MarshalAuthorizedKey(trusted.PublicKey())})
	cases := []struct {
		name   string
		signer ssh.Signer
		wantOK bool
	}{
		{"cert from trusted CA", newCertSigner(t, trusted, "bitnami"), true},
		{"cert from another CA", newCertSigner(t, other, "bitnami"), false},
		{"trusted CA, wrong principal", newCertSigner(t, trusted, "admin"), false},
		{"plain key not in authorized_keys", newSigner(t), false},
		{"instance user key", h.Signer, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := h.ClientConfig()
			cfg.Auth = []ssh.AuthMethod{ssh.PublicKeys(c.signer)}
			client, err := ssh.Dial("tcp", h.Addr, cfg)
			if !c.wantOK {
				if err == nil {
					client.Close()
					t.Fatal("login succeeded, want refused")
				}
				if !strings.Contains(err.Error(), "unable to authenticate") {
					t.Fatalf("login failed for another reason than authentication: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			defer client.Close()
			sess, err := client.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			out, err := sess.Output("id -un")
			if err != nil || string(out) != "bitnami\n" {
				t.Fatalf("id -un = %q, %v; want bitnami", out, err)
			}
		})
	}
}

func TestHostKeyPinned(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	cases := []struct {
		name    string
		hostKey ssh.PublicKey
		wantErr string
	}{
		{"instance's own key", h.HostKey, ""},
		{"some other ed25519 key", newSigner(t).PublicKey(), "host key mismatch"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := h.ClientConfig()
			cfg.HostKeyCallback = ssh.FixedHostKey(c.hostKey)
			client, err := ssh.Dial("tcp", h.Addr, cfg)
			if err == nil {
				client.Close()
			}
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("dial: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("dial error = %v, want %q", err, c.wantErr)
			}
		})
	}
}

// TestFourInParallel boots four instances at once (go test's -parallel defaults to GOMAXPROCS,
// which may be below four, so goroutines rather than parallel subtests) and uses them concurrently.
func TestFourInParallel(t *testing.T) {
	t.Parallel()
	testhost.Require(t)
	const n = 4
	hosts := make([]*testhost.Host, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { hosts[i], errs[i] = testhost.New(testhost.Options{}) })
	}
	wg.Wait()
	for i, h := range hosts {
		if h != nil {
			t.Cleanup(func() {
				if err := h.Close(); err != nil {
					t.Errorf("host%d: %v", i, err)
				}
			})
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	ports := map[int]bool{}
	for _, h := range hosts {
		ports[h.Port] = true
	}
	if len(ports) != n {
		t.Errorf("%d distinct ports for %d instances", len(ports), n)
	}
	for i, h := range hosts {
		name := "host" + strconv.Itoa(i)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out, errOut, exit := h.Run(t, "echo "+name+" | sudo tee /etc/instance-name >/dev/null && sleep 0.3 && cat /etc/instance-name")
			if exit != 0 || out != name+"\n" {
				t.Errorf("instance %s read back %q (exit %d): %s", name, out, exit, errOut)
			}
		})
	}
}

func TestWritesStayInTheirInstance(t *testing.T) {
	t.Parallel()
	a := testhost.Start(t, testhost.Options{})
	b := testhost.Start(t, testhost.Options{})
	base, err := testhost.EnsureBase(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	const script = "sudo sh -c 'echo leak > /etc/leak && rm /opt/bitnami/apache/logs/access_log.1 && echo more >> /opt/bitnami/apache/logs/error_log' && echo leak > ~/leak"
	if _, errOut, exit := a.Run(t, script); exit != 0 {
		t.Fatalf("writing on A: %s", errOut)
	}
	cases := []struct {
		name, path, inA, inB string // "" = absent
	}{
		{"new file in /etc", "/etc/leak", "leak\n", ""},
		{"new file in home", "/home/bitnami/leak", "leak\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, side := range []struct {
				name, root, want string
			}{{"A", a.Root, c.inA}, {"B", b.Root, c.inB}, {"base", base.Dir, ""}} {
				data, err := os.ReadFile(filepath.Join(side.root, c.path))
				switch {
				case side.want == "" && !errors.Is(err, fs.ErrNotExist):
					t.Errorf("%s on %s: want absent, got %q, %v", c.path, side.name, data, err)
				case side.want != "" && string(data) != side.want:
					t.Errorf("%s on %s: got %q, %v; want %q", c.path, side.name, data, err, side.want)
				}
			}
		})
	}
	t.Run("deleted and appended base files untouched elsewhere", func(t *testing.T) {
		logs := []string{"/opt/bitnami/apache/logs/access_log.1", "/opt/bitnami/apache/logs/error_log"}
		inB := b.TreeHash(t, logs...)
		inA := a.TreeHash(t, logs...)
		if inA[logs[0]] != "absent" {
			t.Errorf("A still has %s: %q", logs[0], inA[logs[0]])
		}
		if inA[logs[1]] == inB[logs[1]] {
			t.Errorf("A's append to %s not visible on A", logs[1])
		}
		for _, l := range testhost.Logs {
			if !slices.Contains(logs, l.Path) {
				continue
			}
			for _, root := range []string{b.Root, base.Dir} {
				st, err := os.Stat(filepath.Join(root, l.Path))
				if err != nil || st.Size() != l.Size || !st.ModTime().Equal(l.ModTime) {
					t.Errorf("%s under %s changed: %v %v", l.Path, root, st, err)
				}
			}
		}
	})
}

func TestTreeHash(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	const dir = "/opt/bitnami/wordpress"
	w := testhost.WPConfig.Path
	if got := h.TreeHash(t, w)[w]; !strings.HasPrefix(got, "sha256:") || !strings.HasSuffix(got, " -rw-r----- 1000:1") {
		t.Fatalf("TreeHash(%s) = %q, want sha256:… -rw-r----- 1000:1", w, got)
	}
	cases := []struct {
		name        string
		cmd         string
		wantChanged []string // keys whose value must differ (or appear/disappear); all others equal
	}{
		{"no-op changes nothing", "true", nil},
		{"touch without change changes nothing", "sudo touch " + w, nil},
		{"content", "echo '// x' | sudo tee -a " + w + " >/dev/null", []string{w}},
		{"mode", "sudo chmod 0600 " + w, []string{w}},
		{"owner", "sudo chown root " + w, []string{w}},
		{"new file", "sudo touch " + dir + "/new.php", []string{dir + "/new.php"}},
		{"new directory", "sudo mkdir " + dir + "/tmp", []string{dir + "/tmp"}},
		{"symlink", "sudo ln -s wp-config.php " + dir + "/link", []string{dir + "/link"}},
		{"absent path created", "sudo touch /etc/created-later", []string{"/etc/created-later"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			paths := []string{dir, "/etc/created-later"}
			before := h.TreeHash(t, paths...)
			if _, errOut, exit := h.Run(t, c.cmd); exit != 0 {
				t.Fatalf("%s: %s", c.cmd, errOut)
			}
			after := h.TreeHash(t, paths...)
			var changed []string
			for _, k := range slices.Sorted(maps.Keys(maps.Collect(func(yield func(string, struct{}) bool) {
				for k := range before {
					yield(k, struct{}{})
				}
				for k := range after {
					yield(k, struct{}{})
				}
			}))) {
				if before[k] != after[k] {
					changed = append(changed, k)
				}
			}
			if !slices.Equal(changed, c.wantChanged) {
				t.Errorf("changed %v, want %v\nbefore %v\nafter  %v", changed, c.wantChanged, before, after)
			}
		})
	}
}

// TestCloseLeavesNothing checks teardown from outside: the namespace's processes, including a
// daemon started by the test, are gone, and no mount of the instance remains on the host.
func TestCloseLeavesNothing(t *testing.T) {
	t.Parallel()
	var pid, pidNS, rootLink string
	t.Run("instance", func(t *testing.T) {
		h := testhost.Start(t, testhost.Options{DB: testhost.DBMariaDB})
		if _, errOut, exit := h.Run(t, "sudo setsid sh -c 'sleep 1000 & sleep 1001 &' </dev/null >/dev/null 2>&1"); exit != 0 {
			t.Fatalf("starting daemons: %s", errOut)
		}
		pid = strings.TrimSuffix(strings.TrimPrefix(h.Root, "/proc/"), "/root")
		var err error
		if pidNS, err = os.Readlink("/proc/" + pid + "/ns/pid"); err != nil {
			t.Fatal(err)
		}
		if rootLink, err = os.Readlink(h.Root); err != nil {
			t.Fatal(err)
		}
		if n := countInNS(t, pidNS); n < 4 { // init sh, sshd, two sleeps
			t.Fatalf("%d processes in the instance's pid namespace, want at least 4", n)
		}
	})
	if pidNS == "" {
		t.Fatal("instance subtest did not run")
	}
	if n := countInNS(t, pidNS); n != 0 {
		t.Errorf("%d processes left in %s", n, pidNS)
	}
	if _, err := os.Stat("/proc/" + pid); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("instance init %s still exists: %v", pid, err)
	}
	instDir := filepath.Dir(rootLink)
	mounts, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(mounts), instDir) {
		t.Errorf("/proc/self/mounts still mentions %s", instDir)
	}
	if _, err := os.Stat(instDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("instance dir %s left behind: %v", instDir, err)
	}
}

func countInNS(t *testing.T, ns string) int {
	t.Helper()
	procs, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range procs {
		if l, err := os.Readlink("/proc/" + p.Name() + "/ns/pid"); err == nil && l == ns {
			n++
		}
	}
	return n
}

func BenchmarkStart(b *testing.B) {
	testhost.Require(b)
	if _, err := testhost.EnsureBase(context.Background(), nil); err != nil {
		b.Fatal(err)
	}
	var startTotal time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		h, err := testhost.New(testhost.Options{})
		if err != nil {
			b.Fatal(err)
		}
		startTotal += time.Since(t0)
		n++
		if err := h.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(startTotal.Milliseconds())/float64(n), "ms-start/op")
}
