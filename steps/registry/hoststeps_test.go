package registry_test

import (
	"context"
	"testing"

	"github.com/hardsail/hardsail/internal/testhost"
	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/logcleanup"
	"github.com/hardsail/hardsail/steps/upgrades"
)

// countedVerify runs `hardsail verify auto-upgrades log-cleanup` over one counted SSH connection and
// returns the dialler and the round trips after the handshake.
func countedVerify(tb testing.TB, w *world.World, env *steps.Env) (*testhost.CountingDialer, int) {
	tb.Helper()
	dialer := &testhost.CountingDialer{}
	var c *sshhost.Client
	var handshake int
	env.SSH = func(ctx context.Context) (*sshhost.Client, error) {
		if c != nil {
			return c, nil
		}
		var err error
		if c, err = world.DialThrough(ctx, env.AWS, w.Instance, nil, dialer.DialContext); err != nil {
			return nil, err
		}
		handshake = dialer.Stats().Turns
		return c, nil
	}
	eng := &steps.Engine{Steps: []steps.Step{upgrades.New(), logcleanup.New()}, Env: env}
	for _, r := range eng.Verify(context.Background()) {
		if r.Err != nil {
			tb.Fatalf("%s: %v", r.Step, r.Err)
		}
	}
	if c != nil {
		c.Close()
	}
	return dialer, dialer.Stats().Turns - handshake
}

// The latency budget: verify of the two host steps uses one SSH connection and at most 12
// round trips after the handshake (both steps' facts come from one remote command).
func TestHostVerifyRoundTrips(t *testing.T) {
	w := world.New(t, world.Options{Host: true})
	dialer, turns := countedVerify(t, w, w.Env(t))
	if n := len(dialer.Conns()); n != 1 {
		t.Fatalf("verify opened %d SSH connections, want 1", n)
	}
	if turns > 12 {
		t.Fatalf("verify took %d round trips after the handshake, want at most 12", turns)
	}
	t.Logf("verify of auto-upgrades + log-cleanup: 1 connection, %d round trips after the handshake", turns)
}

// BenchmarkHostVerify reports the round trips and wall time of a verify of the two host steps
// against the real test host (one fresh connection per op, handshake included in ns/op).
func BenchmarkHostVerify(b *testing.B) {
	w := world.New(b, world.Options{Host: true})
	turns := 0
	for b.Loop() {
		_, n := countedVerify(b, w, w.EnvTB(b))
		turns += n
	}
	b.ReportMetric(float64(turns)/float64(b.N), "turns/op")
}
