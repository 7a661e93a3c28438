package imds_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/imds"
	"github.com/hardsail/hardsail/steps/steptest"
)

const instance = "WordPress-1"

// served is the world with the emulator's call log, so the harness holds the command log to
// every operation the emulator served.
type served struct{ *world.World }

func (w served) AWSCalls(*testing.T) []string {
	var out []string
	for _, c := range w.Em.Calls() {
		out = append(out, c.Service+"."+c.Action)
	}
	return out
}

// setTokens changes httpTokens from outside hardsail (the console) and waits until Lightsail has
// applied it.
func setTokens(t *testing.T, w *world.World, tokens types.HttpTokens, endpoint types.HttpEndpoint) {
	t.Helper()
	c := lightsail.NewFromConfig(w.Em.AWSConfig())
	out, err := c.UpdateInstanceMetadataOptions(t.Context(), &lightsail.UpdateInstanceMetadataOptionsInput{
		InstanceName: aws.String(instance), HttpTokens: tokens, HttpEndpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	clients := awsapi.New(w.Em.AWSConfig())
	clients.Poll = awsapi.Backoff{Initial: 10 * time.Millisecond, Max: 50 * time.Millisecond}
	if err := clients.Wait(t.Context(), "set the options", []types.Operation{*out.Operation}, awsapi.WaitOptions{}); err != nil {
		t.Fatal(err)
	}
}

// metadata is the instance's options as the emulator holds them.
func metadata(w *world.World) emulator.MetadataOptions {
	return *w.Em.State().Instances[0].MetadataOptions
}

func conformance(t *testing.T, w *world.World) {
	t.Helper()
	steptest.Conformance(t, steptest.Case{
		Step:  imds.New(),
		World: served{w},
		AWS:   true,
		// A cancel while Lightsail applies the options: the entry is unknown, undo puts optional back.
		CancelAt: steps.EventWait,
		// Someone requires tokens in the console after the preview.
		Perturb: func(t *testing.T) { setTokens(t, w, types.HttpTokensRequired, "") },
	})
}

// TestConformance: a Bitnami WordPress instance reports httpTokens optional.
func TestConformance(t *testing.T) {
	conformance(t, world.New(t, world.Options{}))
}

// TestConformanceOnLightsail: the Lightsail-packaged blueprint requires tokens already, so the step
// is ok there; once someone made them optional, the step makes them required again and undoes that.
func TestConformanceOnLightsail(t *testing.T) {
	w := world.New(t, world.Options{Blueprint: world.Lightsail})
	eng := &steps.Engine{Steps: []steps.Step{imds.New()}, Env: w.Env(t), Journal: journal(t)}
	if rs := eng.Verify(t.Context()); rs[0].Status != steps.StatusOK || !rs[0].Plan.Empty() {
		t.Fatalf("a fresh Lightsail-packaged instance: %s %s, plan %+v; want ok with nothing to do", rs[0].Status, rs[0].Detail, rs[0].Plan.Changes)
	}
	setTokens(t, w, types.HttpTokensOptional, "")
	w.Em.ResetCalls()
	conformance(t, w)
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

// fakeInstance answers GetInstance with the metadata options given (none when nil).
type fakeInstance struct {
	awsapi.LightsailAPI // every other call panics: Check makes no other
	opts                *types.InstanceMetadataOptions
}

func (f fakeInstance) GetInstance(context.Context, *lightsail.GetInstanceInput, ...func(*lightsail.Options)) (*lightsail.GetInstanceOutput, error) {
	return &lightsail.GetInstanceOutput{Instance: &types.Instance{Name: aws.String(instance), MetadataOptions: f.opts}}, nil
}

func TestCheckAndPlan(t *testing.T) {
	opts := func(tokens, endpoint, state string, hop int32) *types.InstanceMetadataOptions {
		return &types.InstanceMetadataOptions{HttpTokens: types.HttpTokens(tokens), HttpEndpoint: types.HttpEndpoint(endpoint),
			State: types.InstanceMetadataState(state), HttpPutResponseHopLimit: aws.Int32(hop), HttpProtocolIpv6: types.HttpProtocolIpv6Disabled}
	}
	cases := []struct {
		name    string
		opts    *types.InstanceMetadataOptions
		change  bool   // a change optional → required is planned
		why     string // in the change's why
		skip    string // in the state's skip
		pending bool
	}{
		{name: "Bitnami: tokens optional", opts: opts("optional", "enabled", "applied", 1), change: true, why: "server-side request forgery"},
		{name: "tokens optional, hop limit 2", opts: opts("optional", "enabled", "applied", 2), change: true, why: "credentials"},
		{name: "endpoint off, tokens optional", opts: opts("optional", "disabled", "applied", 1), change: true, why: "turned back on"},
		{name: "tokens required", opts: opts("required", "enabled", "applied", 1)},
		{name: "tokens required, endpoint off", opts: opts("required", "disabled", "applied", 1)},
		{name: "tokens required, still being applied", opts: opts("required", "enabled", "pending", 1), pending: true},
		{name: "tokens optional, still being applied", opts: opts("optional", "enabled", "pending", 1), change: true, why: "IMDSv2"},
		{name: "no options reported", skip: "reports no instance metadata options"},
		{name: "tokens of an unknown kind", opts: opts("sometimes", "enabled", "applied", 1), skip: `httpTokens "sometimes"`},
		{name: "endpoint of an unknown kind", opts: opts("optional", "on", "applied", 1), skip: `httpEndpoint "on"`},
		{name: "hop limit out of range", opts: opts("optional", "enabled", "applied", 99), skip: "httpPutResponseHopLimit 99"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := &steps.Env{Instance: instance, AWS: &awsapi.Clients{Lightsail: fakeInstance{opts: tc.opts}}}
			st, err := imds.New().Check(t.Context(), env)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(st.Skip, tc.skip) || (tc.skip == "") != (st.Skip == "") {
				t.Errorf("skip %q, want %q", st.Skip, tc.skip)
			}
			if (st.Pending != "") != tc.pending {
				t.Errorf("pending %q, want %v", st.Pending, tc.pending)
			}
			p, err := imds.New().Plan(st, steps.Settings{})
			if err != nil {
				t.Fatal(err)
			}
			if !tc.change {
				if !p.Empty() {
					t.Errorf("plan %+v, want nothing to do", p.Changes)
				}
				return
			}
			if len(p.Changes) != 1 {
				t.Fatalf("plan %+v, want one change", p.Changes)
			}
			c := p.Changes[0]
			if c.Action != steps.Update || c.Address != "lightsail:WordPress-1/metadata-options" ||
				c.Before != "httpTokens optional" || c.After != "httpTokens required" || !strings.Contains(c.Why, tc.why) {
				t.Errorf("change %+v, want ~ httpTokens optional → required saying %q", c, tc.why)
			}
			if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "hardsail undo imds") {
				t.Errorf("notes %q, want how to undo", p.Notes)
			}
		})
	}
}

// TestPlanFromJSONFacts: facts that went through JSON (a saved preview) plan the same.
func TestPlanFromJSONFacts(t *testing.T) {
	st := steps.State{Step: imds.ID, Facts: map[string]any{"instance": instance, "options": map[string]any{"http_tokens": "optional", "http_endpoint": "enabled"}}}
	if p, err := imds.New().Plan(st, steps.Settings{}); err != nil || len(p.Changes) != 1 {
		t.Fatalf("plan %+v, %v", p, err)
	}
	if _, err := imds.New().Plan(steps.State{Step: imds.ID, Facts: "not facts"}, steps.Settings{}); err == nil {
		t.Error("plan from facts of another shape: no error")
	}
}

func TestWhy(t *testing.T) {
	if why := imds.New().Why(); !strings.Contains(why, "IMDSv1") || !strings.Contains(why, "credentials") {
		t.Errorf("Why() = %q, want what IMDSv1 leaks", why)
	}
}

// applied runs the step's apply on w through the engine and returns it with its journal.
func applied(t *testing.T, w *world.World, force bool) (*steps.Engine, *steps.Journal) {
	t.Helper()
	env := w.Env(t)
	env.Force = force
	j := journal(t)
	eng := &steps.Engine{Steps: []steps.Step{imds.New()}, Env: env, Journal: j}
	if outs := eng.Apply(t.Context(), eng.Verify(t.Context())); outs[0].Status != steps.StatusChanged {
		t.Fatalf("apply: %+v", outs[0])
	}
	return eng, j
}

// TestUndoRefusesOptionsChangedSince: someone turned the endpoint off after hardsail required
// tokens: undo refuses and names --force; with --force the options from before go back.
func TestUndoRefusesOptionsChangedSince(t *testing.T) {
	w := world.New(t, world.Options{})
	before := metadata(w)
	eng, _ := applied(t, w, false)
	setTokens(t, w, types.HttpTokensRequired, types.HttpEndpointDisabled)
	changed, m := metadata(w), w.Mutations(t)
	undo, _ := eng.UndoPlan()
	outs := eng.Undo(t.Context(), undo)
	if outs[0].Status != steps.StatusFailed || !strings.Contains(outs[0].Detail, "changed since hardsail set them") ||
		!strings.Contains(outs[0].Detail, "httpEndpoint disabled") || !strings.Contains(outs[0].Fix, "--force") {
		t.Fatalf("undo over a changed endpoint: %+v; want refused, naming --force", outs[0])
	}
	if metadata(w) != changed || w.Mutations(t) != m {
		t.Fatalf("a refused undo changed the options to %+v", metadata(w))
	}
	eng.Env.Force = true
	undo, _ = eng.UndoPlan()
	if outs := eng.Undo(t.Context(), undo); outs[0].Status != steps.StatusChanged {
		t.Fatalf("undo --force: %+v", outs[0])
	}
	if got := metadata(w); got != before {
		t.Errorf("after undo --force: %+v, want %+v", got, before)
	}
}

// TestUndoOfAnUnknownChangeThatNeverTook: the update never reached Lightsail; undo closes the
// entry with nothing to do.
func TestUndoOfAnUnknownChangeThatNeverTook(t *testing.T) {
	w := world.New(t, world.Options{})
	j := journal(t)
	prior := map[string]any{"http_tokens": "optional", "http_endpoint": "enabled", "hop_limit": 1, "http_protocol_ipv6": "disabled"}
	entry(t, j, "lightsail:"+instance+"/metadata-options", map[string]any{"prior": prior, "put": with(prior, "http_tokens", "required")}, "unknown")
	m := w.Mutations(t)
	eng := &steps.Engine{Steps: []steps.Step{imds.New()}, Env: w.Env(t), Journal: j}
	undo, _ := eng.UndoPlan()
	if len(undo) != 1 {
		t.Fatalf("undo plan %+v, want the unknown entry", undo)
	}
	if outs := eng.Undo(t.Context(), undo); outs[0].Status.Bad() || outs[0].Detail != "already as before" {
		t.Fatalf("undo: %+v, want closed with nothing to do", outs[0])
	}
	if w.Mutations(t) != m {
		t.Error("undo of a change that never took made a mutating call")
	}
	if again, _ := eng.UndoPlan(); len(again) != 0 {
		t.Errorf("a second undo would still reverse %d entries", len(again))
	}
}

// entry journals a change as a run would have; end is "done" or "unknown".
func entry(t *testing.T, j *steps.Journal, addr string, data any, end string) {
	t.Helper()
	id, err := j.Begin(imds.ID, steps.Change{Action: steps.Update, Address: addr, Why: "test"}, data)
	if err == nil && end == "done" {
		err = j.Done(id)
	} else if err == nil {
		err = j.Unknown(id, errors.New("HTTP 500 after the request was sent"))
	}
	if err != nil {
		t.Fatal(err)
	}
}

// with returns a copy of m with k set to v.
func with(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{k: v}
	for key, val := range m {
		if key != k {
			out[key] = val
		}
	}
	return out
}

func TestUndoRefusesJournalDataHardsailCouldNotHaveWritten(t *testing.T) {
	prior := map[string]any{"http_tokens": "optional", "http_endpoint": "enabled", "hop_limit": 1, "http_protocol_ipv6": "disabled"}
	put := with(prior, "http_tokens", "required")
	cases := []struct {
		name string
		addr string
		data any
		why  string
	}{
		{name: "another instance's options", addr: "lightsail:Other-1/metadata-options", data: map[string]any{"prior": prior, "put": put}, why: "not the metadata options of " + instance},
		{name: "data of another shape", data: "turn it all off", why: "its data is not metadata options"},
		{name: "tokens of an unknown kind", data: map[string]any{"prior": with(prior, "http_tokens", "sometimes"), "put": put}, why: `httpTokens "sometimes"`},
		{name: "endpoint of an unknown kind", data: map[string]any{"prior": prior, "put": with(put, "http_endpoint", "on")}, why: `httpEndpoint "on"`},
		{name: "hop limit out of range", data: map[string]any{"prior": with(prior, "hop_limit", 200), "put": with(put, "hop_limit", 200)}, why: "httpPutResponseHopLimit 200"},
		{name: "IPv6 of an unknown kind", data: map[string]any{"prior": with(prior, "http_protocol_ipv6", "yes"), "put": put}, why: `httpProtocolIpv6 "yes"`},
		{name: "a write beyond tokens", data: map[string]any{"prior": prior, "put": with(put, "http_endpoint", "disabled")}, why: "hardsail only changes httpTokens"},
		{name: "a write to optional", data: map[string]any{"prior": put, "put": prior}, why: "hardsail only changes httpTokens"},
		{name: "nothing recorded", data: map[string]any{}, why: "not ones Lightsail has"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := world.New(t, world.Options{})
			j := journal(t)
			// A genuine entry, newest, alongside the damaged one: nothing at all may run.
			addr := "lightsail:" + instance + "/metadata-options"
			if tc.addr != "" {
				addr = tc.addr
			}
			entry(t, j, addr, tc.data, "done")
			setTokens(t, w, types.HttpTokensRequired, "")
			entry(t, j, "lightsail:"+instance+"/metadata-options", map[string]any{"prior": prior, "put": put}, "done")
			before, m := metadata(w), w.Mutations(t)

			env := w.Env(t)
			eng := &steps.Engine{Steps: []steps.Step{imds.New()}, Env: env, Journal: j}
			undo, _ := eng.UndoPlan()
			_, err := imds.New().Undo(t.Context(), env, undo, steps.NewRecorder(j, env, imds.ID))
			if tampered := (*steps.TamperedError)(nil); !errors.As(err, &tampered) {
				t.Fatalf("Undo: %v, want a *steps.TamperedError", err)
			}
			outs := eng.Undo(t.Context(), undo)
			if outs[0].Status != steps.StatusFailed || !strings.Contains(outs[0].Detail, "nothing was undone") ||
				!strings.Contains(outs[0].Detail, tc.why) || !strings.Contains(outs[0].Fix, "hardsail history") {
				t.Fatalf("undo of a damaged entry: %+v; want refused as tampered, saying %q", outs[0], tc.why)
			}
			if metadata(w) != before || w.Mutations(t) != m {
				t.Errorf("a refused undo changed the options: %+v", metadata(w))
			}
		})
	}
}
