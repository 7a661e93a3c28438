package registry_test

import (
	"context"
	"sync"
	"testing"

	"github.com/hardsail/hardsail/internal/testhost"
	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/registry"
)

// maxVerifyTurns is the most SSH round trips one instance's `verify` (every registry step) may take
// on its connection, handshake and login included: the fleet's critical path per instance (issue 15
// asks ≤ 14; bench/fleet reports it as ssh-turns/instance). It takes 9 (7 for the handshake and
// login, 2 for the one gathering); the counter may read one more when the scheduling splits a reply,
// and one more command would cost 2.
const maxVerifyTurns = 10

// verifyAllTurns runs every registry step's check over one counted SSH connection, as
// `hardsail verify` does, and returns the connection's round trips (in all, and of the handshake)
// and the remote commands that ran, in the order they ended.
func verifyAllTurns(t *testing.T, w *world.World) (total, handshake int, cmds []string) {
	t.Helper()
	env := w.Env(t)
	env.Settings = steps.WithDefaults(steps.Settings{}, steps.OptionsOf(registry.All()))
	dialer := &testhost.CountingDialer{}
	var mu sync.Mutex
	var c *sshhost.Client
	env.SSH = func(ctx context.Context) (*sshhost.Client, error) {
		mu.Lock()
		defer mu.Unlock()
		if c != nil {
			return c, nil
		}
		observe := func(cmd sshhost.Command) {
			mu.Lock()
			defer mu.Unlock()
			cmds = append(cmds, cmd.Line)
		}
		conn, err := world.DialThrough(ctx, env.AWS, w.Instance, observe, dialer.DialContext)
		if err != nil {
			return nil, err
		}
		c, handshake = conn, dialer.Stats().Turns
		return c, nil
	}
	for _, r := range (&steps.Engine{Steps: registry.All(), Env: env}).Verify(context.Background()) {
		if r.Status == steps.StatusUnknown || r.Status == steps.StatusFailed {
			t.Errorf("%s: %s: %s (%v)", r.Step, r.Status, r.Detail, r.Err)
		}
	}
	if c != nil {
		c.Close()
	}
	if n := len(dialer.Conns()); n != 1 {
		t.Fatalf("verify opened %d SSH connections, want 1", n)
	}
	return dialer.Stats().Turns, handshake, cmds
}

// One instance's verify of every step, on a real host of each WordPress flavour, runs one remote
// command and stays within maxVerifyTurns round trips: a step that adds a remote command of its
// own, or a command that waits on a reply it need not, fails it.
func TestVerifyAllRoundTrips(t *testing.T) {
	for _, flavour := range []string{world.Bitnami, world.Lightsail} {
		t.Run(flavour, func(t *testing.T) {
			t.Parallel()
			w := world.New(t, world.Options{Blueprint: flavour, Host: true, OpenSSH: true})
			total, handshake, cmds := verifyAllTurns(t, w)
			for _, c := range cmds {
				t.Logf("command: %.160s", c)
			}
			t.Logf("verify of every step on %s: %d round trips (%d of them the handshake), %d remote commands",
				flavour, total, handshake, len(cmds))
			if total > maxVerifyTurns {
				t.Errorf("verify took %d round trips (handshake %d, %d commands), want at most %d", total, handshake, len(cmds), maxVerifyTurns)
			}
			if len(cmds) != 1 {
				t.Errorf("verify ran %d remote commands, want 1: every check's reads and read-only scripts in the one gathering", len(cmds))
			}
		})
	}
}
