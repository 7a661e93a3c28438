package world_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestEnvReachesHostThroughKeylessSSH(t *testing.T) {
	w := world.New(t, world.Options{Host: true, DB: "mariadb", Settings: steps.Settings{KeepLogs: 5}})
	env := w.Env(t)
	if env.Instance != "WordPress-1" || env.Account != "123456789012" || env.Region != "us-east-1" || env.Settings.KeepLogs != 5 {
		t.Fatalf("env = instance %q account %q region %q settings %+v", env.Instance, env.Account, env.Region, env.Settings)
	}
	c, err := env.SSH(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	again, err := env.SSH(ctxT(t))
	if err != nil || again != c {
		t.Fatalf("second env.SSH gave another connection (%v): one connection per Env", err)
	}
	res, err := c.Run(ctxT(t), "id -un; ls -d /opt/bitnami/mariadb")
	if err != nil || string(res.Stdout) != "bitnami\n/opt/bitnami/mariadb\n" {
		t.Fatalf("on the host: %q, %v; want the bitnami user on a MariaDB layout", res.Stdout, err)
	}
	f, err := env.HostFacts(ctxT(t), sshhost.Query{Packages: []string{"unattended-upgrades"}})
	if err != nil || f.OS["VERSION_CODENAME"] != "bookworm" || !f.Packages["unattended-upgrades"].Installed {
		t.Fatalf("host facts: %+v, %v", f, err)
	}
	// The firewall proxy is in the path: the host sees the client's loopback address.
	if f.SSHClient != "127.0.0.1" {
		t.Errorf("SSH client address as the host sees it: %q, want 127.0.0.1", f.SSHClient)
	}
}

func TestSnapshotAndMutations(t *testing.T) {
	w := world.New(t, world.Options{Host: true, Watch: []string{"/etc/apt/apt.conf.d", "/etc/cron.d/hardsail-logcleanup"}})
	start, m0 := w.Snapshot(t), w.Mutations(t)
	if !strings.Contains(start, "/etc/apt/apt.conf.d/") || !strings.Contains(start, "/etc/cron.d/hardsail-logcleanup absent") {
		t.Fatalf("snapshot does not show the watched paths:\n%s", start)
	}

	env := w.Env(t)
	c, err := env.SSH(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.HostFacts(ctxT(t), sshhost.Query{Files: []string{"/etc/apt/apt.conf.d/20auto-upgrades"}}); err != nil {
		t.Fatal(err)
	}
	if got := w.Snapshot(t); got != start {
		t.Errorf("reading changed the snapshot:\n%s\nwas\n%s", got, start)
	}
	if got := w.Mutations(t); got != m0 {
		t.Errorf("reading counted %d mutations", got-m0)
	}

	actions := []struct {
		name string
		do   func(t *testing.T)
	}{
		{"sudo on a second env's connection", func(t *testing.T) {
			c2, err := w.Env(t).SSH(ctxT(t))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c2.Sudo(ctxT(t), "true", nil); err != nil {
				t.Fatal(err)
			}
		}},
		{"write a watched file", func(t *testing.T) {
			if err := c.WriteFileAtomic(ctxT(t), "/etc/cron.d/hardsail-logcleanup", []byte("0 3 * * 0 root true\n"), 0o644, "root", "root"); err != nil {
				t.Fatal(err)
			}
		}},
		{"lightsail change", func(t *testing.T) {
			_, err := lightsail.NewFromConfig(w.Em.AWSConfig()).PutInstancePublicPorts(ctxT(t), &lightsail.PutInstancePublicPortsInput{
				InstanceName: aws.String(w.Instance),
				PortInfos:    []types.PortInfo{{FromPort: 22, ToPort: 22, Protocol: types.NetworkProtocolTcp, Cidrs: []string{"0.0.0.0/0"}}},
			})
			if err != nil {
				t.Fatal(err)
			}
		}},
	}
	prevSnap, prevM := start, m0
	for i, s := range actions {
		s.do(t)
		snap, m := w.Snapshot(t), w.Mutations(t)
		if m != prevM+1 {
			t.Errorf("%s: mutations %d → %d, want one more", s.name, prevM, m)
		}
		if changed := snap != prevSnap; changed != (i > 0) {
			t.Errorf("%s: snapshot changed = %v\n%s", s.name, changed, snap)
		}
		prevSnap, prevM = snap, m
	}

	// A change made behind hardsail's back (a perturbation) shows in the snapshot but is no mutation.
	w.Run(t, "echo '// drift' >> /etc/apt/apt.conf.d/20auto-upgrades")
	if snap := w.Snapshot(t); snap == prevSnap || w.Mutations(t) != prevM {
		t.Errorf("perturbation: snapshot changed %v, mutations %d → %d", snap != prevSnap, prevM, w.Mutations(t))
	}
}

func TestWithoutHost(t *testing.T) {
	w := world.New(t, world.Options{})
	env := w.Env(t)
	if env.SSH != nil || w.Host != nil {
		t.Fatal("a world without a host offers SSH")
	}
	if _, err := env.AWS.SSHAccess(ctxT(t), w.Instance); err != nil {
		t.Fatalf("SSHAccess from the emulator: %v", err)
	}
	if first, second := w.Snapshot(t), w.Snapshot(t); first != second {
		t.Fatal("snapshot differs between two calls with nothing done")
	}
}

// TestLightsailBlueprint: the Lightsail-packaged world logs in as admin on a /var/www/html host, and
// its first SSH is refused until port 22 admits the caller, as on a new instance of that blueprint.
func TestLightsailBlueprint(t *testing.T) {
	w := world.New(t, world.Options{Blueprint: world.Lightsail, Host: true})
	if w.Blueprint() != world.Lightsail || w.Host.User != "admin" {
		t.Fatalf("blueprint %q host user %q", w.Blueprint(), w.Host.User)
	}
	env := w.Env(t)
	a, err := env.AWS.SSHAccess(ctxT(t), w.Instance)
	if err != nil || a.User != "admin" {
		t.Fatalf("SSHAccess user %q, %v; want admin", a.User, err)
	}
	if _, err := env.SSH(ctxT(t)); err == nil {
		t.Fatal("SSH admitted while port 22 allows only lightsail-connect")
	}
	_, err = lightsail.NewFromConfig(w.Em.AWSConfig()).OpenInstancePublicPorts(ctxT(t), &lightsail.OpenInstancePublicPortsInput{
		InstanceName: aws.String(w.Instance),
		PortInfo:     &types.PortInfo{FromPort: 22, ToPort: 22, Protocol: types.NetworkProtocolTcp, Cidrs: []string{"127.0.0.1/32"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := env.SSH(ctxT(t))
	if err != nil {
		t.Fatalf("SSH after the firewall allowed the caller: %v", err)
	}
	res, err := c.Run(ctxT(t), "id -un; test -d /opt/bitnami || echo no-bitnami; sudo -n test -r /var/www/html/wp-config.php && echo wp-config")
	if err != nil || string(res.Stdout) != "admin\nno-bitnami\nwp-config\n" {
		t.Fatalf("on the host: %q, %v", res.Stdout, err)
	}
	f, err := env.HostFacts(ctxT(t), sshhost.Query{Files: []string{"/opt/aws/wordpress/credentials.log"}, Packages: []string{"unattended-upgrades"}})
	if err != nil || f.OS["VERSION_CODENAME"] != "bookworm" || !f.Packages["unattended-upgrades"].Installed {
		t.Fatalf("host facts: %+v, %v", f, err)
	}
	if fi := f.Files["/opt/aws/wordpress/credentials.log"]; fi.Mode != 0o600 || fi.Owner != "root" {
		t.Errorf("credentials.log as the host reports it: %+v, want 0600 root", fi)
	}
}

// TestLightsailOpenSSH: OpenSSH makes the Lightsail world reachable at once, and the opening is
// neither a mutation nor a change between snapshots.
func TestLightsailOpenSSH(t *testing.T) {
	w := world.New(t, world.Options{Blueprint: world.Lightsail, Host: true, OpenSSH: true})
	start, m0 := w.Snapshot(t), w.Mutations(t)
	if m0 != 0 {
		t.Errorf("opening SSH counted %d mutations", m0)
	}
	if got := w.Run(t, "id -un; stat -c %U:%G /var/www/html/wp-config.php"); got != "root\nroot:www-data\n" {
		t.Errorf("on the host as root: %q", got)
	}
	if _, err := w.Env(t).SSH(ctxT(t)); err != nil {
		t.Fatalf("SSH with OpenSSH: %v", err)
	}
	if snap := w.Snapshot(t); snap != start || w.Mutations(t) != m0 {
		t.Error("dialling changed the snapshot or counted a mutation")
	}
}

// TestUbuntuWorld: Options.OS gives an instance of Lightsail's Ubuntu 24.04 blueprint bound to a
// real Ubuntu 24.04 host, reached with keyless SSH as the user Lightsail reports.
func TestUbuntuWorld(t *testing.T) {
	w := world.New(t, world.Options{OS: world.Ubuntu2404, Host: true})
	if w.Blueprint() != "" || w.Instance != "Ubuntu-1" {
		t.Fatalf("blueprint %q instance %q, want none on Ubuntu-1", w.Blueprint(), w.Instance)
	}
	env := w.Env(t)
	out, err := env.AWS.Lightsail.GetInstance(ctxT(t), &lightsail.GetInstanceInput{InstanceName: aws.String(w.Instance)})
	if err != nil {
		t.Fatal(err)
	}
	if in := out.Instance; aws.ToString(in.BlueprintId) != "ubuntu_24_04" || aws.ToString(in.Username) != "ubuntu" {
		t.Errorf("instance blueprint %q user %q, want ubuntu_24_04 and ubuntu", aws.ToString(in.BlueprintId), aws.ToString(in.Username))
	}
	f, err := env.HostFacts(ctxT(t), sshhost.Query{Packages: []string{"unattended-upgrades"}})
	if err != nil || f.OS["ID"] != "ubuntu" || f.OS["VERSION_CODENAME"] != "noble" || !f.Packages["unattended-upgrades"].Installed {
		t.Fatalf("host facts: %+v, %v", f, err)
	}
	c, err := env.SSH(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := c.Run(ctxT(t), "id -un"); err != nil || string(res.Stdout) != "ubuntu\n" {
		t.Errorf("login %q, %v; want ubuntu", res.Stdout, err)
	}
}
