// Package steps holds the Step contract every hardening step implements, the engine that runs
// preview / apply / verify / undo over a list of steps, the journal, and the desired settings.
package steps

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/remote/sshhost"
)

// Action is a change's kind; its value is the symbol printed in a preview.
type Action string

const (
	Create Action = "+"
	Update Action = "~"
	Delete Action = "-"
)

// actionWords are the actions as verbs, for legends and summaries.
var actionWords = map[Action]string{Create: "create", Update: "update in-place", Delete: "destroy"}

// Word is the action as a verb, for legends and summaries.
func (a Action) Word() string {
	if w, ok := actionWords[a]; ok {
		return w
	}
	return string(a)
}

// SensitiveValue stands in for a secret wherever a value is shown or stored.
const SensitiveValue = "(sensitive value)"

// Change is one entry of a plan.
type Change struct {
	Action  Action `json:"action"`
	Address string `json:"address"` // lightsail:WordPress-1/firewall/22-tcp, host:/etc/cron.d/hardsail-logcleanup
	Before  string `json:"before,omitempty"`
	After   string `json:"after,omitempty"`
	// File marks Before/After as file bodies, rendered as a unified diff.
	File      bool   `json:"file,omitempty"`
	Why       string `json:"why"`
	Sensitive bool   `json:"sensitive,omitempty"`
}

// Redacted returns the change as it may be shown, journaled or printed.
func (c Change) Redacted() Change {
	if c.Sensitive {
		if c.Before != "" {
			c.Before = SensitiveValue
		}
		if c.After != "" {
			c.After = SensitiveValue
		}
	}
	return c
}

// Status is what verify reports for a step.
type Status string

const (
	StatusOK      Status = "ok"
	StatusChanged Status = "changed"
	StatusDrift   Status = "drift"
	StatusPending Status = "pending"
	StatusSkipped Status = "skipped"
	StatusFailed  Status = "failed"
	StatusUnknown Status = "unknown"
)

// statusSymbols are the statuses' marks; meaning is never carried by colour alone.
var statusSymbols = map[Status]string{
	StatusOK: "✓", StatusChanged: "~", StatusDrift: "!", StatusPending: "…", StatusSkipped: "–",
	StatusFailed: "✗", StatusUnknown: "✗",
}

// Symbol is the status's mark.
func (s Status) Symbol() string {
	if m, ok := statusSymbols[s]; ok {
		return m
	}
	return "?"
}

// Bad reports whether the status counts as a failure (exit 1).
func (s Status) Bad() bool { return s == StatusFailed || s == StatusUnknown }

// Finding is something Check saw that the step reports but does not change (root MFA off, port 3306 open).
type Finding struct {
	// ID is stable across releases, like a Prowler check id: "<step>.<check>", the step's id and the
	// check in lower snake case (for example "sshd.password_authentication", "iam-admin.root_mfa_off").
	// Scripts filter and suppress findings by it (CheckFindingID).
	ID       string `json:"id,omitempty"`
	Severity string `json:"severity"` // "warning" | "info"
	Message  string `json:"message"`
	Fix      string `json:"fix,omitempty"`
}

// findingCheck is the "<check>" part of a finding id: lower snake case.
var findingCheck = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`) })

// CheckFindingID reports what is wrong with a finding id of step, or nil: it must be the step's id,
// a dot, and the check in lower snake case.
func CheckFindingID(step, id string) error {
	check, ok := strings.CutPrefix(id, step+".")
	if !ok || !findingCheck().MatchString(check) {
		return fmt.Errorf("finding id %q of step %s is not %q followed by a check in lower snake case", id, step, step+".")
	}
	return nil
}

// State is what Check read. Facts is step-specific and must be JSON-serialisable: its encoding is
// the fingerprint that detects a stale plan.
type State struct {
	Step     string    `json:"step"`
	Facts    any       `json:"facts,omitempty"`
	Findings []Finding `json:"findings,omitempty"`
	// Skip, when set, is why the step does not apply here (not a WordPress blueprint, unknown OS).
	Skip string `json:"skip,omitempty"`
	// Pending, when set, is what the step waits for outside hardsail (a certificate awaiting DNS).
	Pending string `json:"pending,omitempty"`
}

// Fingerprint identifies the facts a plan was made from.
func (s State) Fingerprint() string {
	b, err := json.Marshal(struct {
		Facts   any    `json:"facts"`
		Skip    string `json:"skip"`
		Pending string `json:"pending"`
	}{s.Facts, s.Skip, s.Pending})
	if err != nil {
		// Facts are plain data; failing to encode them is a programming error worth seeing loudly.
		panic(fmt.Sprintf("fingerprint %s state: %v", s.Step, err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Plan is the ordered list of changes that would bring a step to its target. Empty = compliant.
type Plan struct {
	Step        string   `json:"step"`
	Changes     []Change `json:"changes"`
	Fingerprint string   `json:"fingerprint"`
	// Notes are lines the preview shows under the step (costs, what cannot be undone).
	Notes []string `json:"notes,omitempty"`
}

// Empty reports whether the plan changes nothing.
func (p Plan) Empty() bool { return len(p.Changes) == 0 }

// Counts returns how many changes add, change and destroy.
func (p Plan) Counts() (add, change, destroy int) {
	for _, c := range p.Changes {
		switch c.Action {
		case Create:
			add++
		case Update:
			change++
		case Delete:
			destroy++
		}
	}
	return
}

// Outcome is what Apply or Undo did.
type Outcome struct {
	Step   string `json:"step"`
	Status Status `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Fix is the one action that resolves a failure (the error's hint).
	Fix string `json:"fix,omitempty"`
	// Shown once to the user and never stored: a generated password, an MFA seed.
	Secrets map[string]string `json:"-"`
}

// Report is what a step's Apply or Undo tells the engine; the engine alone decides the status.
type Report struct {
	// Detail is one line for the recap ("wrote /etc/cron.d/hardsail-logcleanup").
	Detail string
	// Manual, from Undo, says the change cannot be reversed by hardsail and what to do by hand; the
	// engine reports the undo as skipped.
	Manual string
	// Secrets are shown to the user once and never stored: a generated password, an MFA seed.
	Secrets map[string]string
	// Resolved are settings Apply settled that the user left to hardsail (the SSH source "my
	// address" became 198.51.100.4/32), by option flag; the engine saves these, so what is saved is
	// what was applied.
	Resolved map[string]string
}

// Step is the contract every hardening step implements (docs/design.md §4).
//
// Check reads, Plan decides, Apply and Undo act. The engine checks the live state, refuses a plan
// made from another state, and hands Apply that same live state; a step never re-reads the world to
// decide whether its plan is stale. Every change to the world goes through rec.Do (or rec.Reverse in
// Undo), which journals it before it happens and records done, failed or unknown after.
type Step interface {
	ID() string
	Title() string
	// Check reads the live state. It must not change anything.
	Check(ctx context.Context, env *Env) (State, error)
	// Plan is pure: the same state and settings give the same plan.
	Plan(state State, s Settings) (Plan, error)
	// Apply carries out plan, which the engine made from live and found fresh.
	Apply(ctx context.Context, env *Env, live State, plan Plan, rec *Recorder) (Report, error)
	// Undo restores the prior values in entries (newest first).
	Undo(ctx context.Context, env *Env, entries []Entry, rec *Recorder) (Report, error)
}

// Identity is a step's stable id and its title. A step embeds it and sets it in New, which gives it
// the ID and Title methods of the contract: `type Step struct{ steps.Identity }`.
type Identity struct{ id, title string }

// Named returns the identity of the step id, titled title.
func Named(id, title string) Identity { return Identity{id: id, title: title} }

// ID is the step's stable name (the journal, flags and finding ids use it).
func (n Identity) ID() string { return n.id }

// Title is the step's one-line heading in previews and the wizard.
func (n Identity) Title() string { return n.title }

// OptionsOf returns the options of every step that has some, in order.
func OptionsOf(all []Step) []Option {
	var out []Option
	for _, s := range all {
		if o, ok := s.(Optioner); ok {
			out = append(out, o.Options()...)
		}
	}
	return out
}

// Optioner is a step with settings the user chooses: the engine, cmd/ (flags) and tui/ (questions)
// read them from here, so no other package names a step's settings.
type Optioner interface {
	Options() []Option
}

// FactsOf returns the state's facts as the step's own type T, also when they came back from JSON.
func FactsOf[T any](st State) (T, error) {
	switch f := st.Facts.(type) {
	case T:
		return f, nil
	case *T:
		if f != nil {
			return *f, nil
		}
	}
	var f T
	b, err := json.Marshal(st.Facts)
	if err == nil {
		err = json.Unmarshal(b, &f)
	}
	if err != nil {
		return f, fmt.Errorf("%s state: %w", st.Step, err)
	}
	return f, nil
}

// PlanFacts is how a Plan begins: the empty plan of step and the state's facts as T; skip is true
// when the state says the step does not apply here (Plan then returns the empty plan).
func PlanFacts[T any](step string, st State) (p Plan, f T, skip bool, err error) {
	p = Plan{Step: step}
	if st.Skip != "" {
		return p, f, true, nil
	}
	f, err = FactsOf[T](st)
	return p, f, false, err
}

// ApplyFacts is how an Apply begins: the live state's facts as T, and done true when Apply has
// nothing more to do: the plan changes nothing, or the facts do not decode (err). Apply then
// returns Done(err).
func ApplyFacts[T any](live State, plan Plan) (f T, done bool, err error) {
	if plan.Empty() {
		return f, true, nil
	}
	f, err = FactsOf[T](live)
	return f, err != nil, err
}

// Done is the report of an Apply that ApplyFacts found done: nothing to change, or err.
func Done(err error) (Report, error) {
	if err != nil {
		return Report{}, err
	}
	return Report{Detail: "nothing to change"}, nil
}

// Env is what a step may use: the instance, the desired settings, the outside world, and where to report.
type Env struct {
	Instance string
	Region   string
	Account  string
	Settings Settings
	// Force lets Undo restore over a value that changed since hardsail wrote it.
	Force bool
	// AcceptCost is the user's agreement (--accept-cost) to changes that cost money, for runs with no
	// one to ask.
	AcceptCost bool
	Log        *slog.Logger
	Observer   Observer
	Now        func() time.Time
	// AWS are the SDK clients for the account and region in use.
	AWS *awsapi.Clients
	// SSH returns the run's one connection to the instance, dialling it on first use. Nil when the
	// run has no way to reach the host.
	SSH func(ctx context.Context) (*sshhost.Client, error)
	// Ask talks to the user during Apply and Undo (the wizard's forms or plain prompts). Nil off a
	// terminal: steps then take the safe default and say so.
	Ask Asker
	// CLI builds the hardsail command lines a result or outcome suggests (the demo's carry --demo).
	CLI CommandLine

	factsMu sync.Mutex
	notes   map[string]string
	facts   *sshhost.Facts
	factsQ  sshhost.Query
	// unreached is a dial that never reached the host, kept until the facts are forgotten so that
	// the steps of one check share one attempt (and one time-out).
	unreached error

	leaveMu sync.Mutex
	leave   chan struct{} // closed by LeaveWaits
}

// WaitLeft is closed once the user chose to leave the run's waits (LeaveWaits): a step polling
// for something slow stops as if its time limit had passed, and reports pending.
func (e *Env) WaitLeft() <-chan struct{} {
	e.leaveMu.Lock()
	defer e.leaveMu.Unlock()
	return e.leaveChan()
}

// leaveChan is the channel LeaveWaits closes, made on first use; leaveMu is held.
func (e *Env) leaveChan() chan struct{} {
	if e.leave == nil {
		e.leave = make(chan struct{})
	}
	return e.leave
}

// LeaveWaits ends every wait of this run, under way or to come (Esc during a certificate's
// validation): what was made stays, journaled, the step is pending, and the next run carries on.
func (e *Env) LeaveWaits() {
	e.leaveMu.Lock()
	defer e.leaveMu.Unlock()
	ch := e.leaveChan()
	select {
	case <-ch:
	default:
		close(ch)
	}
}

// ErrDismissed is what an Asker returns when the user dismissed a question (Esc): a step takes it
// as "not now", never as a failure.
var ErrDismissed = errors.New("question dismissed")

// Asker asks the user something in the middle of Apply or Undo.
type Asker interface {
	// Confirm asks a yes/no question; def is the answer Enter gives.
	Confirm(ctx context.Context, question string, def bool) (bool, error)
	// Input asks for one line, re-asking while check returns an error.
	Input(ctx context.Context, prompt string, check func(string) error) (string, error)
	// Show puts text in front of the user once (an MFA QR code, a generated password). It is never
	// logged or journaled.
	Show(ctx context.Context, title, body string) error
}

// Preparer is run by the engine once, before the first change of an apply run (the snapshot). Its
// report's Manual, when set, says the preparation was declined or skipped and why.
type Preparer interface {
	ID() string
	Prepare(ctx context.Context, env *Env, rec *Recorder) (Report, error)
}

// Preflighter is a step with conditions to meet before anything in an apply run changes (the cost
// of a load balancer agreed to). The engine asks every step to be applied before the first change.
type Preflighter interface {
	Preflight(ctx context.Context, env *Env, plan Plan) error
}

// HostQuery is implemented by steps that read host facts, so one remote command can serve them all.
type HostQuery interface {
	HostQuery() sshhost.Query
}

// NoSSH is the error of work that needs the host ("this step", "editing /path") in a run that has
// no way to reach it (Env.SSH nil).
func NoSSH(need string) error {
	return &UsageError{Msg: need + " needs SSH access to the instance",
		Hint: "Run hardsail with AWS access to the instance (it logs in with a temporary Lightsail key), or pass --ssh-key and --ssh-host."}
}

// NoAWS is the error of a step that needs AWS in a run that has no AWS clients (Env.AWS nil).
func NoAWS(step string) error {
	return &UsageError{Msg: "the " + step + " step needs AWS access", Hint: "Configure AWS credentials (`aws configure`) or pass --profile."}
}

// HostFacts returns the host facts covering q, gathering them (once, in one remote command, with
// every query the engine announced) unless a cached answer already covers q.
func (e *Env) HostFacts(ctx context.Context, q sshhost.Query) (*sshhost.Facts, error) {
	if e.SSH == nil {
		return nil, NoSSH("this step")
	}
	e.factsMu.Lock()
	defer e.factsMu.Unlock()
	if e.facts != nil && covers(e.factsQ, q) {
		return e.facts, nil
	}
	if e.unreached != nil {
		return nil, e.unreached
	}
	c, err := e.SSH(ctx)
	if err != nil {
		if sshhost.Unreachable(err) != nil {
			e.unreached = err
		}
		return nil, err
	}
	want := mergeQuery(e.factsQ, q)
	f, err := c.Gather(ctx, want)
	if err != nil {
		return nil, err
	}
	e.facts, e.factsQ = f, want
	return f, nil
}

// SetRunNote keeps an answer for the rest of this run (MFA enrolment declined), under a key the
// step owns; a new run starts with none.
func (e *Env) SetRunNote(key, value string) {
	e.factsMu.Lock()
	defer e.factsMu.Unlock()
	if e.notes == nil {
		e.notes = map[string]string{}
	}
	e.notes[key] = value
}

// RunNote returns what SetRunNote kept under key, or "".
func (e *Env) RunNote(key string) string {
	e.factsMu.Lock()
	defer e.factsMu.Unlock()
	return e.notes[key]
}

// AnnounceHostQuery adds q to what the next gathering reads (the engine calls it for every step).
func (e *Env) AnnounceHostQuery(q sshhost.Query) {
	e.factsMu.Lock()
	defer e.factsMu.Unlock()
	e.factsQ = mergeQuery(e.factsQ, q)
}

// ForgetHostFacts drops the cached facts and the announced queries; the next HostFacts reads the
// host again.
func (e *Env) ForgetHostFacts() {
	e.factsMu.Lock()
	defer e.factsMu.Unlock()
	e.facts, e.factsQ, e.unreached = nil, sshhost.Query{}, nil
}

func mergeQuery(a, b sshhost.Query) sshhost.Query {
	u := func(x, y []string) []string {
		out := slices.Clone(x)
		for _, v := range y {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		slices.Sort(out)
		return out
	}
	return sshhost.Query{Files: u(a.Files, b.Files), Packages: u(a.Packages, b.Packages),
		AptConfig: u(a.AptConfig, b.AptConfig), Dirs: u(a.Dirs, b.Dirs), Commands: u(a.Commands, b.Commands),
		Scripts: u(a.Scripts, b.Scripts), LoginScripts: u(a.LoginScripts, b.LoginScripts)}
}

func covers(have, q sshhost.Query) bool {
	sub := func(h, w []string) bool {
		for _, v := range w {
			if !slices.Contains(h, v) {
				return false
			}
		}
		return true
	}
	return sub(have.Files, q.Files) && sub(have.Packages, q.Packages) && sub(have.AptConfig, q.AptConfig) &&
		sub(have.Dirs, q.Dirs) && sub(have.Commands, q.Commands) && sub(have.Scripts, q.Scripts) &&
		sub(have.LoginScripts, q.LoginScripts)
}

// Emit reports a progress event to the observer, if any, stamped with the time when it has none.
func (e *Env) Emit(ev Event) {
	if e != nil && e.Observer != nil {
		ev.Message, ev.Address = e.CLI.InText(Printable(ev.Message)), Printable(ev.Address)
		if ev.At.IsZero() {
			ev.At = e.Clock()
		}
		e.Observer.Event(ev)
	}
}

// Logger returns the env's logger or a discarding one.
func (e *Env) Logger() *slog.Logger {
	if e == nil || e.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Log
}

// Clock returns the env's time source.
func (e *Env) Clock() time.Time {
	if e == nil || e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

// EventKind names a progress event.
type EventKind string

const (
	EventCheckStart  EventKind = "check-start"
	EventCheckDone   EventKind = "check-done"
	EventApplyStart  EventKind = "apply-start"
	EventChangeStart EventKind = "change-start"
	EventChangeDone  EventKind = "change-done"
	EventApplyDone   EventKind = "apply-done"
	EventUndoStart   EventKind = "undo-start"
	EventUndoDone    EventKind = "undo-done"
	// EventCommand is one AWS operation or remote command, for the command log.
	EventCommand EventKind = "command"
	// EventWait is a long wait (load balancer provisioning, certificate validation).
	EventWait EventKind = "wait"
)

// Event is one progress report. The TUI and the plain printer both read these.
type Event struct {
	Kind    EventKind
	Step    string
	Address string
	Message string
	Status  Status
	At      time.Time
}

// Observer receives progress events; it must not block for long.
type Observer interface{ Event(Event) }

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(Event)

func (f ObserverFunc) Event(e Event) { f(e) }

// Explainer is a step that says why it matters, in two or three plain sentences (the wizard shows
// them before the step's questions).
type Explainer interface {
	Why() string
}

// LockedSSH is the run's connection with the remote lock held, so another hardsail run on this host
// cannot interleave its edits with ours (re-entrant when the run already holds it). The caller
// releases it.
func (e *Env) LockedSSH(ctx context.Context) (*sshhost.Client, func() error, error) {
	c, err := e.SSH(ctx)
	if err != nil {
		return nil, nil, err
	}
	release, err := c.Lock(ctx)
	if err != nil {
		return nil, nil, err
	}
	return c, release, nil
}
