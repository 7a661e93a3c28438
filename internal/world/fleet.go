package world

import (
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/testhost"
)

// Fleet is the emulator's fleet scenario (emulator.ScenarioFleet) with one real test host of each
// blueprint flavour: every running WordPress instance is bound to the host of its flavour, each
// through a firewall proxy of its own, so they share the host's files but not their firewalls.
type Fleet struct {
	Em    *emulator.Emulator
	Hosts map[string]*testhost.Host // by flavour: Bitnami, Lightsail
}

// NewFleet starts a fleet of size WordPress instances (with the scenario's stopped and unreachable
// ones unless noFaults); everything stops when t ends. Each of tune, if any, adjusts the emulator's
// options before it starts (a smaller page size, for one).
func NewFleet(t testing.TB, size int, noFaults bool, tune ...func(*emulator.Options)) *Fleet {
	t.Helper()
	opts := emulator.Options{Scenario: emulator.ScenarioFleet, FleetSize: size, FleetNoFaults: noFaults,
		OperationDelay: 20 * time.Millisecond}
	for _, f := range tune {
		f(&opts)
	}
	em := emulator.Start(t, opts)
	f := &Fleet{Em: em, Hosts: map[string]*testhost.Host{}}
	ca := ssh.MarshalAuthorizedKey(em.CAPublicKey())
	for _, flavour := range []string{Bitnami, Lightsail} {
		f.Hosts[flavour] = testhost.Start(t, testhost.Options{Flavour: flavour, TrustedUserCAKeys: ca})
	}
	for _, in := range em.State().Instances {
		flavour := Bitnami
		switch {
		case in.State.Name != "running" || in.BlueprintID == "nodejs":
			continue
		case in.BlueprintID == emulator.LightsailBlueprintID:
			flavour = Lightsail
		}
		if err := em.BindSSH(in.Name, f.Hosts[flavour].Addr); err != nil {
			t.Fatalf("world: fleet: %v", err)
		}
	}
	return f
}
