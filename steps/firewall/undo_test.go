package firewall_test

import (
	"cmp"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/firewall"
)

// hardened is the firewall hardsail writes for --ssh-cidr 198.51.100.4/32.
func hardened() []firewall.Rule {
	web := func(p int32) firewall.Rule {
		return firewall.Rule{FromPort: p, ToPort: p, Protocol: "tcp", CIDRs: []string{"0.0.0.0/0"}, IPv6CIDRs: []string{"::/0"}}
	}
	return []firewall.Rule{
		{FromPort: 22, ToPort: 22, Protocol: "tcp", CIDRs: []string{"198.51.100.4/32"}, Aliases: []string{firewall.ConnectAlias}},
		web(80), web(443),
	}
}

// liveRules is the firewall as the step reads it, in Lightsail's order.
func liveRules(t *testing.T, env *steps.Env) []firewall.Rule {
	t.Helper()
	st, err := firewall.New().Check(t.Context(), env)
	if err != nil {
		t.Fatal(err)
	}
	f, err := steps.FactsOf[firewall.Facts](st)
	if err != nil {
		t.Fatal(err)
	}
	return f.Listed
}

// putPorts replaces the firewall from outside hardsail.
func putPorts(t *testing.T, w *world.World, rules []firewall.Rule) {
	t.Helper()
	infos := make([]types.PortInfo, len(rules))
	for i, r := range rules {
		infos[i] = types.PortInfo{FromPort: r.FromPort, ToPort: r.ToPort, Protocol: types.NetworkProtocol(r.Protocol),
			Cidrs: r.CIDRs, Ipv6Cidrs: r.IPv6CIDRs, CidrListAliases: r.Aliases}
	}
	_, err := lightsail.NewFromConfig(w.Em.AWSConfig()).PutInstancePublicPorts(t.Context(), &lightsail.PutInstancePublicPortsInput{
		InstanceName: aws.String(instance), PortInfos: infos})
	if err != nil {
		t.Fatal(err)
	}
}

// entry journals a firewall change as a run would have; end is "done", "unknown" or "" (interrupted).
func entry(t *testing.T, j *steps.Journal, addr string, data any, end string) {
	t.Helper()
	id, err := j.Begin(firewall.ID, steps.Change{Action: steps.Update, Address: addr, Why: "test"}, data)
	if err != nil {
		t.Fatal(err)
	}
	switch end {
	case "done":
		err = j.Done(id)
	case "unknown":
		err = j.Unknown(id, errors.New("HTTP 500 after the request was sent"))
	}
	if err != nil {
		t.Fatal(err)
	}
}

const fwAddr = "lightsail:" + instance + "/firewall"

func TestUndoRefusesJournalDataHardsailCouldNotHaveWritten(t *testing.T) {
	with := func(edit func(r *firewall.Rule)) []firewall.Rule {
		rs := hardened()
		edit(&rs[0])
		return rs
	}
	cases := []struct {
		name string
		addr string
		data any
		why  string
	}{
		{name: "unknown protocol", data: map[string]any{"prior": with(func(r *firewall.Rule) { r.Protocol = "gre" }), "put": hardened()}, why: `protocol "gre"`},
		{name: "port out of range", data: map[string]any{"prior": with(func(r *firewall.Rule) { r.ToPort = 70000 }), "put": hardened()}, why: "ports 22-70000/tcp"},
		{name: "ports backwards", data: map[string]any{"prior": hardened(), "put": with(func(r *firewall.Rule) { r.FromPort = 100 })}, why: "ports 100-22/tcp"},
		{name: "ICMP type out of range", data: map[string]any{"prior": []firewall.Rule{{FromPort: 300, ToPort: -1, Protocol: "icmp"}}, "put": hardened()}, why: "ICMP type 300"},
		{name: "source not an address range", data: map[string]any{"prior": with(func(r *firewall.Rule) { r.CIDRs = []string{"0.0.0.0/0; rm -rf /"} }), "put": hardened()}, why: "source"},
		{name: "IPv6 source in the IPv4 list", data: map[string]any{"prior": with(func(r *firewall.Rule) { r.CIDRs = []string{"::/0"} }), "put": hardened()}, why: `source "::/0"`},
		{name: "unknown alias", data: map[string]any{"prior": with(func(r *firewall.Rule) { r.Aliases = []string{"everyone"} }), "put": hardened()}, why: `alias "everyone"`},
		{name: "another instance's firewall", addr: "lightsail:Other-1/firewall", data: map[string]any{"prior": hardened(), "put": hardened()}, why: "not the firewall of " + instance},
		{name: "data of another shape", data: "close everything", why: "its data is not a firewall"},
		{name: "nothing written", data: map[string]any{"prior": hardened()}, why: "no rules written"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := world.New(t, world.Options{Settings: steps.Settings{SSHCIDRs: []string{"198.51.100.4/32"}}})
			env := w.Env(t)
			j := journal(t)
			// A genuine entry, newest, alongside the damaged one: nothing at all may run.
			entry(t, j, cmp.Or(tc.addr, fwAddr), tc.data, "done")
			putPorts(t, w, hardened())
			entry(t, j, fwAddr, map[string]any{"prior": liveRules(t, env), "put": hardened()}, "done")
			before, m := ports(w), w.Mutations(t)

			eng := &steps.Engine{Steps: []steps.Step{firewall.New()}, Env: env, Journal: j}
			undo, _ := eng.UndoPlan()
			outs := eng.Undo(t.Context(), undo)
			if outs[0].Status != steps.StatusFailed || !strings.Contains(outs[0].Detail, "nothing was undone") ||
				!strings.Contains(outs[0].Detail, tc.why) || !strings.Contains(outs[0].Fix, "hardsail history") {
				t.Fatalf("undo of a damaged entry: %+v; want refused as tampered, saying %q", outs[0], tc.why)
			}
			if got := ports(w); !reflect.DeepEqual(got, before) || w.Mutations(t) != m {
				t.Errorf("a refused undo changed the firewall: %+v", got)
			}
		})
	}
}

func TestUndoOfAChangeThatMayNotHaveHappened(t *testing.T) {
	cases := []struct {
		name string
		end  string // "" interrupted, "unknown"
		took bool   // whether the put reached Lightsail
	}{
		{name: "interrupted, never took: closed with nothing to do"},
		{name: "unknown, never took: closed with nothing to do", end: "unknown"},
		{name: "interrupted, took: the prior rules go back", took: true},
		{name: "unknown, took: the prior rules go back", end: "unknown", took: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := world.New(t, world.Options{Settings: steps.Settings{SSHCIDRs: []string{"198.51.100.4/32"}}})
			env := w.Env(t)
			j := journal(t)
			before := ports(w)
			entry(t, j, fwAddr, map[string]any{"prior": liveRules(t, env), "put": hardened()}, tc.end)
			if tc.took {
				putPorts(t, w, hardened())
			}
			m := w.Mutations(t)
			eng := &steps.Engine{Steps: []steps.Step{firewall.New()}, Env: env, Journal: j}
			undo, _ := eng.UndoPlan()
			if len(undo) != 1 {
				t.Fatalf("undo plan %+v, want the one entry", undo)
			}
			outs := eng.Undo(t.Context(), undo)
			want := "already as before"
			if tc.took {
				want = "previous rules put back"
			}
			if outs[0].Status != steps.StatusChanged || outs[0].Detail != want {
				t.Fatalf("undo %+v, want changed: %s", outs[0], want)
			}
			if got := ports(w); !reflect.DeepEqual(got, before) {
				t.Errorf("after undo %+v, want %+v", got, before)
			}
			if mutated := w.Mutations(t) - m; tc.took != (mutated == 1) || mutated > 1 {
				t.Errorf("undo made %d mutating call(s)", mutated)
			}
			if again, _ := eng.UndoPlan(); len(again) != 0 {
				t.Errorf("a second undo would still reverse %d entries", len(again))
			}
		})
	}
}
