package https

import (
	"strings"
	"testing"

	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/blueprint"
	"github.com/hardsail/hardsail/steps/steptest"
)

// TestConformanceLoadBalancerOnLightsail: on the Lightsail-packaged layout the X-Forwarded-Proto
// block goes into /var/www/html/wp-config.php (the host says where; the Bitnami path is not even
// there), and the harness holds the contract with that file watched.
func TestConformanceLoadBalancerOnLightsail(t *testing.T) {
	requireHost(t)
	wp := wpConfigOf(blueprint.Lightsail)
	w := world.New(t, world.Options{Blueprint: world.Lightsail, Host: true, OpenSSH: true,
		Settings: lbSettings("example.com", "www.example.com"), AcceptCost: true, Watch: []string{wp}})
	s := testStep(w)
	env := w.Env(t)
	st, err := s.Check(t.Context(), env)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Plan(st, env.Settings)
	if err != nil {
		t.Fatal(err)
	}
	var wpChanges []string
	for _, c := range p.Changes {
		if c.File {
			wpChanges = append(wpChanges, string(c.Action)+" "+c.Address)
		}
	}
	if len(wpChanges) != 1 || wpChanges[0] != "+ host:"+wp {
		t.Fatalf("host changes %q, want the block added to %s", wpChanges, wp)
	}
	for _, f := range st.Findings {
		if f.Severity == "warning" && !isDNSFinding(f) {
			t.Errorf("unexpected warning on a clean Lightsail-packaged host: %s", f.Message)
		}
	}
	steptest.Conformance(t, steptest.Case{
		Step: s, World: dnsRecords{w},
		Perturb: func(t *testing.T) { w.Run(t, "echo '// edited by hand' >> "+wp) },
	})
}

// isDNSFinding is a finding about where the names point, which every fresh scenario has.
func isDNSFinding(f steps.Finding) bool {
	return strings.Contains(f.Message, "does not point at the load balancer") || strings.Contains(f.Message, "not in a Lightsail DNS zone")
}

// TestUndoAcceptsOnlyALayoutsWPConfig: the allow-list of files undo may restore is each layout's
// wp-config.php, and nothing else.
func TestUndoAcceptsOnlyALayoutsWPConfig(t *testing.T) {
	for _, p := range []string{wpConfigOf(blueprint.Bitnami), wpConfigOf(blueprint.Lightsail)} {
		if !ownsFile(p) {
			t.Errorf("undo refuses %s", p)
		}
	}
	for _, p := range []string{"/etc/shadow", "/var/www/html/index.php", "/var/www/wp-config.php", ""} {
		if ownsFile(p) {
			t.Errorf("undo accepts %s", p)
		}
	}
}
