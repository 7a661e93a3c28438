package registry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hardsail/hardsail/assets"
	"github.com/hardsail/hardsail/internal/emulator/iamsts"
	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/account"
	"github.com/hardsail/hardsail/steps/certs"
	"github.com/hardsail/hardsail/steps/https"
	"github.com/hardsail/hardsail/steps/imds"
	"github.com/hardsail/hardsail/steps/patches"
	"github.com/hardsail/hardsail/steps/registry"
	"github.com/hardsail/hardsail/steps/staticip"
)

// noPermission are calls AWS answers for any signed request; the policy does not list them.
var noPermission = []string{"sts:GetCallerIdentity"}

// policyActions is every action the policy grants, in document order.
func policyActions(t *testing.T, doc []byte) []string {
	t.Helper()
	var p struct {
		Statement []struct {
			Effect string
			Action []string
		}
	}
	if err := json.Unmarshal(doc, &p); err != nil {
		t.Fatalf("parse assets/iam-policy.json: %v", err)
	}
	var out []string
	for _, s := range p.Statement {
		if s.Effect != "Allow" {
			t.Fatalf("policy statement with Effect %q: hardsail's policy only allows", s.Effect)
		}
		out = append(out, s.Action...)
	}
	return out
}

// without returns the policy document with action removed from every statement.
func without(t *testing.T, doc []byte, action string) []byte {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(doc, &p); err != nil {
		t.Fatalf("parse policy: %v", err)
	}
	for _, s := range p["Statement"].([]any) {
		st := s.(map[string]any)
		st["Action"] = slices.DeleteFunc(st["Action"].([]any), func(a any) bool { return a == action })
	}
	out, err := json.Marshal(p)
	if err != nil {
		t.Fatalf("encode policy: %v", err)
	}
	return out
}

// TestPolicyMatchesTheAPIInterfaces holds assets/iam-policy.json and remote/awsapi's narrow interfaces
// equal: an operation hardsail can call is granted, and a granted action is one hardsail can call.
func TestPolicyMatchesTheAPIInterfaces(t *testing.T) {
	var called []string
	for _, api := range []struct {
		service string
		typ     reflect.Type
	}{
		{"lightsail", reflect.TypeFor[awsapi.LightsailAPI]()},
		{"iam", reflect.TypeFor[awsapi.IAMAPI]()},
		{"sts", reflect.TypeFor[awsapi.STSAPI]()},
	} {
		for i := range api.typ.NumMethod() {
			called = append(called, api.service+":"+api.typ.Method(i).Name)
		}
	}
	granted := policyActions(t, assets.IAMPolicy)
	seen := map[string]bool{}
	for _, a := range granted {
		if seen[a] {
			t.Errorf("policy grants %s twice", a)
		}
		seen[a] = true
		if !slices.Contains(called, a) {
			t.Errorf("policy grants %s, which no interface in remote/awsapi/api.go has: remove it", a)
		}
	}
	for _, a := range called {
		switch {
		case slices.Contains(noPermission, a) && seen[a]:
			t.Errorf("policy grants %s, which AWS allows without any permission: remove it", a)
		case !slices.Contains(noPermission, a) && !seen[a]:
			t.Errorf("remote/awsapi/api.go has %s but the policy does not grant it", a)
		}
	}
}

// emulatedDNS answers CNAME lookups from the emulator's outside-world DNS.
type emulatedDNS struct{ w *world.World }

func (d emulatedDNS) LookupCNAME(ctx context.Context, host string) (string, error) {
	name := func(s string) string { return strings.TrimSuffix(strings.ToLower(s), ".") }
	for _, r := range d.w.Em.State().ExternalDNS {
		if r.Type == "CNAME" && name(r.Name) == name(host) {
			return name(r.Value) + ".", nil
		}
	}
	return "", fmt.Errorf("lookup %s: no such host", host)
}

// yesAsker is a user who agrees to everything and has an authenticator app: it reads the MFA
// secret the iam-admin step shows and types the current and the next code.
type yesAsker struct {
	mu    sync.Mutex
	seed  string
	codes []string
}

var secretLine = regexp.MustCompile(`(?m)^ {4}([A-Z2-7]{1,4}(?: [A-Z2-7]{1,4})*)$`)

func (a *yesAsker) Confirm(context.Context, string, bool) (bool, error) { return true, nil }

func (a *yesAsker) Show(_ context.Context, _, body string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ms := secretLine.FindAllStringSubmatch(body, -1); ms != nil {
		a.seed = ""
		for _, m := range ms {
			a.seed += strings.ReplaceAll(m[1], " ", "")
		}
		a.codes = nil
	}
	return nil
}

func (a *yesAsker) Input(_ context.Context, prompt string, check func(string) error) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.seed == "" {
		return "", fmt.Errorf("asked %q before any MFA secret was shown", prompt)
	}
	if len(a.codes) == 0 {
		now := time.Now()
		a.codes = []string{iamsts.TOTP(a.seed, now), iamsts.TOTP(a.seed, now.Add(30*time.Second))}
	}
	code := a.codes[0]
	a.codes = a.codes[1:]
	if err := check(code); err != nil {
		return "", fmt.Errorf("the step refused code %q: %w", code, err)
	}
	return code, nil
}

// report is everything a run told the user, one line per result, outcome or error.
type report struct{ lines []string }

func (r *report) add(phase string, v ...any) { r.lines = append(r.lines, phase+": "+fmt.Sprint(v...)) }

func (r *report) results(phase string, rs []steps.Result) {
	for _, x := range rs {
		r.add(phase, x.Step, " ", x.Status, " ", x.Detail, " | fix: ", x.Fix)
	}
}

func (r *report) outcomes(phase string, out []steps.Outcome) {
	for _, o := range out {
		r.add(phase, o.Step, " ", o.Status, " ", o.Detail, " | fix: ", o.Fix)
	}
}

func (r *report) String() string { return strings.Join(r.lines, "\n") }

// run is one pass of hardsail over a world: the session's reads (who am I, which instances), then
// verify, apply, verify, undo everything, verify, through the engine as `hardsail apply` and
// `hardsail undo` drive it.
type run struct {
	verify1, verify2, verify3 []steps.Result
	apply, undo               []steps.Outcome
	undoPlanErr               error
	report                    report
}

// fastHTTPS makes the https step poll the emulator briskly and read the emulator's outside DNS.
func fastHTTPS(w *world.World, all []steps.Step) {
	for _, s := range all {
		if h, ok := s.(*https.Step); ok {
			h.Resolver = emulatedDNS{w}
			h.Poll = awsapi.Backoff{Initial: 10 * time.Millisecond, Max: 100 * time.Millisecond}
			h.CertWait, h.LBWait, h.SetupWait = 5*time.Second, 20*time.Second, 10*time.Second
		}
	}
}

func fullRun(t *testing.T, w *world.World, only ...string) *run {
	t.Helper()
	return fullRunEnv(t, w, w.Env(t), only...)
}

// fullRunEnv is fullRun over env (made from w; a test may watch its SSH use).
func fullRunEnv(t *testing.T, w *world.World, env *steps.Env, only ...string) *run {
	t.Helper()
	ctx := t.Context()
	all, err := steps.Select(registry.All(), only)
	if err != nil {
		t.Fatal(err)
	}
	fastHTTPS(w, all)
	var prepare steps.Preparer
	for _, s := range all {
		if p, ok := s.(steps.Preparer); ok {
			prepare = p
		}
	}
	dir := t.TempDir()
	j, err := steps.OpenJournal(steps.Paths{Dir: dir, Journal: filepath.Join(dir, "journal.jsonl"), Lock: filepath.Join(dir, "lock")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	eng := &steps.Engine{Steps: all, Env: env, Journal: j, Prepare: prepare}

	r := &run{}
	if _, err := env.AWS.Identity(ctx); err != nil {
		r.report.add("session", err, " | fix: ", steps.HintOf(err))
	}
	if _, err := env.AWS.InstanceNames(ctx); err != nil {
		r.report.add("session", err, " | fix: ", steps.HintOf(err))
	}
	r.verify1 = eng.Verify(ctx)
	r.report.results("verify", r.verify1)
	r.apply = eng.Apply(ctx, r.verify1)
	r.report.outcomes("apply", r.apply)
	r.verify2 = eng.Verify(ctx)
	r.report.results("verify after apply", r.verify2)
	entries, err := eng.UndoPlan()
	if err != nil {
		r.undoPlanErr = err
		r.report.add("undo plan", err)
	}
	r.undo = eng.Undo(ctx, entries)
	r.report.outcomes("undo", r.undo)
	r.verify3 = eng.Verify(ctx)
	r.report.results("verify after undo", r.verify3)
	return r
}

// fullSettings turn every step on in lb mode. No --mail: mail reports only make auto-upgrades
// install and purge mailutils on the host (half a minute of apt, no AWS call); steps/upgrades'
// host tests prove that path.
var fullSettings = steps.Settings{Domain: "example.com", AltDomains: []string{"www.example.com"}, HTTPSMode: "lb",
	AutoSnapshot: true, StaticIP: true}

// newWorld is the fresh WordPress instance (bound to a real host when host is set) that grants
// only what policy allows.
func newWorld(t *testing.T, policy []byte, host bool, set steps.Settings) *world.World {
	t.Helper()
	w := world.New(t, world.Options{Host: host, Settings: set, Ask: &yesAsker{}, AcceptCost: true})
	if err := w.Em.EnforcePolicy(policy); err != nil {
		t.Fatal(err)
	}
	return w
}

// instanceSettings are the other HTTPS mode. No API reverses SetupInstanceHttps, so its undo is
// skipped with instructions and only apply and the verify after it are asserted.
var instanceSettings = steps.Settings{Domain: "example.com", HTTPSMode: "instance", Mail: "admin@example.com"}

func statuses(rs []steps.Result) map[string]steps.Status {
	m := map[string]steps.Status{}
	for _, r := range rs {
		m[r.Step] = r.Status
	}
	return m
}

func requireHost(t *testing.T) {
	if os.Getenv("HARDSAIL_REQUIRE_TESTHOST") == "" {
		t.Log("HARDSAIL_REQUIRE_TESTHOST is unset: testhost.Start skips without root/tools")
	}
}

// called is every service:Action the emulator answered, denied or not.
func called(w *world.World) []string {
	var out []string
	for _, c := range w.Em.Calls() {
		if a := c.Service + ":" + c.Action; !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// TestPolicyIsEnough runs every step's verify, apply and undo with only the policy's actions
// granted: nothing is denied, everything applies and undoes, and every granted action is called.
func TestPolicyIsEnough(t *testing.T) {
	requireHost(t)
	var mu sync.Mutex
	var used []string // every action the runs called
	runs := 0
	t.Run("lb mode, every step", func(t *testing.T) {
		w := newWorld(t, assets.IAMPolicy, true, fullSettings)
		r := fullRun(t, w)
		defer func() {
			mu.Lock()
			used = append(used, called(w)...)
			runs++
			mu.Unlock()
		}()
		if strings.Contains(r.report.String(), "AccessDenied") {
			t.Fatalf("a call was denied:\n%s", &r.report)
		}
		first := statuses(r.verify1)
		for _, s := range registry.All() {
			if audits[s.ID()] {
				continue // an audit: it never has anything to apply
			}
			if first[s.ID()] != steps.StatusDrift {
				t.Errorf("first verify: %s is %s, want drift (the run would not apply it)", s.ID(), first[s.ID()])
			}
		}
		// The snapshot is the engine's Prepare outcome, then one outcome per step.
		if len(r.apply) != len(registry.All())+1-len(audits) {
			t.Errorf("apply gave %d outcomes, want the snapshot's and one per step but the audits", len(r.apply))
		}
		for _, o := range r.apply {
			if o.Status != steps.StatusChanged {
				t.Errorf("apply %s: %s %s, want changed", o.Step, o.Status, o.Detail)
			}
		}
		for _, x := range r.verify2 {
			if x.Status != steps.StatusOK {
				t.Errorf("verify after apply: %s %s %s, want ok", x.Step, x.Status, x.Detail)
			}
		}
		if r.undoPlanErr != nil || len(r.undo) != len(registry.All())-len(audits) {
			t.Errorf("undo plan: %v; undid %d steps, want %d (all but the audits)", r.undoPlanErr, len(r.undo), len(registry.All())-len(audits))
		}
		for _, o := range r.undo {
			if o.Status.Bad() {
				t.Errorf("undo %s: %s %s", o.Step, o.Status, o.Detail)
			}
		}
		if got := statuses(r.verify3); !reflect.DeepEqual(got, first) {
			t.Errorf("verify after undo: %v, want the first verify's %v", got, first)
		}
		if t.Failed() {
			t.Logf("run:\n%s", &r.report)
		}
	})
	t.Run("instance mode https", func(t *testing.T) {
		w := newWorld(t, assets.IAMPolicy, false, instanceSettings)
		r := fullRun(t, w, https.ID)
		mu.Lock()
		used = append(used, called(w)...)
		runs++
		mu.Unlock()
		if strings.Contains(r.report.String(), "AccessDenied") {
			t.Fatalf("a call was denied:\n%s", &r.report)
		}
		if len(r.apply) != 1 || r.apply[0].Status != steps.StatusChanged || r.verify2[0].Status != steps.StatusOK {
			t.Errorf("instance-mode https: apply %+v, then %s\n%s", r.apply, r.verify2[0].Status, &r.report)
		}
	})
	if t.Failed() || runs < 2 {
		return // a run failed or -run left one out: what was called proves nothing
	}
	want := append(policyActions(t, assets.IAMPolicy), noPermission...)
	for _, a := range want {
		if !slices.Contains(used, a) && !fleetOnly[a] {
			t.Errorf("the policy grants %s but no run called it: make a run call it, or remove it from the policy and remote/awsapi/api.go", a)
		}
	}
	for _, a := range used {
		if !slices.Contains(want, a) {
			t.Errorf("a run called %s, which the policy does not grant", a)
		}
	}
}

// awsSteps are the steps that call AWS beyond the SSH dial's lightsail:GetInstance and
// lightsail:GetInstanceAccessDetails. auto-upgrades and log-cleanup only change the host (several
// seconds of apt each run), so the per-action runs leave them out; TestPolicyIsEnough runs them.
var awsSteps = []string{"snapshot", "iam-admin", "firewall", imds.ID, https.ID, staticip.ID, account.ID}

// audits are the steps that only report findings: they never plan a change.
var audits = map[string]bool{certs.ID: true, account.ID: true, patches.ID: true}

// callers are the runs that call an action: these steps, over a world of these settings, with a
// real host only when one of the steps used SSH in its recorded run.
type callers struct {
	steps []string
	set   steps.Settings
	host  bool
}

// firstCallers runs, with the whole policy, each of awsSteps alone (verify, apply, verify, undo,
// verify) one after another over one world in lb mode, then the https step over a world in instance
// mode, and returns for every action the emulator saw the steps that called it, in the first mode
// that did. A run that was denied anything fails t: the recording would prove nothing.
func firstCallers(t *testing.T) map[string]*callers {
	t.Helper()
	out := map[string]*callers{}
	for _, mode := range []struct {
		set  steps.Settings
		host bool
		only []string
	}{{fullSettings, true, awsSteps}, {instanceSettings, false, []string{https.ID}}} {
		w := newWorld(t, assets.IAMPolicy, mode.host, mode.set)
		for _, id := range mode.only {
			seen := len(w.Em.Calls())
			env := w.Env(t)
			var usedSSH atomic.Bool // the engine checks in goroutines
			if dial := env.SSH; dial != nil {
				env.SSH = func(ctx context.Context) (*sshhost.Client, error) {
					usedSSH.Store(true)
					return dial(ctx)
				}
			}
			r := fullRunEnv(t, w, env, id)
			if strings.Contains(r.report.String(), "AccessDenied") {
				t.Fatalf("recording %s under the whole policy: a call was denied:\n%s", id, &r.report)
			}
			for _, c := range w.Em.Calls()[seen:] {
				a := c.Service + ":" + c.Action
				if out[a] == nil {
					out[a] = &callers{set: mode.set}
				}
				if cs := out[a]; reflect.DeepEqual(cs.set, mode.set) && !slices.Contains(cs.steps, id) {
					cs.steps, cs.host = append(cs.steps, id), cs.host || usedSSH.Load()
				}
			}
		}
	}
	return out
}

// TestEveryPolicyActionIsNeeded removes one action at a time: the run must then be refused with
// AccessDenied naming that action, so no action in the policy is there for nothing. Which steps call
// an action is recorded first, under the whole policy (firstCallers); each action's run is then
// those steps only, on a real host only when one of them used SSH.
func TestEveryPolicyActionIsNeeded(t *testing.T) {
	requireHost(t)
	recorded := firstCallers(t)
	for _, action := range policyActions(t, assets.IAMPolicy) {
		if fleetOnly[action] {
			continue
		}
		c, ok := recorded[action]
		if !ok {
			t.Errorf("the policy grants %s but no run of %v (nor instance-mode https) called it: remove it from the policy and remote/awsapi/api.go, or add the step that calls it to awsSteps", action, awsSteps)
			continue
		}
		t.Run(action, func(t *testing.T) {
			t.Parallel()
			r := fullRun(t, newWorld(t, without(t, assets.IAMPolicy, action), c.host, c.set), c.steps...)
			// The user sees AWS's refusal naming the action, and the fix names it too.
			for _, l := range r.report.lines {
				if strings.Contains(l, "AccessDenied") && strings.Contains(l, action) && strings.Contains(l, "fix: Grant "+action+" ") {
					t.Logf("refused (steps %v, host %v): %s", c.steps, c.host, l)
					return
				}
			}
			t.Errorf("without %s nothing was refused with AccessDenied and a fix naming it (steps %v, host %v):\n%s", action, c.steps, c.host, &r.report)
		})
	}
}

// fleetOnly are the actions only `verify --all` calls (to list the regions); the steps never do.
// cmd/hardsail's TestVerifyAllUnderThePolicy proves them granted and needed.
var fleetOnly = map[string]bool{"lightsail:GetRegions": true}
