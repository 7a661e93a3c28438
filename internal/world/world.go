// Package world is the test fixture every step test works on: the AWS emulator and, when asked, a
// real Debian test host bound to it, reached with keyless SSH through the emulator's firewall proxy,
// exactly as hardsail reaches a Lightsail instance. Options.Blueprint picks the WordPress blueprint
// flavour (Bitnami by default, or packaged by Lightsail); Options.OS an OS-only Ubuntu 24.04 instance
// instead, for the steps that configure the operating system. It satisfies steptest.World.
package world

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"
	"golang.org/x/crypto/ssh"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/hostmanifest"
	"github.com/hardsail/hardsail/internal/testhost"
	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
)

// Blueprint flavours (hostmanifest's names).
const (
	Bitnami   = hostmanifest.Bitnami
	Lightsail = hostmanifest.Lightsail
)

// Ubuntu2404 is the OS of an instance of Lightsail's Ubuntu 24.04 blueprint: no WordPress.
const Ubuntu2404 = testhost.Ubuntu2404

// Options choose the world.
type Options struct {
	// Blueprint is Bitnami (default: user bitnami, /opt/bitnami, scenario "wordpress-fresh") or
	// Lightsail (user admin, /var/www/html, scenario emulator.ScenarioLightsailFresh, whose port 22
	// admits only lightsail-connect, so the test client cannot SSH until the firewall allows it).
	Blueprint string
	// OS is "" (the Blueprint's Debian 12) or Ubuntu2404: an instance of Lightsail's OS-only Ubuntu
	// 24.04 blueprint (user ubuntu, no WordPress layout, scenario emulator.ScenarioUbuntuFresh);
	// Blueprint and DB must then be empty.
	OS       string
	Scenario string // emulator scenario; default the Blueprint's (or the OS's)
	Host     bool   // start a real test host of the Blueprint's layout bound to the instance
	// OpenSSH, with Host, opens port 22 to the test client (127.0.0.1/32) at start when the
	// scenario does not admit it, as a setup step: not in Snapshot's baseline diff, not a mutation.
	OpenSSH  bool
	DB       string // testhost.DBMySQL (default) or testhost.DBMariaDB (Bitnami only)
	Settings steps.Settings
	Ask      steps.Asker
	// AcceptCost is copied into every Env (--accept-cost).
	AcceptCost bool
	// Watch are host paths (files or trees) whose contents, modes and owners go into Snapshot.
	Watch []string
}

// World is the emulator plus (optionally) a host; every Env made from it talks to both.
type World struct {
	Em       *emulator.Emulator
	Host     *testhost.Host
	Instance string

	opts Options

	mu      sync.Mutex
	clients []*sshhost.Client // every connection an Env dialled, for Mutations
}

// DefaultInstance is the scenario's instance name when the scenario has none to offer.
const DefaultInstance = "WordPress-1"

// New starts the world; everything stops when t ends.
func New(t testing.TB, o Options) *World {
	t.Helper()
	if err := o.complete(); err != nil {
		t.Fatalf("world: %v", err)
	}
	em := emulator.Start(t, emulator.Options{Scenario: o.Scenario, OperationDelay: 20 * time.Millisecond})
	w := &World{Em: em, Instance: DefaultInstance, opts: o}
	if st := em.State(); len(st.Instances) > 0 {
		w.Instance = st.Instances[0].Name
	}
	if o.Host {
		w.Host = testhost.Start(t, testhost.Options{Flavour: o.Blueprint, OS: o.OS, DB: o.DB, TrustedUserCAKeys: ssh.MarshalAuthorizedKey(em.CAPublicKey())})
		if err := em.BindSSH(w.Instance, w.Host.Addr); err != nil {
			t.Fatalf("world: %v", err)
		}
		if o.OpenSSH {
			w.openSSH(t)
		}
	}
	return w
}

// scenarios is each blueprint flavour's (and the Ubuntu OS's) default emulator scenario.
var scenarios = map[string]string{Bitnami: "wordpress-fresh", Lightsail: emulator.ScenarioLightsailFresh, Ubuntu2404: emulator.ScenarioUbuntuFresh}

// complete checks o and fills in the Blueprint's (or OS's) defaults.
func (o *Options) complete() error {
	switch o.OS {
	case "":
		m, err := hostmanifest.For(o.Blueprint)
		if err != nil {
			return err
		}
		o.Blueprint = m.Flavour
	case Ubuntu2404:
		if o.Blueprint != "" || o.DB != "" {
			return fmt.Errorf("OS %q is an OS-only instance with no WordPress layout (leave Blueprint and DB empty)", o.OS)
		}
	default:
		return fmt.Errorf("unknown OS %q (want %q, or none for the Blueprint's Debian 12)", o.OS, Ubuntu2404)
	}
	if o.Scenario == "" {
		o.Scenario = scenarios[cmp.Or(o.OS, o.Blueprint)]
	}
	return nil
}

// Blueprint is the world's flavour (Bitnami or Lightsail; "" on the OS-only Ubuntu instance).
func (w *World) Blueprint() string { return w.opts.Blueprint }

// openSSH adds the test client's address to port 22's rule unless a rule admits it already,
// then forgets the call so no step is charged with it.
func (w *World) openSSH(t testing.TB) {
	t.Helper()
	for _, in := range w.Em.State().Instances {
		for _, r := range in.Networking.Ports {
			if in.Name == w.Instance && r.FromPort <= 22 && r.ToPort >= 22 &&
				slices.ContainsFunc(r.Cidrs, func(c string) bool { return c == "0.0.0.0/0" || c == "127.0.0.1/32" }) {
				return
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := lightsail.NewFromConfig(w.Em.AWSConfig()).OpenInstancePublicPorts(ctx, &lightsail.OpenInstancePublicPortsInput{
		InstanceName: aws.String(w.Instance),
		PortInfo: &types.PortInfo{FromPort: 22, ToPort: 22, Protocol: types.NetworkProtocolTcp,
			Cidrs: []string{"127.0.0.1/32"}, CidrListAliases: []string{"lightsail-connect"}},
	})
	if err != nil {
		t.Fatalf("world: open port 22 to the test client: %v", err)
	}
	w.Em.ResetCalls()
}

// Env returns a fresh Env over the world. Its SSH dials one connection on first use (keyless, through
// the emulator's firewall proxy) and closes it when t ends.
func (w *World) Env(t *testing.T) *steps.Env {
	t.Helper()
	return w.EnvTB(t)
}

// EnvTB is Env for benchmarks.
func (w *World) EnvTB(t testing.TB) *steps.Env {
	t.Helper()
	clients := awsapi.New(w.Em.AWSConfig())
	clients.Poll = awsapi.Backoff{Initial: 20 * time.Millisecond, Max: 200 * time.Millisecond}
	env := &steps.Env{
		Instance:   w.Instance,
		Region:     clients.Config.Region,
		Account:    emulator.AccountID,
		Settings:   w.opts.Settings,
		Log:        slog.New(slog.DiscardHandler),
		Now:        time.Now,
		AWS:        clients,
		Ask:        w.opts.Ask,
		AcceptCost: w.opts.AcceptCost,
	}
	if w.Host == nil {
		return env
	}
	var mu sync.Mutex
	var conn *sshhost.Client
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if conn != nil {
			conn.Close()
		}
	})
	env.SSH = func(ctx context.Context) (*sshhost.Client, error) {
		mu.Lock()
		defer mu.Unlock()
		if conn != nil {
			return conn, nil
		}
		c, err := Dial(ctx, clients, w.Instance, func(c sshhost.Command) {
			env.Emit(steps.Event{Kind: steps.EventCommand, Message: c.Line, At: time.Now()})
		})
		if err != nil {
			return nil, err
		}
		conn = c
		w.mu.Lock()
		w.clients = append(w.clients, c)
		w.mu.Unlock()
		return c, nil
	}
	return env
}

// Dial connects to instance the way hardsail does by default: keyless, with the host keys Lightsail reports.
func Dial(ctx context.Context, clients *awsapi.Clients, instance string, observe func(sshhost.Command)) (*sshhost.Client, error) {
	return DialThrough(ctx, clients, instance, observe, nil)
}

// DialThrough is Dial over connections made by dial (tests count or cut them); nil dials TCP.
func DialThrough(ctx context.Context, clients *awsapi.Clients, instance string, observe func(sshhost.Command),
	dial func(ctx context.Context, network, addr string) (net.Conn, error)) (*sshhost.Client, error) {
	a, err := clients.SSHAccess(ctx, instance)
	if err != nil {
		return nil, err
	}
	cfg, err := sshhost.KeylessConfig(a.Addr, a.User, a.PrivateKey, a.CertKey, a.HostKeys)
	if err != nil {
		return nil, err
	}
	cfg.Timeout = 10 * time.Second
	cfg.Observer = observe
	cfg.Dial = dial
	return sshhost.Dial(ctx, cfg)
}

// volatile are State keys that change without anything a step did changing: operation logs and ids.
var volatile = map[string]bool{"Operations": true, "SetupHistory": true, "operationId": true, "operationIds": true, "statusChangedAt": true}

// Snapshot is everything a step could touch, as comparable text: the emulator's Lightsail and IAM
// state (volatile fields dropped) and, for each watched host path, one line per file.
func (w *World) Snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, part := range []struct {
		name  string
		state any
	}{{"lightsail", w.Em.State()}, {"iam", w.Em.IAM().Snapshot()}} {
		raw, err := json.Marshal(part.state)
		if err != nil {
			t.Fatalf("world: encode %s state: %v", part.name, err)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("world: decode %s state: %v", part.name, err)
		}
		out, err := json.MarshalIndent(dropVolatile(v), "", "  ")
		if err != nil {
			t.Fatalf("world: encode %s state: %v", part.name, err)
		}
		fmt.Fprintf(&b, "%s: %s\n", part.name, out)
	}
	if w.Host != nil && len(w.opts.Watch) > 0 {
		tree := w.Host.TreeHash(t, w.opts.Watch...)
		paths := make([]string, 0, len(tree))
		for p := range tree {
			paths = append(paths, p)
		}
		slices.Sort(paths)
		b.WriteString("host:\n")
		for _, p := range paths {
			fmt.Fprintf(&b, "%s %s\n", p, tree[p])
		}
	}
	return b.String()
}

func dropVolatile(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if volatile[k] {
				delete(x, k)
				continue
			}
			x[k] = dropVolatile(e)
		}
	case []any:
		for i, e := range x {
			x[i] = dropVolatile(e)
		}
	}
	return v
}

// Mutations is the emulator's mutating calls plus the mutating commands of every SSH connection any
// Env of this world dialled.
func (w *World) Mutations(t *testing.T) int {
	t.Helper()
	n := len(w.Em.MutatingCalls())
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.clients {
		n += c.Mutations()
	}
	return n
}

// Run runs cmd as root on the host (not through any Env, so it is no step's mutation) and returns
// its standard output; a non-zero exit fails t.
func (w *World) Run(t *testing.T, cmd string) string {
	t.Helper()
	if w.Host == nil {
		t.Fatal("world: Run needs Options{Host: true}")
	}
	out, errOut, exit := w.Host.Run(t, "sudo -n sh -c '"+strings.ReplaceAll(cmd, "'", `'\''`)+"'")
	if exit != 0 {
		t.Fatalf("world: on the host as root: %s: exit %d: %s", cmd, exit, errOut)
	}
	return out
}
