package https

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
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
	"github.com/hardsail/hardsail/steps/steptest"
)

// emulatedDNS answers CNAME lookups from the emulator's outside-world DNS, as the user's resolver
// would once they add the record.
type emulatedDNS struct {
	em *emulator.Emulator
	// onLookup, when set, runs before each lookup (the user adding records while apply polls).
	onLookup func()
}

func (d *emulatedDNS) LookupCNAME(ctx context.Context, host string) (string, error) {
	if d.onLookup != nil {
		d.onLookup()
	}
	for _, r := range d.em.State().ExternalDNS {
		if r.Type == "CNAME" && dnsName(r.Name) == dnsName(host) {
			return dnsName(r.Value) + ".", nil
		}
	}
	return "", fmt.Errorf("lookup %s: no such host", host)
}

// testStep polls fast and gives up on validation after a second, so "pending" comes quickly.
func testStep(w *world.World) *Step {
	return &Step{Identity: New().Identity, Resolver: &emulatedDNS{em: w.Em}, Poll: awsapi.Backoff{Initial: 10 * time.Millisecond, Max: 100 * time.Millisecond},
		CertWait: time.Second, LBWait: 20 * time.Second, SetupWait: 10 * time.Second}
}

// asker answers every confirmation with yes and remembers the questions.
type asker struct {
	mu        sync.Mutex
	yes       bool
	questions []string
}

func (a *asker) Confirm(ctx context.Context, q string, def bool) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.questions = append(a.questions, q)
	return a.yes, nil
}
func (a *asker) Input(context.Context, string, func(string) error) (string, error) {
	return "", errors.New("no input in tests")
}
func (a *asker) Show(context.Context, string, string) error { return nil }

func lbSettings(domain string, alts ...string) steps.Settings {
	return steps.Settings{Domain: domain, AltDomains: alts, HTTPSMode: "lb"}
}

func requireHost(t *testing.T) {
	if os.Getenv("HARDSAIL_REQUIRE_TESTHOST") == "" {
		t.Log("HARDSAIL_REQUIRE_TESTHOST is unset: testhost.Start skips without root/tools")
	}
}

func TestConformanceLoadBalancerZoneInLightsail(t *testing.T) {
	requireHost(t)
	w := world.New(t, world.Options{Host: true, Settings: lbSettings("example.com", "www.example.com"),
		AcceptCost: true, Watch: []string{bitnamiWPConfig}})
	steptest.Conformance(t, steptest.Case{
		Step: testStep(w), World: dnsRecords{w},
		Perturb: func(t *testing.T) { w.Run(t, "echo '// edited by hand' >> "+bitnamiWPConfig) },
	})
}

// dnsRecords is the world with each DNS zone's records compared as records: Lightsail gives a
// record it recreates a new id and lists it last, so undo restores the records exactly (name,
// type, target, alias) but not their ids or order. Everything else is compared as it is.
type dnsRecords struct{ *world.World }

func (w dnsRecords) Snapshot(t *testing.T) string {
	t.Helper()
	snap := w.World.Snapshot(t)
	head, rest, ok := strings.Cut(snap, "lightsail: ")
	if !ok {
		t.Fatalf("snapshot without a lightsail part:\n%s", snap)
	}
	body, tail, ok := strings.Cut(rest, "\niam: ")
	if !ok {
		t.Fatalf("snapshot without an iam part:\n%s", snap)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode the lightsail snapshot: %v", err)
	}
	doms, _ := v["Domains"].([]any)
	for _, d := range doms {
		dm, _ := d.(map[string]any)
		es, _ := dm["domainEntries"].([]any)
		for _, e := range es {
			delete(e.(map[string]any), "id")
		}
		slices.SortFunc(es, func(a, b any) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return head + "lightsail: " + string(out) + "\niam: " + tail
}

func TestDNSRecordsWrapperSeesRecords(t *testing.T) {
	w := world.New(t, world.Options{})
	d := dnsRecords{w}
	before := d.Snapshot(t)
	if !strings.Contains(before, `"target": "192.0.2.10"`) || strings.Contains(before, `"id": "-1001"`) {
		t.Fatalf("the wrapped snapshot does not show the records without ids:\n%s", before)
	}
	ls := lightsail.NewFromConfig(w.Em.AWSConfig())
	zone := "example.com"
	rec := func(target string) *types.DomainEntry {
		return &types.DomainEntry{Name: aws.String("www.example.com"), Type: aws.String("A"), Target: aws.String(target)}
	}
	if _, err := ls.DeleteDomainEntry(t.Context(), &lightsail.DeleteDomainEntryInput{DomainName: &zone, DomainEntry: rec("192.0.2.10")}); err != nil {
		t.Fatal(err)
	}
	if d.Snapshot(t) == before {
		t.Fatal("deleting a record does not change the wrapped snapshot")
	}
	if _, err := ls.CreateDomainEntry(t.Context(), &lightsail.CreateDomainEntryInput{DomainName: &zone, DomainEntry: rec("192.0.2.10")}); err != nil {
		t.Fatal(err)
	}
	if got := d.Snapshot(t); got != before {
		t.Fatalf("the same record recreated (new id, listed last) compares different:\n%s\nwant\n%s", got, before)
	}
	if _, err := ls.CreateDomainEntry(t.Context(), &lightsail.CreateDomainEntryInput{DomainName: &zone, DomainEntry: rec("192.0.2.11")}); err != nil {
		t.Fatal(err)
	}
	if d.Snapshot(t) == before {
		t.Fatal("an added record compares equal")
	}
}

func TestConformanceLoadBalancerZoneOutsideLightsail(t *testing.T) {
	w := world.New(t, world.Options{Host: true, Settings: lbSettings("example.org", "www.example.org"),
		AcceptCost: true, Watch: []string{bitnamiWPConfig}})
	steptest.Conformance(t, steptest.Case{
		Step: testStep(w), World: w, Applied: steps.StatusPending,
		Perturb: func(t *testing.T) { w.Run(t, "echo '// edited by hand' >> "+bitnamiWPConfig) },
	})
}

// Instance mode: Lightsail has no API that reverses SetupInstanceHttps, so the harness holds the
// irreversible contract (undo says so with the manual commands and changes nothing), on each
// blueprint flavour (the mode is AWS-only: no host, and on the Lightsail-packaged instance port 22
// stays closed to all but lightsail-connect).
func TestConformanceInstanceMode(t *testing.T) {
	for _, flavour := range []string{world.Bitnami, world.Lightsail} {
		t.Run(flavour, func(t *testing.T) {
			w := world.New(t, world.Options{Blueprint: flavour, Settings: steps.Settings{Domain: "example.com",
				AltDomains: []string{"www.example.com"}, HTTPSMode: "instance", Mail: "admin@example.com"}})
			steptest.Conformance(t, steptest.Case{
				Step: testStep(w), World: w, Irreversible: "no API reverses SetupInstanceHttps",
				// No Perturb: the only fact this mode reads is the setup run for exactly these names, and
				// any change to it is the compliance itself. The engine's stale refusal is proven in lb mode.
			})
		})
	}
}

// What instance mode promises beyond the contract: one SetupInstanceHttps, no load balancer.
func TestInstanceMode(t *testing.T) {
	w := world.New(t, world.Options{Settings: steps.Settings{Domain: "example.com", AltDomains: []string{"www.example.com"},
		HTTPSMode: "instance", Mail: "admin@example.com"}})
	s := testStep(w)
	j := openJournal(t)
	eng := &steps.Engine{Steps: []steps.Step{s}, Env: w.Env(t), Journal: j}
	rs := eng.Verify(t.Context())
	if rs[0].Status != steps.StatusDrift || len(rs[0].Plan.Changes) != 1 || rs[0].Plan.Changes[0].Address != "lightsail:us-east-1/instance/WordPress-1/https" {
		t.Fatalf("verify: %s %+v", rs[0].Status, rs[0].Plan.Changes)
	}
	before := len(w.Em.MutatingCalls())
	out := eng.Apply(t.Context(), rs)
	if out[0].Status != steps.StatusChanged {
		t.Fatalf("apply: %+v", out[0])
	}
	muts := w.Em.MutatingCalls()[before:]
	if len(muts) != 1 || muts[0].Action != "SetupInstanceHttps" {
		t.Errorf("mutating calls: %+v; want one SetupInstanceHttps and no load balancer", muts)
	}
	if h := w.Em.State().SetupHistory; len(h) != 1 || strings.Join(h[0].Request.DomainNames, ",") != "example.com,www.example.com" {
		t.Errorf("setup history: %+v", h)
	}
	if rs := (&steps.Engine{Steps: []steps.Step{s}, Env: w.Env(t)}).Verify(t.Context()); rs[0].Status != steps.StatusOK {
		t.Errorf("verify after apply: %s %s", rs[0].Status, rs[0].Detail)
	}
	// Other names make a new setup run.
	w2 := w.Env(t)
	w2.Settings.AltDomains = nil
	if rs := (&steps.Engine{Steps: []steps.Step{s}, Env: w2}).Verify(t.Context()); rs[0].Status != steps.StatusDrift {
		t.Errorf("verify for other names: %s", rs[0].Status)
	}
	undo, _ := eng.UndoPlan()
	o := eng.Undo(t.Context(), undo)
	if len(o) != 1 || o[0].Status != steps.StatusSkipped || !strings.Contains(o[0].Detail, "no API to reverse SetupInstanceHttps") ||
		!strings.Contains(o[0].Detail, "wp-config.php.backup") {
		t.Errorf("undo: %+v; want it skipped with the manual commands", o)
	}
}

func TestInstanceModeNeedsMail(t *testing.T) {
	w := world.New(t, world.Options{Settings: steps.Settings{Domain: "example.com", HTTPSMode: "instance"}})
	rs := (&steps.Engine{Steps: []steps.Step{testStep(w)}, Env: w.Env(t)}).Verify(t.Context())
	var ue *steps.UsageError
	if !errors.As(rs[0].Err, &ue) || !strings.Contains(ue.Hint, "--mail") || len(w.Em.Calls()) != 0 {
		t.Errorf("verify: %v (hint %q), %d calls", rs[0].Err, rs[0].Fix, len(w.Em.Calls()))
	}
}

func openJournal(t *testing.T) *steps.Journal {
	j, err := steps.OpenJournal(steps.PathsFor(t.TempDir(), steps.Key{Account: emulator.AccountID, Region: "us-east-1", Instance: "WordPress-1"}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func TestPendingUntilTheUserAddsTheRecords(t *testing.T) {
	w := world.New(t, world.Options{Host: true, Settings: lbSettings("example.org", "www.example.org"), AcceptCost: true})
	s := testStep(w)
	j := openJournal(t)
	eng := &steps.Engine{Steps: []steps.Step{s}, Env: w.Env(t), Journal: j}
	out := eng.Apply(t.Context(), eng.Verify(t.Context()))
	if out[0].Status != steps.StatusPending {
		t.Fatalf("first apply: %+v, want pending", out[0])
	}
	st := w.Em.State()
	if len(st.Certificates) != 1 || len(st.Certificates[0].DomainValidationRecords) != 2 {
		t.Fatalf("certificates: %+v", st.Certificates)
	}
	recs := st.Certificates[0].DomainValidationRecords
	for _, r := range recs {
		line := dnsName(r.Name) + ".  CNAME  " + dnsName(r.Value) + "."
		if !strings.Contains(out[0].Detail, line) {
			t.Errorf("pending detail does not show the exact record %q:\n%s", line, out[0].Detail)
		}
	}
	if !strings.Contains(out[0].Detail, "append the zone name") {
		t.Errorf("no warning about providers that append the zone:\n%s", out[0].Detail)
	}
	// Re-running before the records exist stays pending and changes nothing.
	m := len(w.Em.MutatingCalls())
	eng2 := &steps.Engine{Steps: []steps.Step{s}, Env: w.Env(t), Journal: j}
	rs := eng2.Verify(t.Context())
	if rs[0].Status != steps.StatusPending || !rs[0].Plan.Empty() {
		t.Fatalf("verify while waiting: %s %+v", rs[0].Status, rs[0].Plan.Changes)
	}
	if o := eng2.Apply(t.Context(), rs); o[0].Status != steps.StatusPending || len(w.Em.MutatingCalls()) != m {
		t.Fatalf("re-run while waiting: %+v, %d mutating calls", o[0], len(w.Em.MutatingCalls())-m)
	}
	// The user adds the records at their provider; the next run finishes.
	for _, r := range recs {
		w.Em.SetExternalDNS(r.Name, r.Type, r.Value)
	}
	eng3 := &steps.Engine{Steps: []steps.Step{s}, Env: w.Env(t), Journal: j}
	rs = eng3.Verify(t.Context())
	if rs[0].Status != steps.StatusDrift {
		t.Fatalf("verify once validated: %s (%s)", rs[0].Status, rs[0].Detail)
	}
	if o := eng3.Apply(t.Context(), rs); o[0].Status != steps.StatusChanged {
		t.Fatalf("apply once validated: %+v", o[0])
	}
	lb := w.Em.State().LoadBalancers[0]
	if !lb.HTTPSRedirectionEnabled || lb.TLSPolicyName != "TLS-FS-Res-1-2-2019-08" || lb.Protocol != "HTTP_HTTPS" {
		t.Errorf("load balancer after the re-run: redirect %v policy %s protocol %s", lb.HTTPSRedirectionEnabled, lb.TLSPolicyName, lb.Protocol)
	}
	if rs := (&steps.Engine{Steps: []steps.Step{s}, Env: w.Env(t)}).Verify(t.Context()); rs[0].Status != steps.StatusOK {
		t.Errorf("verify at the end: %s (%s)", rs[0].Status, rs[0].Detail)
	}
}

// TestPendingFinishesWhileApplyPolls: the user adds the records while a re-run polls; that run
// attaches the certificate as the pending text announced, and the engine's re-check is clean.
func TestPendingFinishesWhileApplyPolls(t *testing.T) {
	w := world.New(t, world.Options{Host: true, Settings: lbSettings("example.org"), AcceptCost: true})
	s := testStep(w)
	j := openJournal(t)
	eng := &steps.Engine{Steps: []steps.Step{s}, Env: w.Env(t), Journal: j}
	if out := eng.Apply(t.Context(), eng.Verify(t.Context())); out[0].Status != steps.StatusPending {
		t.Fatalf("first apply: %+v", out[0])
	}
	var once sync.Once
	s.Resolver.(*emulatedDNS).onLookup = func() {
		once.Do(func() {
			for _, r := range w.Em.State().Certificates[0].DomainValidationRecords {
				w.Em.SetExternalDNS(r.Name, r.Type, r.Value)
			}
		})
	}
	eng2 := &steps.Engine{Steps: []steps.Step{s}, Env: w.Env(t), Journal: j}
	rs := eng2.Verify(t.Context())
	if rs[0].Status != steps.StatusPending {
		t.Fatalf("verify: %s %s", rs[0].Status, rs[0].Detail)
	}
	if out := eng2.Apply(t.Context(), rs); out[0].Status != steps.StatusChanged {
		t.Fatalf("apply while the records appear: %+v", out[0])
	}
	if lb := w.Em.State().LoadBalancers[0]; lb.Protocol != "HTTP_HTTPS" || !lb.HTTPSRedirectionEnabled {
		t.Errorf("load balancer: protocol %s redirect %v", lb.Protocol, lb.HTTPSRedirectionEnabled)
	}
}

func TestLoadBalancerCostNeedsAgreement(t *testing.T) {
	cases := []struct {
		name     string
		ask      *asker
		wantHint string
	}{
		{"off a terminal without --accept-cost", nil, "pass --accept-cost to agree to $18/month, or run at a terminal"},
		{"declined at the terminal", &asker{yes: false}, "--https-mode instance"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := world.Options{Host: true, Settings: lbSettings("example.com")}
			if c.ask != nil {
				o.Ask = c.ask
			}
			w := world.New(t, o)
			j := openJournal(t)
			eng := &steps.Engine{Steps: []steps.Step{testStep(w)}, Env: w.Env(t), Journal: j}
			rs := eng.Verify(t.Context())
			if rs[0].Status != steps.StatusDrift {
				t.Fatalf("verify: %s %s", rs[0].Status, rs[0].Detail)
			}
			before := len(w.Em.MutatingCalls())
			out := eng.Apply(t.Context(), rs)
			if len(out) != 1 || out[0].Status != steps.StatusFailed || !strings.Contains(out[0].Fix, c.wantHint) {
				t.Fatalf("apply: %+v; want it failed with hint %q", out, c.wantHint)
			}
			if es, _ := j.Entries(); len(es) != 0 {
				t.Errorf("the refusal journaled %d entries", len(es))
			}
			if n := len(w.Em.MutatingCalls()); n != before {
				t.Errorf("%d mutating calls after the refusal", n-before)
			}
			if st := w.Em.State(); len(st.LoadBalancers) != 0 || len(st.Certificates) != 0 {
				t.Errorf("something was created: %+v %+v", st.LoadBalancers, st.Certificates)
			}
			if c.ask != nil && (len(c.ask.questions) != 1 || !strings.Contains(c.ask.questions[0], "$18/month")) {
				t.Errorf("questions asked: %q; want one naming $18/month", c.ask.questions)
			}
		})
	}
}

func TestBadInputCreatesNothing(t *testing.T) {
	ten := []string{"a.example.com", "b.example.com", "c.example.com", "d.example.com", "e.example.com", "f.example.com", "g.example.com", "h.example.com", "i.example.com", "j.example.com"}
	cases := []struct {
		name string
		set  steps.Settings
	}{
		{"URL", lbSettings("https://example.com")},
		{"wildcard", lbSettings("*.example.com")},
		{"ten alternatives", lbSettings("example.com", ten...)},
		{"empty alternative", lbSettings("example.com", "")},
		{"over 253 characters", lbSettings(strings.Repeat("abcdefghi.", 26) + "com")},
		{"label over 63", lbSettings(strings.Repeat("a", 64) + ".example.com")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := world.New(t, world.Options{Settings: c.set, AcceptCost: true})
			eng := &steps.Engine{Steps: []steps.Step{testStep(w)}, Env: w.Env(t), Journal: openJournal(t)}
			rs := eng.Verify(t.Context())
			var ue *steps.UsageError
			if !errors.As(rs[0].Err, &ue) || rs[0].Fix == "" {
				t.Fatalf("verify: %s %v (fix %q); want a usage error with a hint", rs[0].Status, rs[0].Err, rs[0].Fix)
			}
			eng.Apply(t.Context(), rs)
			if calls := w.Em.Calls(); len(calls) != 0 {
				t.Errorf("%d AWS calls were made for bad input (first %s)", len(calls), calls[0].Action)
			}
		})
	}
}

func TestNoDomainSkips(t *testing.T) {
	w := world.New(t, world.Options{})
	rs := (&steps.Engine{Steps: []steps.Step{testStep(w)}, Env: w.Env(t)}).Verify(t.Context())
	if rs[0].Status != steps.StatusSkipped || rs[0].Detail != "no domain given: pass --domain example.com" {
		t.Errorf("verify with no domain: %s %q", rs[0].Status, rs[0].Detail)
	}
}

// TestFullApplyCallsAndDNSPointing counts the API calls of a full lb apply, and checks that with
// someone to ask the names are pointed at the balancer and undo puts the old records back.
func TestFullApplyCallsAndDNSPointing(t *testing.T) {
	a := &asker{yes: true}
	w := world.New(t, world.Options{Host: true, Settings: lbSettings("example.com", "www.example.com"), Ask: a, Watch: []string{bitnamiWPConfig}})
	entries := func() []emulator.DomainEntry { return w.Em.State().Domains[0].DomainEntries }
	type rec struct{ name, typ, target string }
	view := func(es []emulator.DomainEntry) []rec {
		var out []rec
		for _, e := range es {
			out = append(out, rec{e.Name, e.Type, e.Target})
		}
		slices.SortFunc(out, func(x, y rec) int { return strings.Compare(x.name+x.typ+x.target, y.name+y.typ+y.target) })
		return out
	}
	start, startHost := view(entries()), w.Snapshot(t)
	s := testStep(w)
	j := openJournal(t)
	eng := &steps.Engine{Steps: []steps.Step{s}, Env: w.Env(t), Journal: j}
	rs := eng.Verify(t.Context())
	w.Em.ResetCalls()
	out := eng.Apply(t.Context(), rs)
	if out[0].Status != steps.StatusChanged {
		t.Fatalf("apply: %+v", out[0])
	}
	calls := w.Em.Calls()
	counts := map[string]int{}
	mut := 0
	for _, c := range calls {
		counts[c.Action]++
		if c.Mutating {
			mut++
		}
	}
	t.Logf("full lb apply (engine: check, apply, re-check): %d API calls, %d mutating: %v", len(calls), mut, counts)
	// The DNS re-pointing is in the plan the user saw, not a question of its own.
	if len(a.questions) != 1 || !strings.Contains(a.questions[0], "$18/month") {
		t.Errorf("questions: %q; want only the cost", a.questions)
	}
	for _, want := range []string{"- lightsail:dns/example.com/A/example.com", "+ lightsail:dns/example.com/A/example.com",
		"- lightsail:dns/example.com/A/www.example.com", "+ lightsail:dns/example.com/A/www.example.com"} {
		if !slices.ContainsFunc(rs[0].Plan.Changes, func(c steps.Change) bool { return string(c.Action)+" "+c.Address == want }) {
			t.Errorf("the plan does not list %s", want)
		}
	}
	lb := w.Em.State().LoadBalancers[0]
	for _, e := range entries() {
		if (e.Name == "example.com" || e.Name == "www.example.com") && e.Type == "A" && (!e.IsAlias || e.Target != lb.DNSName) {
			t.Errorf("%s still points at %s", e.Name, e.Target)
		}
	}
	if raw, err := os.ReadFile(j.Path()); err != nil || strings.Contains(string(raw), "DB_PASSWORD") || strings.Contains(string(raw), "AUTH_KEY") {
		t.Errorf("the journal holds wp-config.php's secrets (or cannot be read: %v)", err)
	}
	undo, _ := eng.UndoPlan()
	for _, o := range eng.Undo(t.Context(), undo) {
		if o.Status.Bad() {
			t.Fatalf("undo: %+v", o)
		}
	}
	if got := view(entries()); fmt.Sprint(got) != fmt.Sprint(start) {
		t.Errorf("DNS after undo:\n%v\nwant\n%v", got, start)
	}
	st := w.Em.State()
	if len(st.LoadBalancers)+len(st.Certificates) != 0 {
		t.Errorf("left behind: %+v %+v", st.LoadBalancers, st.Certificates)
	}
	host := func(s string) string { return s[strings.Index(s, "host:"):] }
	if got := w.Snapshot(t); host(got) != host(startHost) {
		t.Errorf("wp-config.php after undo:\n%s\nwant\n%s", host(got), host(startHost))
	}
}

// TestExistingBalancerIsAdopted: a load balancer already in front of the instance with an issued
// certificate, redirect and TLS 1.2 policy is used as it is; only the WordPress fix remains, and
// no cost question comes up.
func TestExistingBalancerIsAdopted(t *testing.T) {
	w := world.New(t, world.Options{Scenario: "wordpress-hardened", Host: true, Settings: lbSettings("example.com", "www.example.com")})
	// The scenario allows SSH only from 198.51.100.4; let the test's loopback address in.
	_, err := lightsail.NewFromConfig(w.Em.AWSConfig()).OpenInstancePublicPorts(t.Context(), &lightsail.OpenInstancePublicPortsInput{
		InstanceName: &w.Instance, PortInfo: &types.PortInfo{FromPort: 22, ToPort: 22, Protocol: types.NetworkProtocolTcp, Cidrs: []string{"127.0.0.0/8"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	base := len(w.Em.MutatingCalls())
	eng := &steps.Engine{Steps: []steps.Step{testStep(w)}, Env: w.Env(t), Journal: openJournal(t)}
	rs := eng.Verify(t.Context())
	if len(rs[0].Plan.Changes) != 1 || rs[0].Plan.Changes[0].Address != "host:"+bitnamiWPConfig {
		t.Fatalf("verify: %s %s %v plan %+v", rs[0].Status, rs[0].Detail, rs[0].Err, rs[0].Plan.Changes)
	}
	if out := eng.Apply(t.Context(), rs); out[0].Status != steps.StatusChanged {
		t.Fatalf("apply without --accept-cost: %+v", out[0])
	}
	if n := len(w.Em.MutatingCalls()) - base; n != 0 {
		t.Errorf("%d mutating AWS calls; the balancer was already right", n)
	}
}

// TestLeavingTheWaitIsPending: the user leaves a long wait for validation (Esc, or quitting the
// wizard): apply stops at once with the step pending, everything made so far stays journaled, and
// the next run carries on from there once the records exist.
func TestLeavingTheWaitIsPending(t *testing.T) {
	w := world.New(t, world.Options{Host: true, Settings: lbSettings("example.org"), AcceptCost: true})
	s := testStep(w)
	s.CertWait = 10 * time.Minute
	j := openJournal(t)
	env := w.Env(t)
	s.Resolver.(*emulatedDNS).onLookup = env.LeaveWaits
	eng := &steps.Engine{Steps: []steps.Step{s}, Env: env, Journal: j}
	start := time.Now()
	out := eng.Apply(t.Context(), eng.Verify(t.Context()))
	if out[0].Status != steps.StatusPending || time.Since(start) > time.Minute {
		t.Fatalf("apply left at the wait: %+v after %s, want pending at once", out[0], time.Since(start))
	}
	entries, err := j.Entries()
	if err != nil || len(entries) == 0 {
		t.Fatalf("journal after leaving the wait: %d entries (%v), want what was made", len(entries), err)
	}
	s.Resolver.(*emulatedDNS).onLookup = nil
	for _, r := range w.Em.State().Certificates[0].DomainValidationRecords {
		w.Em.SetExternalDNS(r.Name, r.Type, r.Value)
	}
	eng2 := &steps.Engine{Steps: []steps.Step{s}, Env: w.Env(t), Journal: j}
	if o := eng2.Apply(t.Context(), eng2.Verify(t.Context())); o[0].Status != steps.StatusChanged {
		t.Fatalf("the next run: %+v, want it to finish what the first began", o[0])
	}
}

// TestLeavingTheBalancersWaitIsPending: the user leaves the wait for the new load balancer to be
// set up (esc in the wizard): apply stops with the step pending, not failed; the balancer is
// journaled as made (done, not unknown); the check says it is being set up and plans nothing;
// and the next run carries on with the same balancer.
func TestLeavingTheBalancersWaitIsPending(t *testing.T) {
	w := world.New(t, world.Options{Host: true, Settings: lbSettings("example.org"), AcceptCost: true})
	s := testStep(w)
	s.Poll, s.LBWait = awsapi.Backoff{Initial: time.Minute, Max: time.Minute}, 10*time.Minute
	j := openJournal(t)
	env := w.Env(t)
	env.Observer = steps.ObserverFunc(func(e steps.Event) {
		if e.Kind == steps.EventWait && strings.HasPrefix(e.Message, "waiting for load balancer") {
			env.LeaveWaits()
		}
	})
	eng := &steps.Engine{Steps: []steps.Step{s}, Env: env, Journal: j}
	start := time.Now()
	out := eng.Apply(t.Context(), eng.Verify(t.Context()))
	if out[0].Status != steps.StatusPending || !strings.Contains(out[0].Detail, "still being set up") || time.Since(start) > 30*time.Second {
		t.Fatalf("apply left at the balancer's wait: %+v after %s, want pending at once", out[0], time.Since(start))
	}
	entries, err := j.Entries()
	if err != nil || len(entries) != 1 || entries[0].State != steps.EntryDone || !isLBAddress(entries[0].Change.Address) {
		t.Fatalf("journal after leaving the wait: %+v (%v), want the balancer made, done", entries, err)
	}
	if lbs := w.Em.State().LoadBalancers; len(lbs) != 1 {
		t.Fatalf("%d load balancers, want the one made", len(lbs))
	}
	s.Poll = awsapi.Backoff{Initial: 10 * time.Millisecond, Max: 100 * time.Millisecond}
	// The emulator's balancer is active half a second after it was made; a verify in between
	// would plan from a provisioning one that turns active before apply (a stale plan).
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if out, err := lightsail.NewFromConfig(w.Em.AWSConfig()).GetLoadBalancers(t.Context(), &lightsail.GetLoadBalancersInput{}); err == nil &&
			out.LoadBalancers[0].State == types.LoadBalancerStateActive {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the balancer is not active after 10 s (%v)", err)
		}
	}
	eng2 := &steps.Engine{Steps: []steps.Step{s}, Env: w.Env(t), Journal: j}
	o := eng2.Apply(t.Context(), eng2.Verify(t.Context()))
	if o[0].Status != steps.StatusPending || !strings.Contains(o[0].Detail, "awaits DNS validation") {
		t.Fatalf("the next run: %+v, want it to carry on to the certificate's validation", o[0])
	}
	if st := w.Em.State(); len(st.LoadBalancers) != 1 || len(st.Certificates) != 1 {
		t.Errorf("the next run made %d load balancers and %d certificates, want one each", len(st.LoadBalancers), len(st.Certificates))
	}
}
