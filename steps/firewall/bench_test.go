package firewall_test

import (
	"context"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/testhost"
	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/firewall"
)

// verifier is an engine over the firewall on an emulator, optionally with a real host that the
// firewall reads this session's address from (no --ssh-cidr).
func verifier(tb testing.TB, host bool) (*steps.Engine, *emulator.Emulator) {
	tb.Helper()
	em := emulator.Start(tb, emulator.Options{OperationDelay: 20 * time.Millisecond})
	cfg := em.AWSConfig()
	cfg.RetryMaxAttempts = 8 // as remote/awsapi.Load
	clients := awsapi.New(cfg)
	env := &steps.Env{Instance: instance, Region: cfg.Region, AWS: clients,
		Settings: steps.Settings{SSHCIDRs: []string{"198.51.100.4/32"}}}
	if host {
		env.Settings.SSHCIDRs = nil
		h := testhost.Start(tb, testhost.Options{TrustedUserCAKeys: ssh.MarshalAuthorizedKey(em.CAPublicKey())})
		if err := em.BindSSH(instance, h.Addr); err != nil {
			tb.Fatal(err)
		}
		var mu sync.Mutex
		var conn *sshhost.Client
		tb.Cleanup(func() {
			if conn != nil {
				conn.Close()
			}
		})
		env.SSH = func(ctx context.Context) (*sshhost.Client, error) {
			mu.Lock()
			defer mu.Unlock()
			if conn == nil {
				c, err := world.Dial(ctx, clients, instance, nil)
				if err != nil {
					return nil, err
				}
				conn = c
			}
			return conn, nil
		}
	}
	return &steps.Engine{Steps: []steps.Step{firewall.New()}, Env: env}, em
}

// callsByAction counts the emulator's calls per operation.
func callsByAction(em *emulator.Emulator) map[string]int {
	m := map[string]int{}
	for _, c := range em.Calls() {
		m[c.Action]++
	}
	return m
}

func verifyOK(tb testing.TB, eng *steps.Engine) {
	tb.Helper()
	for _, r := range eng.Verify(context.Background()) {
		if r.Status.Bad() {
			tb.Fatalf("%s: %s %s", r.Step, r.Status, r.Detail)
		}
	}
}

func TestCallsPerVerify(t *testing.T) {
	cases := []struct {
		name  string
		host  bool
		first map[string]int // the run's first verify
		next  map[string]int // each verify after it (the SSH connection is the run's one)
	}{
		{name: "--ssh-cidr set, no SSH", first: map[string]int{"GetInstancePortStates": 1}},
		{name: "address from this SSH session", host: true,
			first: map[string]int{"GetInstance": 1, "GetInstanceAccessDetails": 1, "GetInstancePortStates": 1},
			next:  map[string]int{"GetInstancePortStates": 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eng, em := verifier(t, tc.host)
			verifyOK(t, eng)
			if got := callsByAction(em); !maps.Equal(got, tc.first) {
				t.Errorf("first verify made %v, want %v", got, tc.first)
			}
			if tc.next == nil {
				tc.next = tc.first
			}
			em.ResetCalls()
			verifyOK(t, eng)
			if got := callsByAction(em); !maps.Equal(got, tc.next) {
				t.Errorf("next verify made %v, want %v", got, tc.next)
			}
			t.Logf("calls per verify: first %d, then %d (%v)", sum(tc.first), sum(tc.next), slices.Sorted(maps.Keys(tc.first)))
		})
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// BenchmarkVerify measures a verify of the firewall against the emulator: AWS calls per
// verify and time per verify. With a host, the run's SSH connection is dialled once beforehand and
// each verify gathers the session's address over it.
func BenchmarkVerify(b *testing.B) {
	for _, bc := range []struct {
		name string
		host bool
	}{{"ssh-cidr", false}, {"session-source", true}} {
		b.Run(bc.name, func(b *testing.B) {
			eng, em := verifier(b, bc.host)
			verifyOK(b, eng)
			em.ResetCalls()
			n := 0
			for b.Loop() {
				verifyOK(b, eng)
				n++
			}
			b.ReportMetric(float64(len(em.Calls()))/float64(n), "calls/op")
		})
	}
}
