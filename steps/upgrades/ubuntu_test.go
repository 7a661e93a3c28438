package upgrades_test

import (
	"strings"
	"testing"

	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/steptest"
	"github.com/hardsail/hardsail/steps/upgrades"
)

// ubuntuWorld is an instance of Lightsail's Ubuntu 24.04 blueprint on a real Ubuntu 24.04 host
// (login ubuntu, no WordPress).
func ubuntuWorld(t *testing.T, set steps.Settings) *world.World {
	t.Helper()
	w := world.New(t, world.Options{OS: world.Ubuntu2404, Host: true, Settings: set, Watch: []string{"/etc/apt/apt.conf.d"}})
	if got := w.Run(t, `. /etc/os-release && echo "$ID $VERSION_ID"`); got != "ubuntu 24.04\n" {
		t.Fatalf("the host runs %q, want ubuntu 24.04", got)
	}
	return w
}

// TestConformanceOnUbuntu: the step on a real Ubuntu 24.04 host, whose stock 50unattended-upgrades
// lists Allowed-Origins (Debian's lists Origins-Pattern). With no WordPress on the host the step
// says so and still configures the operating system.
func TestConformanceOnUbuntu(t *testing.T) {
	w := ubuntuWorld(t, steps.Settings{})
	st, err := upgrades.New().Check(t.Context(), w.Env(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Findings) != 1 || st.Findings[0].Severity != "warning" ||
		!strings.HasPrefix(st.Findings[0].Message, "no WordPress layout hardsail knows is on this host") {
		t.Errorf("findings %+v, want only the warning that no WordPress layout is on the host", st.Findings)
	}
	steptest.Conformance(t, steptest.Case{Step: upgrades.New(), World: w, Perturb: touch50(w)})
}

// TestHardenedUbuntuPassesDryRun: after apply, apt reads every setting the step promises from the
// Ubuntu files, and unattended-upgrades' own dry run accepts them.
func TestHardenedUbuntuPassesDryRun(t *testing.T) {
	w := ubuntuWorld(t, steps.Settings{RebootTime: "03:15"})
	const updates = "o=Ubuntu,a=noble-updates"
	if dry := w.Run(t, "unattended-upgrades --dry-run --debug 2>&1"); strings.Contains(dry, updates) {
		t.Fatalf("the stock host already allows %s:\n%s", updates, dry)
	}
	outs, _ := apply(t, w, nil)
	if len(outs) != 1 || outs[0].Status != steps.StatusChanged {
		t.Fatalf("apply: %+v", outs)
	}
	// The stock file leaves -updates commented out; unattended-upgrades itself must now allow it.
	dry := w.Run(t, "unattended-upgrades --dry-run --debug 2>&1")
	if !strings.Contains(dry, "Allowed origins are: ") || !strings.Contains(dry, updates) {
		t.Errorf("the dry run does not allow noble-updates:\n%s", dry)
	}
	dump := w.Run(t, "apt-config dump")
	for _, want := range append([]string{
		`Unattended-Upgrade::Allowed-Origins:: "${distro_id}:${distro_codename}";`,
		`Unattended-Upgrade::Allowed-Origins:: "${distro_id}:${distro_codename}-security";`,
		`Unattended-Upgrade::Allowed-Origins:: "${distro_id}:${distro_codename}-updates";`,
	}, hardenedDump("03:15")...) {
		if !strings.Contains(dump, want+"\n") {
			t.Errorf("apt-config dump lacks %s", want)
		}
	}
	if strings.Contains(dump, "Unattended-Upgrade::Origins-Pattern:: \"origin=Debian") {
		t.Errorf("apt-config dump has Debian's origin pattern on Ubuntu")
	}
}
