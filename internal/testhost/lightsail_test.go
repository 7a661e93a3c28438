//go:build linux

package testhost_test

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/internal/hostmanifest"
	"github.com/hardsail/hardsail/internal/testhost"
)

// octal is a mode as find's %m and stat's %a print it (setgid as 2000).
func octal(m fs.FileMode) string {
	p := m.Perm()
	if m&fs.ModeSetgid != 0 {
		p |= 0o2000
	}
	return fmt.Sprintf("%o", p)
}

func TestLightsailTreeMatchesManifest(t *testing.T) {
	t.Parallel()
	m, err := hostmanifest.For(hostmanifest.Lightsail)
	if err != nil {
		t.Fatal(err)
	}
	h := testhost.Start(t, testhost.Options{Flavour: testhost.Lightsail})
	if h.User != "admin" || h.Flavour != testhost.Lightsail {
		t.Fatalf("host user %q flavour %q, want admin on lightsail", h.User, h.Flavour)
	}
	run := runner(t, h)
	if got := run("id -un; id -u; sudo -n id -u"); got != "admin\n1000\n0\n" {
		t.Errorf("login and sudo: %q, want admin, uid 1000, passwordless sudo to 0", got)
	}
	if _, _, exit := h.Run(t, "test ! -e /opt/bitnami && ! id bitnami"); exit != 0 {
		t.Error("a Lightsail-packaged host has /opt/bitnami or a bitnami user")
	}

	// Every file under the layout's own trees, exactly: path, size, mtime, mode, owner.
	roots := []string{hostmanifest.ApacheLogDir, hostmanifest.MySQLLogDir, hostmanifest.LightsailAWSDir, hostmanifest.LightsailWebRoot}
	want := map[string]string{}
	stat := func(size int64, mt int64, mode fs.FileMode, uid, gid int) string {
		return fmt.Sprintf("%d %d.0000000000 %s %d %d", size, mt, octal(mode), uid, gid)
	}
	for _, l := range m.Logs {
		want[l.Path] = stat(l.Size, l.ModTime.Unix(), l.Mode, l.UID, l.GID)
	}
	for _, f := range m.Files {
		want[f.Path] = stat(f.Size, f.ModTime.Unix(), f.Mode, f.UID, f.GID)
	}
	got := map[string]string{}
	for line := range strings.Lines(run("sudo find " + strings.Join(roots, " ") + ` /home/admin/application_credentials /etc/apache2/apache2.conf /etc/apache2/ports.conf /etc/apache2/sites-available/000-default.conf -type f -printf '%p %s %T@ %m %U %G\n'`)) {
		p, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		got[p] = rest
	}
	diffTree(t, got, want)
	for _, d := range m.Dirs {
		if got, want := run("stat -c '%a %u %g' "+d.Path), fmt.Sprintf("%s %d %d\n", octal(d.Mode), d.UID, d.GID); got != want {
			t.Errorf("directory %s: %q, manifest says %q", d.Path, got, want)
		}
	}
	for _, l := range m.Symlinks {
		if got := run("readlink " + l.Path); got != l.Target+"\n" {
			t.Errorf("%s -> %q, want %s", l.Path, got, l.Target)
		}
	}

	var gz []string
	rotated := map[string]int{}
	for _, l := range m.Logs {
		if l.Compressed() {
			gz = append(gz, l.Path)
		}
		if l.Rotated() {
			rotated[l.Family]++
		}
	}
	run("sudo gzip -t " + strings.Join(gz, " "))
	for _, fam := range []string{"apache-access", "apache-error", "db"} {
		if rotated[fam] <= 3 {
			t.Errorf("family %s has %d rotated files; keeping the newest 3 must delete some", fam, rotated[fam])
		}
	}

	if !strings.Contains(run("sudo cat "+hostmanifest.LightsailWPConfig), "$db_password = shell_exec('tail -n 1 /opt/aws/wordpress/credentials.log');") {
		t.Error("wp-config.php does not read the DB password from credentials.log")
	}
	lines := strings.Split(strings.TrimSpace(hostmanifest.LightsailCredentialsLog), "\n")
	if got := run("sudo tail -n 1 " + hostmanifest.LightsailCredentials); got != lines[len(lines)-1]+"\n" {
		t.Errorf("tail -n 1 credentials.log = %q, want the password line", got)
	}
	if _, _, exit := h.Run(t, "cat "+hostmanifest.LightsailCredentials); exit == 0 {
		t.Error("admin reads credentials.log without sudo; it is root-only")
	}
	if out, errOut, exit := h.Run(t, "sudo -n apache2ctl configtest"); exit != 0 || !strings.Contains(errOut+out, "Syntax OK") {
		t.Errorf("apache2ctl configtest: exit %d: %s%s", exit, out, errOut)
	}
	os := run("cat /etc/os-release")
	if !strings.Contains(os, "VERSION_ID=\"12\"") || !strings.Contains(os, "VERSION_CODENAME=bookworm") {
		t.Errorf("os-release is not Debian 12:\n%s", os)
	}
	if got := run(`dpkg-query -W -f='${Status}\n' unattended-upgrades apache2`); got != "install ok installed\ninstall ok installed\n" {
		t.Errorf("packages: %q", got)
	}
}

func TestLightsailRejectsDBVariant(t *testing.T) {
	if _, err := testhost.New(testhost.Options{Flavour: testhost.Lightsail, DB: testhost.DBMariaDB}); err == nil || !strings.Contains(err.Error(), "Bitnami variant") {
		t.Errorf("New(lightsail, mariadb) = %v, want the Bitnami-variant error", err)
	}
	if _, err := testhost.New(testhost.Options{Flavour: "ubuntu"}); err == nil || !strings.Contains(err.Error(), `"ubuntu"`) {
		t.Errorf("New(ubuntu) = %v, want an unknown-flavour error", err)
	}
}
