package https

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
)

// zoneFacts of the emulator's example.com, as Check reads them.
func exampleFacts() facts {
	return facts{Mode: "lb", Names: []string{"example.com", "www.example.com"}, Region: "us-east-1", Instance: "WordPress-1",
		Blueprint: "wordpress", TLS12Policy: "TLS-FS-Res-1-2-2019-08", DefaultPolicy: "TLS-2016-08",
		Zones: []zoneFacts{{Name: "example.com", Entries: []entry{
			{Name: "example.com", Type: "A", Target: "192.0.2.10"},
			{Name: "www.example.com", Type: "CNAME", Target: "example.com"},
		}}}}
}

func changeList(p steps.Plan) []string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, string(c.Action)+" "+c.Address+" "+c.Before+"→"+c.After)
	}
	return out
}

// TestPlanListsDNSChanges: the re-pointing of the names is in the plan, one change per record
// deleted and one per alias created, with the old record shown; a balancer someone else set up
// gets none, and a plan waiting for the certificate announces them.
func TestPlanListsDNSChanges(t *testing.T) {
	s := New()
	set := lbSettings("example.com", "www.example.com")
	p, err := s.Plan(steps.State{Step: ID, Facts: exampleFacts()}, set)
	if err != nil {
		t.Fatal(err)
	}
	got := changeList(p)
	want := []string{
		"- lightsail:dns/example.com/A/example.com 192.0.2.10→",
		"+ lightsail:dns/example.com/A/example.com →alias to load balancer hardsail-WordPress-1",
		"- lightsail:dns/example.com/CNAME/www.example.com example.com→",
		"+ lightsail:dns/example.com/A/www.example.com →alias to load balancer hardsail-WordPress-1",
	}
	if len(got) < len(want) || !slices.Equal(got[len(got)-len(want):], want) {
		t.Fatalf("plan:\n%s\nwant it to end with\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Our balancer exists, its certificate issued, one name already pointed: only the other changes.
	f := exampleFacts()
	f.LB = &lbFacts{Name: "hardsail-WordPress-1", State: "active", DNSName: "lb.elb.example", Attached: true, Redirect: true,
		Policy: f.TLS12Policy, Cert: &certFacts{Name: "c", Status: "ISSUED", Attached: true}}
	f.Zones[0].Entries[0] = entry{Name: "example.com", Type: "A", Target: "lb.elb.example", Alias: true}
	p, err = s.Plan(steps.State{Step: ID, Facts: f}, set)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := changeList(p), []string{
		"- lightsail:dns/example.com/CNAME/www.example.com example.com→",
		"+ lightsail:dns/example.com/A/www.example.com →alias to lb.elb.example",
	}; !slices.Equal(got, want) {
		t.Errorf("plan with one name pointed:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A balancer hardsail did not create is used as it is, DNS included.
	f.LB.Name = "WordPress-LB"
	if p, _ := s.Plan(steps.State{Step: ID, Facts: f}, set); !p.Empty() {
		t.Errorf("plan for a balancer someone else set up: %q", changeList(p))
	}

	// Waiting for the certificate: nothing planned, the note says what follows issuance.
	f.LB.Name, f.LB.Cert.Status, f.LB.Cert.Attached = "hardsail-WordPress-1", "PENDING_VALIDATION", false
	p, _ = s.Plan(steps.State{Step: ID, Facts: f}, set)
	if !p.Empty() || !slices.ContainsFunc(p.Notes, func(n string) bool {
		return strings.Contains(n, "+ lightsail:dns/example.com/A/www.example.com") && strings.Contains(n, "https-certificate")
	}) {
		t.Errorf("pending plan: %q notes %q", changeList(p), p.Notes)
	}
}

// TestDNSFaultAfterFirstDelete: Lightsail fails (HTTP 500) right after the first DNS record was
// deleted. Apply fails with that deletion journaled unknown (the request may have acted), nothing
// after it is made, and undo puts the old A record back exactly.
func TestDNSFaultAfterFirstDelete(t *testing.T) {
	w := world.New(t, world.Options{Host: true, Settings: lbSettings("example.com", "www.example.com"),
		AcceptCost: true, Watch: []string{bitnamiWPConfig}})
	start := dnsRecords{w}.Snapshot(t)
	env := w.Env(t)
	cfg := w.Em.AWSConfig()
	cfg.RetryMaxAttempts = 1 // the 500 reaches the step instead of being retried away
	env.AWS = awsapi.New(cfg)
	env.AWS.Poll = awsapi.Backoff{Initial: 20 * time.Millisecond, Max: 200 * time.Millisecond}
	var once sync.Once
	env.AWS.Observe(func(c awsapi.Call) {
		if c.Operation == "DeleteDomainEntry" && c.Err == nil {
			once.Do(func() { w.Em.FailServer(1) })
		}
	})
	j := openJournal(t)
	eng := &steps.Engine{Steps: []steps.Step{testStep(w)}, Env: env, Journal: j}
	out := eng.Apply(t.Context(), eng.Verify(t.Context()))
	if len(out) != 1 || out[0].Status != steps.StatusFailed || !strings.Contains(out[0].Detail, "delete DNS record A example.com") {
		t.Fatalf("apply: %+v; want it failed at the first DNS deletion", out)
	}
	entries, _ := j.Entries()
	last := entries[len(entries)-1]
	if last.Change.Action != steps.Delete || last.Change.Address != "lightsail:dns/example.com/A/example.com" || last.State != steps.EntryUnknown {
		t.Fatalf("last journal entry: %s %s %s; want the deletion of the A record, unknown", last.Change.Action, last.Change.Address, last.State)
	}
	for _, e := range entries[:len(entries)-1] {
		if e.State != steps.EntryDone {
			t.Errorf("entry %s (%s) is %s, want done", e.ID, e.Change.Address, e.State)
		}
	}
	if hasRecord(w, "example.com", "A", "192.0.2.10") {
		t.Fatal("the A record is still there: the fault came before the deletion")
	}

	eng2 := &steps.Engine{Steps: []steps.Step{testStep(w)}, Env: w.Env(t), Journal: j}
	undo, _ := eng2.UndoPlan()
	for _, o := range eng2.Undo(t.Context(), undo) {
		if o.Status.Bad() {
			t.Fatalf("undo: %+v", o)
		}
	}
	if !hasRecord(w, "example.com", "A", "192.0.2.10") {
		t.Error("undo did not put the A record back")
	}
	if got := (dnsRecords{w}).Snapshot(t); got != start {
		t.Errorf("undo did not restore the world:\n%s\nwant\n%s", got, start)
	}
}

func hasRecord(w *world.World, name, typ, target string) bool {
	return slices.ContainsFunc(w.Em.State().Domains[0].DomainEntries, func(e emulator.DomainEntry) bool {
		return e.Name == name && e.Type == typ && e.Target == target && !e.IsAlias
	})
}

// TestCancelDuringWaitIsUnknown: a cancel while the new balancer provisions is journaled unknown;
// undo finds the balancer there and deletes it.
func TestCancelDuringWaitIsUnknown(t *testing.T) {
	w := world.New(t, world.Options{Host: true, Settings: lbSettings("example.org"), AcceptCost: true})
	env := w.Env(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	env.AWS.Observe(func(c awsapi.Call) {
		if c.Operation == "CreateLoadBalancer" && c.Err == nil {
			cancel()
		}
	})
	j := openJournal(t)
	eng := &steps.Engine{Steps: []steps.Step{testStep(w)}, Env: env, Journal: j}
	rs := eng.Verify(ctx)
	if out := eng.Apply(ctx, rs); out[0].Status != steps.StatusFailed {
		t.Fatalf("apply: %+v", out)
	}
	entries, _ := j.Entries()
	if len(entries) != 1 || entries[0].State != steps.EntryUnknown || !isLBAddress(entries[0].Change.Address) {
		t.Fatalf("journal: %+v; want the balancer's creation, unknown", entries)
	}
	if len(w.Em.State().LoadBalancers) != 1 {
		t.Fatal("the balancer was not created before the cancel")
	}
	eng2 := &steps.Engine{Steps: []steps.Step{testStep(w)}, Env: w.Env(t), Journal: j}
	undo, _ := eng2.UndoPlan()
	if o := eng2.Undo(t.Context(), undo); o[0].Status != steps.StatusChanged {
		t.Fatalf("undo: %+v", o)
	}
	if n := len(w.Em.State().LoadBalancers); n != 0 {
		t.Errorf("%d load balancers left after undo", n)
	}
}

func entryOf(t *testing.T, c steps.Change, data any) steps.Entry {
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return steps.Entry{ID: "e-" + c.Address, Step: ID, Change: c, Data: b, State: steps.EntryDone}
}

// TestUndoRefusesTamperedJournal: data that is not something the step could have written stops
// the whole undo before anything runs, the valid entries before it included.
func TestUndoRefusesTamperedJournal(t *testing.T) {
	zone := "example.com"
	valid := entryOf(t, steps.Change{Action: steps.Create, Address: dnsAddress(zone, "A", "example.com")},
		undoData{Kind: opDNSCreate, Zone: zone, Entry: &entry{Name: "example.com", Type: "A", Target: "192.0.2.10"}, LB: "hardsail-WordPress-1"})
	valid.Data, _ = json.Marshal(undoData{Kind: opDNSCreate, Zone: zone, LB: "hardsail-WordPress-1",
		Entry: &entry{Name: "example.com", Type: "A", Target: "lb.example", Alias: true}})
	cases := []struct {
		name string
		e    steps.Entry
	}{
		{"someone else's balancer", entryOf(t, steps.Change{Action: steps.Create, Address: lbAddress("us-east-1", "prod")}, undoData{Kind: opCreateLB, LB: "prod"})},
		{"another instance", entryOf(t, steps.Change{Action: steps.Create, Address: "x"}, undoData{Kind: opAttachInstance, LB: "hardsail-WordPress-1", Instance: "Other-1"})},
		{"certificate name", entryOf(t, steps.Change{Action: steps.Create, Address: "x"}, undoData{Kind: opCreateCert, LB: "hardsail-WordPress-1", Cert: "prod-cert"})},
		{"record outside its zone", entryOf(t, steps.Change{Action: steps.Delete, Address: "x"}, undoData{Kind: opDNSDelete, Zone: zone, Entry: &entry{Name: "mail.other.org", Type: "A", Target: "192.0.2.9"}})},
		{"MX record", entryOf(t, steps.Change{Action: steps.Delete, Address: "x"}, undoData{Kind: opDNSDelete, Zone: zone, Entry: &entry{Name: zone, Type: "MX", Target: "mx.example.com"}})},
		{"unknown kind", entryOf(t, steps.Change{Action: steps.Create, Address: "x"}, undoData{Kind: "rm-rf"})},
		{"file not owned", entryOf(t, steps.Change{Action: steps.Update, Address: "host:/etc/passwd"}, map[string]any{"path": "/etc/passwd"})},
		{"backup outside the backup dir", entryOf(t, steps.Change{Action: steps.Update, Address: "host:" + bitnamiWPConfig},
			map[string]any{"path": bitnamiWPConfig, "prior_sum": "aa", "backup": "/etc/shadow"})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := world.New(t, world.Options{Settings: lbSettings("example.com")})
			env := w.Env(t)
			j := openJournal(t)
			before := w.Snapshot(t)
			_, err := New().Undo(t.Context(), env, []steps.Entry{valid, c.e}, steps.NewRecorder(j, env, ID))
			var te *steps.TamperedError
			if !errors.As(err, &te) || te.Entry != c.e.ID {
				t.Fatalf("undo: %v; want a TamperedError for %s", err, c.e.ID)
			}
			if n := len(w.Em.MutatingCalls()); n != 0 || w.Snapshot(t) != before {
				t.Errorf("undo ran something (%d mutating calls)", n)
			}
			if es, _ := j.Entries(); len(es) != 0 {
				t.Errorf("undo journaled %d entries", len(es))
			}
		})
	}
}

// TestUndoOfAbsentResourceRunsNothing: an unknown creation whose resource does not exist is
// closed without a call.
func TestUndoOfAbsentResourceRunsNothing(t *testing.T) {
	w := world.New(t, world.Options{Settings: lbSettings("example.com")})
	env := w.Env(t)
	j := openJournal(t)
	e := entryOf(t, steps.Change{Action: steps.Create, Address: lbAddress("us-east-1", "hardsail-WordPress-1")},
		undoData{Kind: opCreateLB, LB: "hardsail-WordPress-1"})
	e.State = steps.EntryUnknown
	if _, err := New().Undo(t.Context(), env, []steps.Entry{e}, steps.NewRecorder(j, env, ID)); err != nil {
		t.Fatal(err)
	}
	if n := len(w.Em.MutatingCalls()); n != 0 {
		t.Errorf("%d mutating calls for a balancer that does not exist", n)
	}
	if es, _ := j.Entries(); len(es) != 1 || es[0].State != steps.EntryDone || es[0].Undoes != e.ID {
		t.Errorf("journal: %+v; want one done reversal closing the entry", es)
	}
}

func TestOptions(t *testing.T) {
	opts := New().Options()
	byFlag := map[string]steps.Option{}
	for _, o := range opts {
		byFlag[o.Flag] = o
	}
	// Let's Encrypt needs an email address: the step asks for it where HTTPS is chosen (the setting
	// auto-upgrades also declares; cmd makes one --mail flag of the two).
	if m, ok := byFlag["mail"]; !ok || m.Question == "" || len(opts) != 4 {
		t.Fatalf("options: %d, mail asked %v; want domain, alt-domain, https-mode and mail", len(opts), ok)
	}
	bad := []struct{ flag, v, msg, hint string }{
		{"https-mode", "cdn", `--https-mode "cdn": not a mode`, "Use --https-mode lb (load balancer, $18/month) or --https-mode instance (Let's Encrypt, free)."},
		{"domain", "https://example.com", `--domain "https://example.com": this is a URL, not a host name`, "Give the bare name: --domain example.com."},
		{"alt-domain", "www.example.com,*.example.com", `--alt-domain "*.example.com": wildcard`, "List each name"},
		{"alt-domain", "a.x.com,b.x.com,c.x.com,d.x.com,e.x.com,f.x.com,g.x.com,h.x.com,i.x.com,j.x.com", "at most 9", "at most 9"},
		// Control and invisible characters are refused, never trimmed away or passed to IDNA.
		{"domain", "example.com\n", `--domain "example.com\n": contains the control or invisible character U+000A`, "Type the value again without it"},
		{"domain", "exa\u200bmple.com", `--domain "exa\u200bmple.com": contains the control or invisible character U+200B`, "e.g. --domain NAME."},
		{"alt-domain", "www.example.com,\u202ewww.example.com", `contains the control or invisible character U+202E`, "Type the value again without it"},
		{"https-mode", "lb\x00", `--https-mode "lb\x00": contains the control or invisible character U+0000`, "e.g. --https-mode lb."},
		{"mail", "-oQ/tmp/x@b.c", `--mail "-oQ/tmp/x@b.c": not an email address`, "Use --mail you@example.com."},
	}
	for _, c := range bad {
		var s steps.Settings
		err := byFlag[c.flag].Set(&s, c.v)
		var ue *steps.UsageError
		if !errors.As(err, &ue) || !strings.Contains(ue.Msg, c.msg) || !strings.Contains(ue.Hint, c.hint) {
			t.Errorf("--%s %q: %v (hint %q); want %q / %q", c.flag, c.v, err, steps.HintOf(err), c.msg, c.hint)
		}
	}
	var s steps.Settings
	for flag, v := range map[string]string{"domain": "Example.COM.", "alt-domain": "www.example.com, WWW2.example.com", "https-mode": "instance"} {
		if err := byFlag[flag].Set(&s, v); err != nil {
			t.Fatalf("--%s %q: %v", flag, v, err)
		}
	}
	if s.Domain != "example.com" || strings.Join(s.AltDomains, ",") != "www.example.com,www2.example.com" || s.HTTPSMode != "instance" {
		t.Errorf("settings: %+v", s)
	}
	if err := steps.ValidateSettings(s, opts); err != nil {
		t.Errorf("validate the settings just set: %v", err)
	}
	if d := steps.WithDefaults(steps.Settings{Domain: "example.com"}, opts); d.HTTPSMode != "lb" {
		t.Errorf("default mode %q, want lb", d.HTTPSMode)
	}
}
