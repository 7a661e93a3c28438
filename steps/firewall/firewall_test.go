package firewall_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/firewall"
	"github.com/hardsail/hardsail/steps/steptest"
)

const instance = "WordPress-1"

// ports is the instance's firewall as the emulator holds it.
func ports(w *world.World) []emulator.InstancePortInfo {
	return w.Em.State().Instances[0].Networking.Ports
}

// rules renders ports as "22/tcp from 127.0.0.1/32 + lightsail-connect", in order.
func rules(w *world.World) []string {
	var out []string
	for _, p := range ports(w) {
		key := fmt.Sprintf("%d/%s", p.FromPort, p.Protocol)
		if p.FromPort != p.ToPort {
			key = fmt.Sprintf("%d-%d/%s", p.FromPort, p.ToPort, p.Protocol)
		}
		from := slices.Concat([]string{strings.Join(slices.Concat(p.Cidrs, p.Ipv6Cidrs), ", ")}, p.CidrListAliases)
		from = slices.DeleteFunc(from, func(s string) bool { return s == "" })
		out = append(out, key+" from "+strings.Join(from, " + "))
	}
	return out
}

// retrying returns an Env whose AWS clients retry like remote/awsapi.Load's (attempts per call).
func retrying(t *testing.T, w *world.World, attempts int) *steps.Env {
	t.Helper()
	env := w.Env(t)
	cfg := w.Em.AWSConfig()
	cfg.RetryMaxAttempts = attempts
	c := awsapi.New(cfg)
	c.Poll = env.AWS.Poll
	env.AWS = c
	return env
}

func journal(t *testing.T) *steps.Journal {
	t.Helper()
	j, err := steps.OpenJournal(steps.PathsFor(t.TempDir(), steps.Key{Account: emulator.AccountID, Region: "us-east-1", Instance: instance}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func openPort(t *testing.T, w *world.World, port int32) {
	t.Helper()
	_, err := lightsail.NewFromConfig(w.Em.AWSConfig()).OpenInstancePublicPorts(t.Context(), &lightsail.OpenInstancePublicPortsInput{
		InstanceName: aws.String(instance),
		PortInfo:     &types.PortInfo{FromPort: port, ToPort: port, Protocol: types.NetworkProtocolTcp, Cidrs: []string{"0.0.0.0/0"}}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestConformance(t *testing.T) {
	w := world.New(t, world.Options{Host: true})
	steptest.Conformance(t, steptest.Case{
		Step:  firewall.New(),
		World: w,
		// Someone opens MySQL in the console after the preview.
		Perturb: func(t *testing.T) { openPort(t, w, 3306) },
	})
}

// TestConformanceOnLightsail: a fresh instance of the Lightsail-packaged blueprint admits SSH
// only from lightsail-connect, so Check cannot reach the host: it takes the address this computer
// dials from (127.0.0.1 here), plans 22 open to it, and the lockout guard's new connection gets in
// once the rule is there. Undo closes it again, to lightsail-connect only.
func TestConformanceOnLightsail(t *testing.T) {
	w := world.New(t, world.Options{Blueprint: world.Lightsail, Host: true})
	if got := rules(w)[0]; got != "22/tcp from lightsail-connect" {
		t.Fatalf("the scenario starts with 22 %q, want it closed to all but lightsail-connect", got)
	}
	env := w.Env(t)
	st, err := firewall.New().Check(t.Context(), env)
	if err != nil {
		t.Fatalf("Check with SSH closed: %v", err)
	}
	if _, err := env.SSH(t.Context()); err == nil {
		t.Fatal("SSH got through a firewall that admits only lightsail-connect")
	}
	p, err := firewall.New().Plan(st, env.Settings)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 1 || p.Changes[0].Before != "lightsail-connect" || p.Changes[0].After != "127.0.0.1/32 + lightsail-connect" {
		t.Fatalf("plan %+v, want 22 opened to this computer's 127.0.0.1/32 and lightsail-connect kept", p.Changes)
	}
	steptest.Conformance(t, steptest.Case{
		Step:  firewall.New(),
		World: w,
		// Someone opens MySQL in the console after the preview.
		Perturb: func(t *testing.T) { openPort(t, w, 3306) },
	})
}

func TestDefaultSourceIsThisSession(t *testing.T) {
	w := world.New(t, world.Options{Host: true})
	env := w.Env(t)
	saved := filepath.Join(t.TempDir(), "settings.json")
	eng := &steps.Engine{Steps: []steps.Step{firewall.New()}, Env: env, Journal: journal(t), SettingsPath: saved}
	rs := eng.Verify(t.Context())
	if got := optionOf(t, firewall.New(), "ssh-cidr").Suggest(rs[0].State); got != "127.0.0.1/32" {
		t.Errorf("the wizard would suggest --ssh-cidr %q, want the session's 127.0.0.1/32", got)
	}
	if len(rs[0].Plan.Changes) != 1 {
		t.Fatalf("plan %+v", rs[0].Plan.Changes)
	}
	c := rs[0].Plan.Changes[0]
	if c.Address != "lightsail:WordPress-1/firewall/22-tcp" || c.Before != "0.0.0.0/0, ::/0" || c.After != "127.0.0.1/32 + lightsail-connect" {
		t.Fatalf("change %+v, want 22 narrowed to the session's 127.0.0.1/32", c)
	}
	outs := eng.Apply(t.Context(), rs)
	if outs[0].Status != steps.StatusChanged || !strings.Contains(outs[0].Detail, "a new SSH connection from 127.0.0.1/32 still gets in") {
		t.Fatalf("apply %+v", outs)
	}
	want := []string{"22/tcp from 127.0.0.1/32 + lightsail-connect", "80/tcp from 0.0.0.0/0, ::/0", "443/tcp from 0.0.0.0/0, ::/0"}
	if got := rules(w); !slices.Equal(got, want) {
		t.Errorf("firewall %q, want %q", got, want)
	}
	// "My address" is saved as the address applied, so a later verify compares with it.
	s, err := steps.LoadSettings(saved)
	if err != nil || !slices.Equal(s.SSHCIDRs, []string{"127.0.0.1/32"}) {
		t.Errorf("saved --ssh-cidr %q (%v), want the applied 127.0.0.1/32", s.SSHCIDRs, err)
	}
}

func optionOf(t *testing.T, s *firewall.Step, flag string) steps.Option {
	t.Helper()
	for _, o := range s.Options() {
		if o.Flag == flag {
			return o
		}
	}
	t.Fatalf("no option --%s", flag)
	return steps.Option{}
}

func TestLockoutGuardPutsThePreviousRulesBack(t *testing.T) {
	w := world.New(t, world.Options{Host: true, Settings: steps.Settings{SSHCIDRs: []string{"203.0.113.7/32"}}})
	before := ports(w)
	env := w.Env(t)
	fw := firewall.New()
	fw.GuardTimeout, fw.GuardBackoff = 2*time.Second, 100*time.Millisecond
	j := journal(t)
	eng := &steps.Engine{Steps: []steps.Step{fw}, Env: env, Journal: j}
	rs := eng.Verify(t.Context())
	if !slices.ContainsFunc(rs[0].Plan.Notes, func(n string) bool { return strings.Contains(n, "127.0.0.1/32, which --ssh-cidr leaves out") }) {
		t.Errorf("the preview does not warn that 127.0.0.1 is left out: %q", rs[0].Plan.Notes)
	}

	live, err := fw.Check(t.Context(), env)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := fw.Apply(t.Context(), env, live, rs[0].Plan, steps.NewRecorder(j, env, firewall.ID))
	if err == nil || rep.Resolved != nil {
		t.Fatalf("apply %+v, %v; want a lockout error and nothing resolved", rep, err)
	}
	if h := steps.HintOf(err); !strings.Contains(h, "Wrong --ssh-cidr? VPN? Your address as the instance sees it is 127.0.0.1") {
		t.Errorf("hint %q", h)
	}
	if !strings.Contains(err.Error(), "the previous rules were put back") {
		t.Errorf("error %q does not say the rules were put back", err)
	}
	if got := ports(w); !reflect.DeepEqual(got, before) {
		t.Errorf("firewall after the guard:\n%+v\nwant the prior set:\n%+v", got, before)
	}
	entries, _ := j.Entries()
	if len(entries) != 2 || entries[0].State != steps.EntryUndone || entries[1].Undoes != entries[0].ID || entries[1].State != steps.EntryDone {
		t.Fatalf("journal %+v, want the change (undone) and its rollback (done)", entries)
	}
	if !strings.Contains(entries[0].Change.After, "22/tcp from 203.0.113.7/32 + lightsail-connect") ||
		!strings.Contains(entries[1].Change.After, "22/tcp from 0.0.0.0/0, ::/0") {
		t.Errorf("journal changes:\n%s\n--\n%s", entries[0].Change.After, entries[1].Change.After)
	}
	if undo, _ := eng.UndoPlan(); len(undo) != 0 {
		t.Errorf("undo would still reverse %d entries after the guard rolled back", len(undo))
	}
	// The user is not locked out: a new connection gets in.
	c, err := w.Env(t).SSH(t.Context())
	if err != nil {
		t.Fatalf("SSH after the rollback: %v", err)
	}
	if _, err := c.Run(t.Context(), "true"); err != nil {
		t.Fatalf("SSH after the rollback: %v", err)
	}

	// Through the engine the step reports failed, saying what happened.
	outs := eng.Apply(t.Context(), eng.Verify(t.Context()))
	if outs[0].Status != steps.StatusFailed || !strings.Contains(outs[0].Detail, "previous rules were put back") {
		t.Errorf("engine apply %+v", outs)
	}
}

func TestOtherPorts(t *testing.T) {
	cases := []struct {
		name     string
		close    []string
		changes  int
		finding  bool
		after    []string
		undoBack bool
	}{
		{name: "3306 open is only reported", changes: 1, finding: true,
			after: []string{"22/tcp from 198.51.100.4/32 + lightsail-connect", "80/tcp from 0.0.0.0/0, ::/0", "443/tcp from 0.0.0.0/0, ::/0", "3306/tcp from 0.0.0.0/0"}},
		{name: "--close-port 3306/tcp closes it", close: []string{"3306/tcp"}, changes: 2,
			after: []string{"22/tcp from 198.51.100.4/32 + lightsail-connect", "80/tcp from 0.0.0.0/0, ::/0", "443/tcp from 0.0.0.0/0, ::/0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := world.New(t, world.Options{Settings: steps.Settings{SSHCIDRs: []string{"198.51.100.4/32"}, ClosePorts: tc.close}})
			openPort(t, w, 3306)
			before := ports(w)
			eng := &steps.Engine{Steps: []steps.Step{firewall.New()}, Env: w.Env(t), Journal: journal(t)}
			rs := eng.Verify(t.Context())
			if len(rs[0].Plan.Changes) != tc.changes {
				t.Fatalf("changes %+v, want %d", rs[0].Plan.Changes, tc.changes)
			}
			found := slices.ContainsFunc(rs[0].Findings, func(f steps.Finding) bool {
				return strings.Contains(f.Message, "3306/tcp") && f.Fix == "hardsail apply firewall --close-port 3306/tcp"
			})
			if found != tc.finding {
				t.Errorf("findings %+v, want a 3306 finding: %v", rs[0].Findings, tc.finding)
			}
			if outs := eng.Apply(t.Context(), rs); outs[0].Status != steps.StatusChanged {
				t.Fatalf("apply %+v", outs)
			}
			if got := rules(w); !slices.Equal(got, tc.after) {
				t.Errorf("firewall %q, want %q", got, tc.after)
			}
			undo, _ := eng.UndoPlan()
			if outs := eng.Undo(t.Context(), undo); outs[0].Status != steps.StatusChanged {
				t.Fatalf("undo %+v", outs)
			}
			if got := ports(w); !reflect.DeepEqual(got, before) {
				t.Errorf("after undo %+v, want %+v", got, before)
			}
		})
	}
}

func TestSSHClosedToAllButTheConsole(t *testing.T) {
	w := world.New(t, world.Options{Settings: steps.Settings{SSHCIDRs: []string{"none"}}})
	eng := &steps.Engine{Steps: []steps.Step{firewall.New()}, Env: w.Env(t), Journal: journal(t)}
	outs := eng.Apply(t.Context(), eng.Verify(t.Context()))
	if outs[0].Status != steps.StatusChanged || !strings.Contains(outs[0].Detail, "no SSH check afterwards") {
		t.Fatalf("apply %+v", outs)
	}
	if got := rules(w)[0]; got != "22/tcp from lightsail-connect" {
		t.Errorf("22 is %q, want only the browser console", got)
	}
}

func TestCheckWithoutSSHNeedsSSHCIDR(t *testing.T) {
	w := world.New(t, world.Options{})
	eng := &steps.Engine{Steps: []steps.Step{firewall.New()}, Env: w.Env(t)}
	rs := eng.Verify(t.Context())
	if rs[0].Status != steps.StatusUnknown || !strings.Contains(rs[0].Fix, "--ssh-cidr YOUR.IP/32") {
		t.Errorf("verify without SSH and without --ssh-cidr: %s %q fix %q", rs[0].Status, rs[0].Detail, rs[0].Fix)
	}
}

func TestUndoRefusesAFirewallChangedSince(t *testing.T) {
	w := world.New(t, world.Options{Settings: steps.Settings{SSHCIDRs: []string{"198.51.100.4/32"}}})
	before := ports(w)
	env := w.Env(t)
	eng := &steps.Engine{Steps: []steps.Step{firewall.New()}, Env: env, Journal: journal(t)}
	eng.Apply(t.Context(), eng.Verify(t.Context()))
	openPort(t, w, 8080)
	changed := ports(w)
	undo, _ := eng.UndoPlan()
	outs := eng.Undo(t.Context(), undo)
	if outs[0].Status != steps.StatusFailed || !strings.Contains(outs[0].Detail, "8080/tcp: before hardsail closed · hardsail set closed · now 0.0.0.0/0") {
		t.Fatalf("undo over a changed firewall: %+v", outs)
	}
	if got := ports(w); !reflect.DeepEqual(got, changed) {
		t.Errorf("a refused undo changed the firewall")
	}
	env.Force = true
	undo, _ = eng.UndoPlan()
	if outs := eng.Undo(t.Context(), undo); outs[0].Status != steps.StatusChanged {
		t.Fatalf("undo --force %+v", outs)
	}
	if got := ports(w); !reflect.DeepEqual(got, before) {
		t.Errorf("undo --force gave %+v, want the rules from before hardsail", got)
	}
}

func TestThrottlingIsAbsorbedByTheRetryer(t *testing.T) {
	w := world.New(t, world.Options{Settings: steps.Settings{SSHCIDRs: []string{"198.51.100.4/32"}}})
	j := journal(t)
	eng := &steps.Engine{Steps: []steps.Step{firewall.New()}, Env: retrying(t, w, 8), Journal: j}
	rs := eng.Verify(t.Context())
	// The burst lands on the PutInstancePublicPorts itself.
	j.OnRecord = func(kind, _ string) {
		if kind == "begin" {
			w.Em.Throttle(3)
		}
	}
	outs := eng.Apply(t.Context(), rs)
	if outs[0].Status != steps.StatusChanged {
		t.Fatalf("apply under throttling: %+v", outs)
	}
	throttled := 0
	for _, c := range w.Em.Calls() {
		if c.ErrorCode == "ThrottlingException" && c.Action == "PutInstancePublicPorts" {
			throttled++
		}
	}
	if throttled != 3 {
		t.Errorf("%d throttled PutInstancePublicPorts calls, want 3 retried", throttled)
	}
}

func TestServerErrorMidApplyLeavesAnExactJournal(t *testing.T) {
	cases := []struct {
		name     string
		attempts int    // SDK attempts per call: 1 stands for retries exhausted
		on       string // journal record that arms the fault
		fail     int    // calls that get HTTP 500
		status   steps.Status
		entry    steps.EntryState // the firewall entry after apply
	}{
		{name: "retried 5xx on the put is absorbed", attempts: 8, on: "begin", fail: 2, status: steps.StatusChanged, entry: steps.EntryDone},
		{name: "put fails: nothing changed, entry failed", attempts: 1, on: "begin", fail: 1, status: steps.StatusFailed, entry: steps.EntryFailed},
		{name: "put and the re-read fail: entry unknown", attempts: 1, on: "begin", fail: 2, status: steps.StatusFailed, entry: steps.EntryUnknown},
		{name: "wait fails after the put: entry done", attempts: 1, on: "done", fail: 1, status: steps.StatusFailed, entry: steps.EntryDone},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := world.New(t, world.Options{Settings: steps.Settings{SSHCIDRs: []string{"198.51.100.4/32"}}})
			before := ports(w)
			j := journal(t)
			eng := &steps.Engine{Steps: []steps.Step{firewall.New()}, Env: retrying(t, w, tc.attempts), Journal: j}
			rs := eng.Verify(t.Context())
			armed := false
			j.OnRecord = func(kind, _ string) {
				if kind == tc.on && !armed {
					armed = true
					w.Em.FailServer(tc.fail)
				}
			}
			outs := eng.Apply(t.Context(), rs)
			j.OnRecord = nil
			if outs[0].Status != tc.status {
				t.Fatalf("apply %+v, want %s", outs, tc.status)
			}
			entries, _ := j.Entries()
			if len(entries) != 1 || entries[0].State != tc.entry {
				t.Fatalf("journal %+v, want one entry %s", entries, tc.entry)
			}
			undo, _ := eng.UndoPlan()
			for _, o := range eng.Undo(t.Context(), undo) {
				if o.Status.Bad() {
					t.Fatalf("undo %+v", o)
				}
			}
			if got := ports(w); !reflect.DeepEqual(got, before) {
				t.Errorf("after undo the firewall is %+v, want exactly %+v", got, before)
			}
			if again, _ := eng.UndoPlan(); len(again) != 0 {
				t.Errorf("a second undo would still reverse %d entries", len(again))
			}
		})
	}
}

// A month later, from another network: the saved --ssh-cidr no longer admits this session. Verify
// compares with the saved value, reports the firewall ok and says how to move SSH, without
// planning to move it; `--ssh-cidr auto` then moves it to this address and saves that.
func TestVerifyFromAnotherAddressReportsButDoesNotMoveSSH(t *testing.T) {
	w := world.New(t, world.Options{Host: true, Settings: steps.Settings{SSHCIDRs: []string{"198.51.100.4/32"}}})
	env := w.Env(t)
	// The run's connection is up before the firewall stops admitting 127.0.0.1 (the emulated
	// firewall is stateful, like Lightsail's): it stands for a session from the new network.
	if _, err := env.SSH(t.Context()); err != nil {
		t.Fatal(err)
	}
	putPorts(t, w, hardened())
	applied := ports(w)
	eng := &steps.Engine{Steps: []steps.Step{firewall.New()}, Env: env, Journal: journal(t)}
	rs := eng.Verify(t.Context())
	if rs[0].Status != steps.StatusOK || !rs[0].Plan.Empty() {
		t.Fatalf("verify from elsewhere: %s %q, plan %+v; want ok with nothing to change", rs[0].Status, rs[0].Detail, rs[0].Plan.Changes)
	}
	want := steps.Finding{ID: "firewall.ssh_not_from_here", Severity: "warning",
		Message: "SSH from here (127.0.0.1) is not allowed: the firewall admits SSH from 198.51.100.4/32 + lightsail-connect only. `hardsail apply firewall --ssh-cidr auto` moves it to this address.",
		Fix:     "hardsail apply firewall --ssh-cidr auto"}
	if !slices.Contains(rs[0].Findings, want) {
		t.Errorf("findings %+v, want %+v", rs[0].Findings, want)
	}
	if outs := eng.Apply(t.Context(), rs); len(outs) != 0 || !reflect.DeepEqual(ports(w), applied) {
		t.Fatalf("applying an ok verify did %+v; the firewall must stay as saved", outs)
	}

	// The fix the finding names.
	if err := optionOf(t, firewall.New(), "ssh-cidr").Set(&env.Settings, "auto"); err != nil {
		t.Fatal(err)
	}
	rs = eng.Verify(t.Context())
	if len(rs[0].Plan.Changes) != 1 || rs[0].Plan.Changes[0].After != "127.0.0.1/32 + lightsail-connect" || len(rs[0].Findings) != 0 {
		t.Fatalf("with --ssh-cidr auto: plan %+v findings %+v; want 22 moved to 127.0.0.1/32", rs[0].Plan.Changes, rs[0].Findings)
	}
	outs := eng.Apply(t.Context(), rs)
	if outs[0].Status != steps.StatusChanged || !strings.Contains(outs[0].Detail, "a new SSH connection from 127.0.0.1/32 still gets in") {
		t.Fatalf("apply --ssh-cidr auto: %+v", outs)
	}
	if !slices.Equal(env.Settings.SSHCIDRs, []string{"127.0.0.1/32"}) {
		t.Errorf("settings after apply have --ssh-cidr %q, want the address applied", env.Settings.SSHCIDRs)
	}
	if rs := eng.Verify(t.Context()); rs[0].Status != steps.StatusOK || len(rs[0].Findings) != 0 {
		t.Errorf("verify after moving SSH here: %s, findings %+v", rs[0].Status, rs[0].Findings)
	}
}

// errSignal stands for the signal cmd/ cancels a run with (its cause is what the journal names).
var errSignal = fmt.Errorf("%w: SIGTERM received", context.Canceled)

// A run cancelled at any point between the put and the SSH check that confirms it (by Ctrl-C,
// SIGTERM or SIGHUP alike: the context is done) puts the previous rules back on a context of its
// own, and journals why. The user is never left with rules the guard did not see work.
func TestCancelAnywhereInTheGuardPutsThePreviousRulesBack(t *testing.T) {
	cases := []struct {
		name string
		at   func(steps.Event) bool
	}{
		{"before the put", func(e steps.Event) bool { return e.Kind == steps.EventChangeStart }},
		{"while Lightsail applies it", func(e steps.Event) bool {
			return e.Kind == steps.EventWait && strings.HasPrefix(e.Message, "waiting for")
		}},
		{"during the SSH check", func(e steps.Event) bool {
			return e.Kind == steps.EventWait && strings.HasPrefix(e.Message, "checking that a new SSH connection")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// A source the session is not in: without the cancel the guard would fail and roll back
			// after its full minute; the cancel must not wait for that.
			w := world.New(t, world.Options{Host: true, Settings: steps.Settings{SSHCIDRs: []string{"198.51.100.4/32"}}})
			before := ports(w)
			env := w.Env(t)
			ctx, cancel := context.WithCancelCause(t.Context())
			defer cancel(nil)
			var once sync.Once
			env.Observer = steps.ObserverFunc(func(e steps.Event) {
				if e.Step == firewall.ID && tc.at(e) {
					once.Do(func() { cancel(errSignal) })
				}
			})
			j := journal(t)
			eng := &steps.Engine{Steps: []steps.Step{firewall.New()}, Env: env, Journal: j}
			rs := eng.Verify(t.Context())
			start := time.Now()
			outs := eng.Apply(ctx, rs)
			if took := time.Since(start); took > 20*time.Second {
				t.Errorf("the cancelled apply took %s", took)
			}
			if outs[0].Status != steps.StatusFailed || !strings.Contains(outs[0].Detail, "cancelled (context canceled: SIGTERM received)") ||
				!strings.Contains(outs[0].Detail, "the previous rules were put back") {
				t.Errorf("outcome %+v, want failed, saying the cancel put the rules back", outs[0])
			}
			if got := ports(w); !reflect.DeepEqual(got, before) {
				t.Errorf("firewall after the cancel:\n%+v\nwant the prior set:\n%+v", got, before)
			}
			entries, _ := j.Entries()
			if len(entries) != 2 || entries[0].State != steps.EntryUndone || entries[1].Undoes != entries[0].ID || entries[1].State != steps.EntryDone ||
				!strings.Contains(entries[1].Change.Why, "the run was cancelled (context canceled: SIGTERM received)") {
				t.Fatalf("journal %+v, want the change (undone) and its rollback (done) saying the run was cancelled", entries)
			}
			if undo, _ := eng.UndoPlan(); len(undo) != 0 {
				t.Errorf("undo would still reverse %d entries after the rollback", len(undo))
			}
		})
	}
}

// verify while another run holds the instance's remote lock says that run is changing it, instead
// of reporting what may be a half-applied state as compliant; once the run is over, it is ok.
func TestVerifyWhileAnotherRunHoldsTheLock(t *testing.T) {
	w := world.New(t, world.Options{Host: true, Settings: steps.Settings{SSHCIDRs: []string{"127.0.0.1/32"}}})
	eng := &steps.Engine{Steps: []steps.Step{firewall.New()}, Env: w.Env(t), Journal: journal(t)}
	if outs := eng.Apply(t.Context(), eng.Verify(t.Context())); outs[0].Status != steps.StatusChanged {
		t.Fatalf("apply %+v", outs)
	}
	other, err := w.Env(t).SSH(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	release, err := other.Lock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	verify := &steps.Engine{Steps: []steps.Step{firewall.New()}, Env: w.Env(t)}
	rs := verify.Verify(t.Context())
	if rs[0].Status != steps.StatusUnknown || !strings.Contains(rs[0].Detail, "another hardsail run is changing") ||
		!strings.Contains(rs[0].Detail, "since ") || !strings.Contains(rs[0].Fix, "Wait for the other run to finish") {
		t.Errorf("verify during another run: %s %q (fix %q), want unknown naming the other run", rs[0].Status, rs[0].Detail, rs[0].Fix)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if rs := verify.Verify(t.Context()); rs[0].Status != steps.StatusOK {
		t.Errorf("verify once the other run is over: %s %q", rs[0].Status, rs[0].Detail)
	}
}
