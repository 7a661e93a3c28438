package demohost_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/internal/demohost"
	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/hostmanifest"
	"github.com/hardsail/hardsail/internal/testhost"
	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/firewall"
	"github.com/hardsail/hardsail/steps/https"
	"github.com/hardsail/hardsail/steps/logcleanup"
	"github.com/hardsail/hardsail/steps/sshd"
	"github.com/hardsail/hardsail/steps/upgrades"
)

const instance = "WordPress-1"

// demo is the emulator with the demo host bound to its instance, as `hardsail --demo` starts them.
type demo struct {
	em      *emulator.Emulator
	host    *demohost.Host
	clients *awsapi.Clients
}

func start(t *testing.T) *demo {
	t.Helper()
	return startAs(t, "wordpress-fresh", demohost.Options{})
}

// startAs is start with another emulator scenario and demo host flavour.
func startAs(t *testing.T, scenario string, o demohost.Options) *demo {
	t.Helper()
	em := emulator.Start(t, emulator.Options{Scenario: scenario, OperationDelay: 20 * time.Millisecond})
	h, err := demohost.StartWith(em.CAPublicKey(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	if err := em.BindSSH(instance, h.Addr()); err != nil {
		t.Fatal(err)
	}
	clients := awsapi.New(em.AWSConfig())
	clients.Poll = awsapi.Backoff{Initial: 20 * time.Millisecond, Max: 200 * time.Millisecond}
	return &demo{em: em, host: h, clients: clients}
}

// dial logs in keyless through the emulator's firewall proxy, wherever it listens (not root: not on :22).
func (d *demo) dial(t *testing.T, opts ...func(*sshhost.Config)) *sshhost.Client {
	t.Helper()
	ctx := context.Background()
	a, err := d.clients.SSHAccess(ctx, instance)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := sshhost.KeylessConfig(d.em.InstanceAddr(instance), a.User, a.PrivateKey, a.CertKey, a.HostKeys)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Timeout = 10 * time.Second
	for _, o := range opts {
		o(&cfg)
	}
	c, err := sshhost.Dial(ctx, cfg)
	if err != nil {
		t.Fatalf("dial the demo host: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// env is a steps.Env over the demo whose one SSH connection holds the remote lock, as cmd's does.
func (d *demo) env(t *testing.T, set steps.Settings) *steps.Env {
	env := &steps.Env{Instance: instance, Region: d.clients.Config.Region, Account: emulator.AccountID,
		Settings: set, Log: slog.New(slog.DiscardHandler), Now: time.Now,
		AWS: d.clients, AcceptCost: true}
	var mu sync.Mutex
	var conn *sshhost.Client
	env.SSH = func(ctx context.Context) (*sshhost.Client, error) {
		mu.Lock()
		defer mu.Unlock()
		if conn == nil {
			conn = d.dial(t)
			release, err := conn.Lock(ctx)
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { release() })
		}
		return conn, nil
	}
	return env
}

// TestWizardOnTheDemoHost runs the host steps the wizard runs, through the real SSH client, from a
// fresh instance to applied and back: verify finds work, apply does it, verify is clean, undo restores.
func TestWizardOnTheDemoHost(t *testing.T) {
	d := start(t)
	before := d.host.Files()
	paths := steps.PathsFor(t.TempDir(), steps.Key{Account: emulator.AccountID, Region: d.clients.Config.Region, Instance: instance})
	j, err := steps.OpenJournal(paths)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	eng := &steps.Engine{Steps: []steps.Step{firewall.New(), sshd.New(), https.New(), upgrades.New(), logcleanup.New()},
		Env: d.env(t, steps.Settings{Domain: "example.com"}), Journal: j, SettingsPath: paths.Settings}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	first := eng.Verify(ctx)
	for _, r := range first {
		if r.Err != nil || r.Plan.Empty() {
			t.Fatalf("fresh instance: %s is %s with no work (err %v)", r.Step, r.Status, r.Err)
		}
	}
	for _, o := range eng.Apply(ctx, first) {
		if o.Status != steps.StatusChanged && o.Status != steps.StatusPending {
			t.Fatalf("apply %s: %s: %s (fix: %s)", o.Step, o.Status, o.Detail, o.Fix)
		}
	}
	for _, r := range eng.Verify(ctx) {
		want := steps.StatusOK
		if r.Step == https.ID && r.Status == steps.StatusPending {
			want = steps.StatusPending // the certificate waits for DNS validation
		}
		if r.Status != want || r.Err != nil {
			t.Errorf("after apply %s is %s, want %s (err %v, plan %v)", r.Step, r.Status, want, r.Err, r.Plan.Changes)
		}
	}
	if _, ok := d.host.Files()[sshd.DropInPath]; !ok {
		t.Errorf("apply did not write %s", sshd.DropInPath)
	}
	if !d.host.Installed("unattended-upgrades") {
		t.Error("unattended-upgrades is no longer installed after apply")
	}
	applied := d.host.Files()
	for _, p := range []string{logcleanup.ScriptPath, logcleanup.CronPath} {
		if _, ok := applied[p]; !ok {
			t.Errorf("apply did not write %s", p)
		}
	}
	if bytes.Equal(applied[upgrades.UnattendedPath].Body, before[upgrades.UnattendedPath].Body) {
		t.Errorf("apply left %s as Debian ships it", upgrades.UnattendedPath)
	}
	if !bytes.Contains(applied[https.WPConfigPath].Body, []byte("example.com")) {
		t.Errorf("apply did not put the domain in %s", https.WPConfigPath)
	}

	entries, err := eng.UndoPlan()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range eng.Undo(ctx, entries) {
		if o.Status.Bad() {
			t.Errorf("undo %s: %s: %s", o.Step, o.Status, o.Detail)
		}
	}
	after := d.host.Files()
	delete(after, sshhost.LockPath)
	for p, f := range before {
		g, ok := after[p]
		if !ok || !bytes.Equal(g.Body, f.Body) || g.Size != f.Size || g.Mode != f.Mode || g.Owner != f.Owner || g.Group != f.Group {
			t.Errorf("after undo %s is %+v, want it as before (%s %s:%s %o)", p, g, f.Owner, f.Owner, f.Group, f.Mode)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("after undo %s is left behind", p)
		}
	}
}

// TestMailInstallsAndPurgesMailutils runs auto-upgrades with --mail: apply installs mailutils through
// apt-get (mailx appears on PATH), verify is then clean, undo purges it again.
func TestMailInstallsAndPurgesMailutils(t *testing.T) {
	d := start(t)
	eng := d.engine(t, steps.Settings{Mail: "admin@example.com"}, upgrades.New())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, o := range eng.Apply(ctx, eng.Verify(ctx)) {
		if o.Status != steps.StatusChanged {
			t.Fatalf("apply %s: %s: %s", o.Step, o.Status, o.Detail)
		}
	}
	if !d.host.Installed(upgrades.MailPackage) {
		t.Fatal("apply did not install mailutils")
	}
	if r := eng.Verify(ctx)[0]; r.Status != steps.StatusOK {
		t.Errorf("after apply auto-upgrades is %s (%v)", r.Status, r.Err)
	}
	entries, err := eng.UndoPlan()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range eng.Undo(ctx, entries) {
		if o.Status.Bad() {
			t.Errorf("undo: %s", o.Detail)
		}
	}
	if d.host.Installed(upgrades.MailPackage) {
		t.Error("undo left mailutils installed")
	}
	if _, ok := d.host.Files()["/usr/bin/mailx"]; ok {
		t.Error("undo left /usr/bin/mailx")
	}
}

// TestOnlyCertificatesOfTheCALogIn refuses a plain key, as the Lightsail host trusts only its CA.
func TestOnlyCertificatesOfTheCALogIn(t *testing.T) {
	d := start(t)
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ssh.Dial("tcp", d.host.Addr(), &ssh.ClientConfig{User: demohost.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second}) //nolint:gosec // only the login is under test
	if err == nil {
		c.Close()
		t.Fatal("a key without a certificate logged in")
	}
}

// TestCommands checks what the host answers to single commands over the real client.
func TestCommands(t *testing.T) {
	d := start(t)
	c := d.dial(t)
	ctx := context.Background()
	tests := []struct {
		name       string
		run        func() (sshhost.Result, error)
		exit       int
		out, erred string
	}{
		{name: "unknown command is refused, not faked", run: func() (sshhost.Result, error) { return c.Run(ctx, "uname -a") },
			exit: 127, erred: "demo host: command not emulated: uname -a"},
		{name: "unknown sudo script is refused", run: func() (sshhost.Result, error) { return c.Sudo(ctx, "systemctl restart apache", nil) },
			exit: 127, erred: "demo host: command not emulated: sudo -n sh -c 'systemctl restart apache'"},
		{name: "probe", run: func() (sshhost.Result, error) { return c.Run(ctx, "true") }},
		{name: "apt-config dump reads apt.conf.d", run: func() (sshhost.Result, error) { return c.Run(ctx, "apt-config dump") },
			out: `APT::Periodic::Unattended-Upgrade "1";`},
		{name: "a package apt does not know", run: func() (sshhost.Result, error) {
			return c.Sudo(ctx, "DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=0 install -y --no-install-recommends nosuchpkg", nil)
		}, exit: 100, erred: "E: Unable to locate package nosuchpkg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.run()
			var ee *sshhost.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Fatalf("not an exit: %v", err)
			}
			if res.Exit != tt.exit {
				t.Errorf("exit %d, want %d (stderr %q)", res.Exit, tt.exit, res.Stderr)
			}
			if !strings.Contains(string(res.Stdout), tt.out) || !strings.Contains(string(res.Stderr), tt.erred) {
				t.Errorf("stdout %q stderr %q, want them to hold %q and %q", res.Stdout, res.Stderr, tt.out, tt.erred)
			}
		})
	}
}

// TestBrokenAptConfigFailsLikeApt checks that a file apt cannot read fails apt-config and the dry run,
// so the auto-upgrades step's validation has something to catch, and that removing it mends both.
func TestBrokenAptConfigFailsLikeApt(t *testing.T) {
	d := start(t)
	c := d.dial(t)
	ctx := context.Background()
	const bad = "/etc/apt/apt.conf.d/99broken"
	if err := c.WriteFileAtomic(ctx, bad, []byte("Unattended-Upgrade::Mail \"root\"\n"), 0o644, "", ""); err != nil {
		t.Fatal(err)
	}
	if f := d.host.Files()[bad]; f.Owner != "root" || f.Group != "root" || f.Mode != 0o644 {
		t.Errorf("written %s is %s:%s %o, want root:root 644", bad, f.Owner, f.Group, f.Mode)
	}
	if res, _ := c.Run(ctx, "apt-config dump"); res.Exit != 100 || !strings.Contains(string(res.Stderr), "E: Syntax error "+bad) {
		t.Errorf("apt-config dump over a broken file: exit %d, stderr %q", res.Exit, res.Stderr)
	}
	if res, _ := c.Sudo(ctx, "unattended-upgrades --dry-run --debug", nil); res.Exit == 0 {
		t.Error("the dry run passes over a broken file")
	}
	f, err := c.Gather(ctx, sshhost.Query{AptConfig: []string{"Unattended-Upgrade::"}})
	if err != nil || !strings.Contains(f.AptError, "Syntax error") {
		t.Errorf("gather over a broken file: apt error %q, err %v", f.AptError, err)
	}
	if err := c.RemoveFile(ctx, bad); err != nil {
		t.Fatal(err)
	}
	if res, err := c.Sudo(ctx, "unattended-upgrades --dry-run --debug", nil); err != nil {
		t.Errorf("dry run once the file is gone: %v (%s)", err, res.Stderr)
	}
}

// TestLockExcludesASecondRun checks the remote lock: a second holder is told at once that it waits
// and for whom, gives up naming the holder, and gets it once the first releases. Meanwhile its
// gathering says another run is changing the host.
func TestLockExcludesASecondRun(t *testing.T) {
	d := start(t)
	var heard []string
	first := d.dial(t)
	second := d.dial(t, func(c *sshhost.Config) {
		c.LockWaiting = func(holder string) { heard = append(heard, holder) }
	})
	release, err := first.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	_, err = second.Lock(ctx)
	var le *sshhost.LockedError
	if !errors.As(err, &le) || !strings.Contains(le.Holder, "hardsail over SSH from 127.0.0.1") {
		t.Fatalf("second lock while held: %v, want a LockedError naming the holder", err)
	}
	if len(heard) != 1 || !strings.Contains(heard[0], "hardsail over SSH from 127.0.0.1") {
		t.Errorf("LockWaiting heard %q, want the holder once", heard)
	}
	var be *sshhost.BusyError
	if _, err := second.Gather(context.Background(), sshhost.Query{}); !errors.As(err, &be) || !strings.Contains(be.Holder, "since ") {
		t.Errorf("gather while another run holds the lock: %v, want a BusyError naming the holder", err)
	}
	if _, err := first.Gather(context.Background(), sshhost.Query{}); err != nil {
		t.Errorf("the holder's own gather: %v", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	again, err := second.Lock(context.Background())
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	if err := again(); err != nil {
		t.Fatal(err)
	}
}

// TestGatherSeesTheFreshInstance checks the facts a fresh demo instance gives the steps.
func TestGatherSeesTheFreshInstance(t *testing.T) {
	d := start(t)
	c := d.dial(t)
	f, err := c.Gather(context.Background(), sshhost.Query{
		Files: []string{https.WPConfigPath, "/etc/nothing"}, Packages: []string{"unattended-upgrades", "mailutils"},
		AptConfig: []string{"Unattended-Upgrade::Origins-Pattern"}, Dirs: logcleanup.LogDirs(), Commands: []string{"mailx"}})
	if err != nil {
		t.Fatal(err)
	}
	if f.OS["ID"] != "debian" || f.OS["VERSION_ID"] != "12" {
		t.Errorf("os-release %v, want Debian 12", f.OS)
	}
	if w := f.Files[https.WPConfigPath]; int64(len(w.Body)) != testhost.WPConfig.Size || w.Mode != testhost.WPConfig.Mode || w.Owner != "bitnami" || w.Group != "daemon" {
		t.Errorf("wp-config.php: %d bytes %o %s:%s, want the testhost manifest's", len(w.Body), w.Mode, w.Owner, w.Group)
	}
	if f.Files["/etc/nothing"].Exists {
		t.Error("a missing file exists")
	}
	if !f.Packages["unattended-upgrades"].Installed || f.Packages["mailutils"].Installed || f.Commands["mailx"] != "" {
		t.Errorf("packages %v, mailx %q: want unattended-upgrades only", f.Packages, f.Commands["mailx"])
	}
	if items := slices.DeleteFunc(f.AptConfig, func(a sshhost.AptValue) bool { return !strings.HasSuffix(a.Key, "::") }); len(items) != 3 {
		t.Errorf("Origins-Pattern items %v, want Debian 12's three", f.AptConfig)
	}
	checkListing(t, f.Listing, testhost.Logs)
	if f.SSHClient != "127.0.0.1" {
		t.Errorf("SSH_CLIENT %q, want the proxy's source 127.0.0.1", f.SSHClient)
	}
}

// checkListing asserts the gathered listing is exactly logs, with their sizes and mtimes.
func checkListing(t *testing.T, listing []sshhost.DirEntry, logs []hostmanifest.LogFile) {
	t.Helper()
	want := map[string]hostmanifest.LogFile{}
	for _, l := range logs {
		want[l.Path] = l
	}
	for _, e := range listing {
		l, ok := want[e.Path]
		if !ok || e.Size != l.Size || !e.ModTime.Equal(l.ModTime) {
			t.Errorf("listing %+v, want the manifest's %+v", e, l)
		}
		delete(want, e.Path)
	}
	if len(want) > 0 {
		t.Errorf("listing misses %v", slices.Sorted(maps.Keys(want)))
	}
}

// TestLightsailFlavour: the Lightsail-packaged demo host logs in admin only (after the firewall
// admits the caller), and shows the manifest's layout: wp-config.php and credentials.log with their
// modes and owners, the sites-enabled link, Debian's log directories; a www-data file can be written.
func TestLightsailFlavour(t *testing.T) {
	d := startAs(t, emulator.ScenarioLightsailFresh, demohost.Options{Flavour: hostmanifest.Lightsail})
	if d.host.Login() != "admin" || d.host.Flavour() != hostmanifest.Lightsail {
		t.Fatalf("login %q flavour %q", d.host.Login(), d.host.Flavour())
	}
	ctx := context.Background()
	a, err := d.clients.SSHAccess(ctx, instance)
	if err != nil || a.User != "admin" {
		t.Fatalf("SSHAccess user %q, %v", a.User, err)
	}
	cfg, err := sshhost.KeylessConfig(d.em.InstanceAddr(instance), a.User, a.PrivateKey, a.CertKey, a.HostKeys)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Timeout = 5 * time.Second
	if c, err := sshhost.Dial(ctx, cfg); err == nil {
		c.Close()
		t.Fatal("SSH admitted while port 22 allows only lightsail-connect")
	}
	_, err = lightsail.NewFromConfig(d.em.AWSConfig()).OpenInstancePublicPorts(ctx, &lightsail.OpenInstancePublicPortsInput{
		InstanceName: aws.String(instance),
		PortInfo:     &types.PortInfo{FromPort: 22, ToPort: 22, Protocol: types.NetworkProtocolTcp, Cidrs: []string{"127.0.0.1/32"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := d.dial(t)

	const site = "/etc/apache2/sites-enabled/000-default.conf"
	f, err := c.Gather(ctx, sshhost.Query{
		Files: []string{hostmanifest.LightsailWPConfig, hostmanifest.LightsailCredentials, site, "/opt/bitnami/wordpress/wp-config.php"},
		Dirs:  []string{hostmanifest.ApacheLogDir, hostmanifest.MySQLLogDir}})
	if err != nil {
		t.Fatal(err)
	}
	if w := f.Files[hostmanifest.LightsailWPConfig]; string(w.Body) != hostmanifest.LightsailWPConfigPHP || w.Mode != 0o640 || w.Owner != "root" || w.Group != "www-data" {
		t.Errorf("wp-config.php: %d bytes %o %s:%s, want the manifest's root:www-data 0640", len(w.Body), w.Mode, w.Owner, w.Group)
	}
	if cr := f.Files[hostmanifest.LightsailCredentials]; cr.Mode != 0o600 || cr.Owner != "root" || cr.Group != "root" {
		t.Errorf("credentials.log %o %s:%s, want 0600 root:root", cr.Mode, cr.Owner, cr.Group)
	}
	if l := f.Files[site]; !l.Exists || l.Link != "../sites-available/000-default.conf" || !strings.Contains(string(l.Body), "DocumentRoot /var/www/html") {
		t.Errorf("%s: link %q, body %q", site, l.Link, l.Body)
	}
	if f.Files["/opt/bitnami/wordpress/wp-config.php"].Exists {
		t.Error("a Lightsail-packaged host has Bitnami's wp-config.php")
	}
	m, _ := hostmanifest.For(hostmanifest.Lightsail)
	checkListing(t, f.Listing, m.Logs)
	if err := c.WriteFileAtomic(ctx, hostmanifest.LightsailWebRoot+"/.user.ini", []byte("expose_php = Off\n"), 0o644, "www-data", ""); err != nil {
		t.Errorf("write a www-data file: %v", err)
	}
	if got := d.host.Files()[hostmanifest.LightsailWebRoot+"/.user.ini"]; got.Owner != "www-data" || got.Group != "www-data" {
		t.Errorf("written file owner %s:%s, want www-data:www-data", got.Owner, got.Group)
	}
}
