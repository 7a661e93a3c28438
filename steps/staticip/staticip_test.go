package staticip_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/staticip"
	"github.com/hardsail/hardsail/steps/steptest"
)

const instance = "WordPress-1"

var consent = steps.Settings{StaticIP: true}

// served is the world as the static IP step can change it: Lightsail's state, compared field for
// field, except that Lightsail gives a record it recreates a new id and lists it last (so records
// are compared by name, type, target and alias) and the operation log. It also lists the calls the
// emulator served, for the harness's command log check.
type served struct{ *world.World }

func (w served) Snapshot(t *testing.T) string {
	t.Helper()
	st := w.Em.State()
	st.Operations = nil
	for i := range st.Domains {
		es := st.Domains[i].DomainEntries
		for j := range es {
			es[j].ID = ""
		}
		slices.SortFunc(es, func(a, b emulator.DomainEntry) int {
			return strings.Compare(a.Name+" "+a.Type+" "+a.Target, b.Name+" "+b.Type+" "+b.Target)
		})
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (w served) AWSCalls(*testing.T) []string {
	var out []string
	for _, c := range w.Em.Calls() {
		out = append(out, c.Service+"."+c.Action)
	}
	return out
}

// addRecord adds an A record to example.com from outside hardsail (the console).
func addRecord(t *testing.T, w *world.World, name, target string) {
	t.Helper()
	c := lightsail.NewFromConfig(w.Em.AWSConfig())
	_, err := c.CreateDomainEntry(t.Context(), &lightsail.CreateDomainEntryInput{DomainName: aws.String("example.com"),
		DomainEntry: &types.DomainEntry{Name: aws.String(name), Type: aws.String("A"), Target: aws.String(target)}})
	if err != nil {
		t.Fatal(err)
	}
}

func conformance(t *testing.T, w *world.World) {
	t.Helper()
	steptest.Conformance(t, steptest.Case{
		Step:  staticip.New(),
		World: served{w},
		AWS:   true,
		// Cancelled right after the allocation was journaled: undo releases what may exist.
		CancelAt: steps.EventChangeStart,
		// Someone points another name at the instance after the preview.
		Perturb: func(t *testing.T) { addRecord(t, w, "blog.example.com", "192.0.2.10") },
	})
}

// TestConformance: a Bitnami instance with a dynamic address whose domain's records (example.com,
// www.example.com) are in Lightsail DNS.
func TestConformance(t *testing.T) {
	conformance(t, world.New(t, world.Options{Settings: consent}))
}

// TestConformanceOnLightsail: the same on the Lightsail-packaged blueprint's instance.
func TestConformanceOnLightsail(t *testing.T) {
	conformance(t, world.New(t, world.Options{Blueprint: world.Lightsail, Settings: consent}))
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

// TestWithoutConsentOnlyAFinding: a dynamic address is reported with what breaks, and nothing is
// planned until the user agrees (--static-ip).
func TestWithoutConsentOnlyAFinding(t *testing.T) {
	w := world.New(t, world.Options{})
	eng := &steps.Engine{Steps: []steps.Step{staticip.New()}, Env: w.Env(t), Journal: journal(t)}
	rs := eng.Verify(t.Context())
	if rs[0].Status != steps.StatusOK || !rs[0].Plan.Empty() {
		t.Fatalf("without --static-ip: %s, plan %+v; want ok with nothing to do", rs[0].Status, rs[0].Plan.Changes)
	}
	if len(rs[0].Findings) != 1 {
		t.Fatalf("findings %+v, want one", rs[0].Findings)
	}
	f := rs[0].Findings[0]
	for _, want := range []string{"192.0.2.10", "dynamic", "stopped and started", "example.com, www.example.com"} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("finding %q does not say %q", f.Message, want)
		}
	}
	if f.ID != staticip.FindingDynamic || f.Severity != "warning" || !strings.Contains(f.Fix, "--static-ip") {
		t.Errorf("finding %+v, want %s, a warning, fixed with --static-ip", f, staticip.FindingDynamic)
	}
}

// TestPlanWarnsAndRepointsEachRecord: with consent, the plan allocates, attaches, and moves each
// A record as its own changes, and says plainly that the address changes.
func TestPlanWarnsAndRepointsEachRecord(t *testing.T) {
	w := world.New(t, world.Options{Settings: consent})
	env := w.Env(t)
	st, err := staticip.New().Check(t.Context(), env)
	if err != nil {
		t.Fatal(err)
	}
	p, err := staticip.New().Plan(st, consent)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p.Changes {
		got = append(got, string(c.Action)+" "+c.Address)
	}
	want := []string{
		"+ lightsail:static-ip/hardsail-WordPress-1", "~ lightsail:WordPress-1/public-ip",
		"+ lightsail:dns/example.com/A/example.com", "+ lightsail:dns/example.com/A/www.example.com",
		"- lightsail:dns/example.com/A/example.com", "- lightsail:dns/example.com/A/www.example.com",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("plan\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	notes := strings.Join(p.Notes, " ")
	for _, s := range []string{"Warning: the public address of WordPress-1 changes from 192.0.2.10", "yet another new address"} {
		if !strings.Contains(notes, s) {
			t.Errorf("notes %q do not say %q", notes, s)
		}
	}
}

// TestUndoWhenTheOldAddressIsGone: after the static IP, AWS gave the old address to someone else.
// Undo detaches and releases; the instance gets a new address and the records follow it there.
func TestUndoWhenTheOldAddressIsGone(t *testing.T) {
	w := world.New(t, world.Options{Settings: consent})
	j := journal(t)
	eng := &steps.Engine{Steps: []steps.Step{staticip.New()}, Env: w.Env(t), Journal: j}
	if outs := eng.Apply(t.Context(), eng.Verify(t.Context())); outs[0].Status != steps.StatusChanged {
		t.Fatalf("apply: %+v", outs[0])
	}
	in := w.Em.State().Instances[0]
	if !in.IsStaticIP || in.PublicIPAddress != "203.0.113.10" || targets(w) != "203.0.113.10 203.0.113.10" {
		t.Fatalf("after apply: static %v address %s, records at %s; want the static IP's 203.0.113.10 everywhere", in.IsStaticIP, in.PublicIPAddress, targets(w))
	}
	w.Em.GiveAddressAway("192.0.2.10")
	undo, _ := eng.UndoPlan()
	outs := eng.Undo(t.Context(), undo)
	if outs[0].Status != steps.StatusChanged || !strings.Contains(outs[0].Detail, "public address is now 192.0.2.11 (it was 192.0.2.10 before hardsail)") {
		t.Fatalf("undo: %+v; want changed, naming the new address", outs[0])
	}
	st := w.Em.State()
	if in := st.Instances[0]; in.IsStaticIP || in.PublicIPAddress != "192.0.2.11" || len(st.StaticIPs) != 0 {
		t.Errorf("after undo: static %v address %s, static IPs %+v; want dynamic 192.0.2.11 and none left", in.IsStaticIP, in.PublicIPAddress, st.StaticIPs)
	}
	if got := targets(w); got != "192.0.2.11 192.0.2.11" {
		t.Errorf("after undo the records point at %s, want the instance's new 192.0.2.11", got)
	}
	if again, _ := eng.UndoPlan(); len(again) != 0 {
		t.Errorf("a second undo would still reverse %d entries", len(again))
	}
}

// targets are the A records' targets of example.com and www.example.com, in that order.
func targets(w *world.World) string {
	var out []string
	for _, n := range []string{"example.com", "www.example.com"} {
		for _, e := range w.Em.State().Domains[0].DomainEntries {
			if e.Type == "A" && e.Name == n {
				out = append(out, e.Target)
			}
		}
	}
	return strings.Join(out, " ")
}

// TestAlreadyStatic: an instance with a static IP (someone else's name) is ok, no finding.
func TestAlreadyStatic(t *testing.T) {
	w := world.New(t, world.Options{Settings: consent})
	c := lightsail.NewFromConfig(w.Em.AWSConfig())
	ctx := t.Context()
	if _, err := c.AllocateStaticIp(ctx, &lightsail.AllocateStaticIpInput{StaticIpName: aws.String("StaticIp-1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachStaticIp(ctx, &lightsail.AttachStaticIpInput{StaticIpName: aws.String("StaticIp-1"), InstanceName: aws.String(instance)}); err != nil {
		t.Fatal(err)
	}
	eng := &steps.Engine{Steps: []steps.Step{staticip.New()}, Env: w.Env(t), Journal: journal(t)}
	rs := eng.Verify(ctx)
	if rs[0].Status != steps.StatusOK || !rs[0].Plan.Empty() || len(rs[0].Findings) != 0 {
		t.Errorf("a static instance: %s, plan %+v, findings %+v; want ok, nothing", rs[0].Status, rs[0].Plan.Changes, rs[0].Findings)
	}
}

// TestUndoRefusesJournalDataHardsailCouldNotHaveWritten: nothing runs.
func TestUndoRefusesJournalDataHardsailCouldNotHaveWritten(t *testing.T) {
	rec := func(name, target string) map[string]any {
		return map[string]any{"name": name, "type": "A", "target": target}
	}
	own := "hardsail-" + instance
	cases := []struct {
		name string
		data map[string]any
		why  string
	}{
		{"another static IP", map[string]any{"kind": "allocate", "name": "StaticIp-9", "instance": instance}, `"StaticIp-9"`},
		{"another instance", map[string]any{"kind": "attach", "name": own, "instance": "Other-1", "prior": "192.0.2.10"}, `"Other-1"`},
		{"an unknown kind", map[string]any{"kind": "reboot", "name": own, "instance": instance}, `"reboot"`},
		{"a prior address that is not one", map[string]any{"kind": "attach", "name": own, "instance": instance, "prior": "evil.example"}, "not an IPv4"},
		{"a record outside its zone", map[string]any{"kind": "dns-delete", "name": own, "instance": instance, "zone": "example.com", "record": rec("example.org", "192.0.2.10")}, "not an A record"},
		{"a CNAME", map[string]any{"kind": "dns-create", "name": own, "instance": instance, "zone": "example.com",
			"record": map[string]any{"name": "www.example.com", "type": "CNAME", "target": "x.example.net"}}, "not an A record"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := world.New(t, world.Options{})
			j := journal(t)
			id, err := j.Begin(staticip.ID, steps.Change{Action: steps.Create, Address: "lightsail:static-ip/x", Why: "test"}, tc.data)
			if err == nil {
				err = j.Done(id)
			}
			if err != nil {
				t.Fatal(err)
			}
			before, m := (served{w}).Snapshot(t), w.Mutations(t)
			env := w.Env(t)
			eng := &steps.Engine{Steps: []steps.Step{staticip.New()}, Env: env, Journal: j}
			undo, _ := eng.UndoPlan()
			_, err = staticip.New().Undo(t.Context(), env, undo, steps.NewRecorder(j, env, staticip.ID))
			var tampered *steps.TamperedError
			if !errors.As(err, &tampered) || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("Undo: %v, want a *steps.TamperedError saying %q", err, tc.why)
			}
			if (served{w}).Snapshot(t) != before || w.Mutations(t) != m {
				t.Error("a refused undo changed something")
			}
		})
	}
}

// TestLeavesTheLoadBalancersNamesAlone: with --domain in load balancer mode, the HTTPS step points
// that name at the balancer; this step re-points only the other records.
func TestLeavesTheLoadBalancersNamesAlone(t *testing.T) {
	for _, tc := range []struct {
		mode string
		want int // DNS changes planned
	}{{"", 2}, {"lb", 2}, {"instance", 4}} {
		set := steps.Settings{StaticIP: true, Domain: "Example.com.", HTTPSMode: tc.mode, Mail: "a@example.com"}
		w := world.New(t, world.Options{Settings: set})
		st, err := staticip.New().Check(t.Context(), w.Env(t))
		if err != nil {
			t.Fatal(err)
		}
		p, _ := staticip.New().Plan(st, set)
		var dns []string
		for _, c := range p.Changes {
			if strings.HasPrefix(c.Address, "lightsail:dns/") {
				dns = append(dns, string(c.Action)+" "+c.Address)
			}
		}
		if len(dns) != tc.want || (tc.want == 2 && slices.ContainsFunc(dns, func(s string) bool { return strings.HasSuffix(s, "/A/example.com") })) {
			t.Errorf("mode %q: DNS changes %q, want %d, none for example.com in lb mode", tc.mode, dns, tc.want)
		}
	}
}
