//go:build linux

package testhost_test

import (
	"strings"
	"testing"

	"github.com/hardsail/hardsail/internal/testhost"
)

// TestUbuntuHost: the OS-only Ubuntu 24.04 host is a real noble system with the recipe's packages,
// login ubuntu with passwordless sudo, no WordPress layout, and apt lists that its own Ubuntu
// archive keyring verifies (the build checked signatures; nothing was marked trusted by hand).
func TestUbuntuHost(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{OS: testhost.Ubuntu2404})
	if h.User != testhost.UbuntuUser || h.OS != testhost.Ubuntu2404 || h.Flavour != "" || h.DB != "" {
		t.Fatalf("host user %q OS %q flavour %q DB %q, want ubuntu on %s with no layout", h.User, h.OS, h.Flavour, h.DB, testhost.Ubuntu2404)
	}
	run := runner(t, h)
	if got := run("id -un; id -u; sudo -n id -u"); got != "ubuntu\n1000\n0\n" {
		t.Errorf("login and sudo: %q, want ubuntu, uid 1000, passwordless sudo to 0", got)
	}
	if got := run(`. /etc/os-release && echo "$ID $VERSION_ID $VERSION_CODENAME"`); got != "ubuntu 24.04 noble\n" {
		t.Errorf("os-release: %q, want ubuntu 24.04 noble", got)
	}
	pkgs := []string{"openssh-server", "sudo", "cron", "unattended-upgrades", "apt-utils", "ca-certificates", "ubuntu-keyring"}
	if got := run(`dpkg-query -W -f='${Status}\n' ` + strings.Join(pkgs, " ")); got != strings.Repeat("install ok installed\n", len(pkgs)) {
		t.Errorf("packages %v: %q", pkgs, got)
	}
	if _, _, exit := h.Run(t, "test ! -e /opt/bitnami && test ! -e /opt/aws && test ! -e /var/www && ! id bitnami && ! id admin"); exit != 0 {
		t.Error("the Ubuntu host has a WordPress layout or one of its users")
	}
	for _, pocket := range []string{"noble", "noble-security", "noble-updates"} {
		list := "/var/lib/apt/lists/archive.ubuntu.com_ubuntu_dists_" + pocket + "_InRelease"
		out, errOut, exit := h.Run(t, "gpgv --keyring /usr/share/keyrings/ubuntu-archive-keyring.gpg "+list)
		if exit != 0 || !strings.Contains(out+errOut, "Good signature from \"Ubuntu Archive Automatic Signing Key (2018)") {
			t.Errorf("%s does not verify with the host's Ubuntu keyring: exit %d\n%s%s", list, exit, out, errOut)
		}
	}
	out, errOut, exit := h.Run(t, "sudo -n unattended-upgrades --dry-run --debug")
	if all := out + errOut; exit != 0 || !strings.Contains(all, "Allowed origins are: o=Ubuntu,a=noble, o=Ubuntu,a=noble-security") {
		t.Errorf("unattended-upgrades --dry-run: exit %d\n%s", exit, all)
	}
}

func TestUbuntuRejectsLayoutOptions(t *testing.T) {
	for _, o := range []testhost.Options{
		{OS: testhost.Ubuntu2404, Flavour: testhost.Lightsail},
		{OS: testhost.Ubuntu2404, DB: testhost.DBMariaDB},
	} {
		if _, err := testhost.New(o); err == nil || !strings.Contains(err.Error(), "no WordPress layout (leave Flavour and DB empty)") {
			t.Errorf("New(%+v) = %v, want the OS-only error", o, err)
		}
	}
	if _, err := testhost.New(testhost.Options{OS: "ubuntu-22.04"}); err == nil || !strings.Contains(err.Error(), `unknown OS "ubuntu-22.04"`) {
		t.Errorf("New(ubuntu-22.04) = %v, want an unknown-OS error", err)
	}
}

// runner runs commands on h as its login and returns their output; a non-zero exit fails t.
func runner(t *testing.T, h *testhost.Host) func(cmd string) string {
	return func(cmd string) string {
		t.Helper()
		out, errOut, exit := h.Run(t, cmd)
		if exit != 0 {
			t.Fatalf("%s: exit %d: %s", cmd, exit, errOut)
		}
		return out
	}
}
