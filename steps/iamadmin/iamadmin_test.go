package iamadmin_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/emulator/iamsts"
	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/iamadmin"
	"github.com/hardsail/hardsail/steps/steptest"
	"github.com/hardsail/hardsail/tui/render"
)

// conformanceWorlds are the worlds the contract is proven in: the emulator through internal/world
// (no host: iam-admin never reaches the instance), with a Bitnami and a Lightsail-packaged instance
// (port 22 closed to all but lightsail-connect), and moto_server.
var conformanceWorlds = []struct {
	name  string
	start func(t *testing.T, ask steps.Asker) (steptest.World, *iam.Client)
}{
	{"emulator", func(t *testing.T, ask steps.Asker) (steptest.World, *iam.Client) {
		w := world.New(t, world.Options{Scenario: iamsts.ScenarioWordPressFresh, Ask: ask})
		return w, iam.NewFromConfig(w.Em.AWSConfig())
	}},
	{"emulator-lightsail", func(t *testing.T, ask steps.Asker) (steptest.World, *iam.Client) {
		w := world.New(t, world.Options{Blueprint: world.Lightsail, Ask: ask})
		return w, iam.NewFromConfig(w.Em.AWSConfig())
	}},
	{"moto", func(t *testing.T, ask steps.Asker) (steptest.World, *iam.Client) {
		b := startMoto(t)
		b.ask = ask
		return b, b.admin
	}},
}

func TestConformance(t *testing.T) {
	for _, cw := range conformanceWorlds {
		for _, tc := range []struct {
			name    string
			ask     bool
			applied steps.Status
		}{
			{"at a terminal, MFA enrolled", true, steps.StatusChanged},
			{"off a terminal, MFA pending", false, steps.StatusPending},
		} {
			t.Run(cw.name+"/"+tc.name, func(t *testing.T) {
				var ask steps.Asker
				if tc.ask {
					ask = &totpAsker{}
				}
				w, admin := cw.start(t, ask)
				steptest.Conformance(t, steptest.Case{
					Step: iamadmin.New(), World: w, Applied: tc.applied,
					// Someone creates the group between preview and apply.
					Perturb: func(t *testing.T) {
						if _, err := admin.CreateGroup(t.Context(), &iam.CreateGroupInput{GroupName: aws.String(iamadmin.GroupName)}); err != nil {
							t.Fatal(err)
						}
					},
				})
			})
		}
	}
}

// applyRun verifies and applies iam-admin through the engine, as `hardsail apply` does.
func applyRun(t *testing.T, env *steps.Env, step steps.Step, journal string) ([]steps.Result, []steps.Outcome, *steps.Engine) {
	t.Helper()
	j, err := steps.OpenJournal(steps.Paths{Journal: journal, Lock: journal + ".lock"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	eng := &steps.Engine{Steps: []steps.Step{step}, Env: env, Journal: j}
	results := eng.Verify(t.Context())
	if results[0].Err != nil {
		t.Fatalf("verify: %v", results[0].Err)
	}
	return results, eng.Apply(t.Context(), results), eng
}

func addresses(p steps.Plan) []string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, string(c.Action)+" "+c.Address)
	}
	return out
}

func TestSecretsNeverStored(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			b := be.start(t)
			dir := t.TempDir()
			logPath := filepath.Join(dir, "hardsail.log")
			logFile, err := os.Create(logPath)
			if err != nil {
				t.Fatal(err)
			}
			defer logFile.Close()
			ask := &totpAsker{}
			b.ask, b.log = ask, slog.New(slog.NewJSONHandler(logFile, &slog.HandlerOptions{Level: slog.LevelDebug}))
			env := b.Env(t)
			// As cmd does: every progress event goes to the log too.
			env.Observer = steps.ObserverFunc(func(e steps.Event) {
				env.Log.Info(string(e.Kind), "step", e.Step, "address", e.Address, "message", e.Message, "status", string(e.Status))
			})
			journal := filepath.Join(dir, "journal.jsonl")
			results, outs, eng := applyRun(t, env, iamadmin.New(), journal)
			if len(outs) != 1 || outs[0].Status != steps.StatusChanged {
				t.Fatalf("apply: %+v", outs)
			}
			password := outs[0].Secrets["console password for administrator"]
			if len(password) < 20 {
				t.Fatalf("the outcome carries no console password of at least 20 characters: %q", password)
			}
			if ask.seed == "" {
				t.Fatal("the MFA secret was never shown")
			}
			undo, _ := eng.UndoPlan()
			undone := eng.Undo(t.Context(), undo)
			entries, _ := eng.Journal.Entries()
			report := jsonReport(t, results, append(outs, undone...), entries)
			logFile.Sync()

			for _, f := range []struct{ name, path string }{{"journal", journal}, {"log", logPath}} {
				raw, err := os.ReadFile(f.path)
				if err != nil || len(raw) == 0 {
					t.Fatalf("read %s: %v (%d bytes)", f.name, err, len(raw))
				}
				checkNoSecret(t, f.name, raw, password, ask.seed)
			}
			checkNoSecret(t, "--json report", report, password, ask.seed)
			if !strings.Contains(string(report), steps.SensitiveValue) {
				t.Errorf("the --json report does not show the login profile as %s:\n%s", steps.SensitiveValue, report)
			}
		})
	}
}

// jsonReport is what --json puts out about a run: the results, the outcomes and the journal.
func jsonReport(t *testing.T, results []steps.Result, outs []steps.Outcome, journal []steps.Entry) []byte {
	t.Helper()
	rep := render.NewReport("apply", results)
	rep.AddOutcomes(outs)
	rep.Journal = journal
	return rep.JSON()
}

func checkNoSecret(t *testing.T, where string, raw []byte, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("the %s holds a secret (%d characters)", where, len(s))
		}
	}
}

func TestLoginProfileRequiresReset(t *testing.T) {
	// moto ignores PasswordResetRequired, so only the emulator can show what AWS stores.
	b := startEmulator(t)
	results, outs, _ := applyRun(t, b.Env(t), iamadmin.New(), filepath.Join(t.TempDir(), "j"))
	if outs[0].Status != steps.StatusPending {
		t.Fatalf("apply off a terminal: %+v, want pending (MFA)", outs)
	}
	u := b.em.IAM().Snapshot().Users["administrator"]
	if u.LoginProfile == nil || !u.LoginProfile.PasswordResetRequired {
		t.Fatalf("login profile %+v, want one that requires a new password at first sign-in", u.LoginProfile)
	}
	if notes := strings.Join(results[0].Plan.Notes, "\n"); !strings.Contains(notes, "https://123456789012.signin.aws.amazon.com/console") {
		t.Errorf("the preview does not say where to sign in: %q", notes)
	}
}

func TestOffTerminalLeavesMFAPending(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			b := be.start(t)
			env := b.Env(t)
			results, outs, _ := applyRun(t, env, iamadmin.New(), filepath.Join(t.TempDir(), "j"))
			if slices.Contains(addresses(results[0].Plan), "+ iam:user/administrator/mfa") {
				t.Errorf("the plan off a terminal promises MFA it cannot enrol: %v", addresses(results[0].Plan))
			}
			if outs[0].Status != steps.StatusPending {
				t.Fatalf("apply: %+v, want pending", outs)
			}
			r := (&steps.Engine{Steps: []steps.Step{iamadmin.New()}, Env: b.Env(t)}).Verify(t.Context())[0]
			if r.Status != steps.StatusPending || !strings.Contains(r.Detail, "at a terminal") || r.Fix != "hardsail apply iam-admin" {
				t.Errorf("verify: %s %q fix %q; want pending, saying to run at a terminal", r.Status, r.Detail, r.Fix)
			}
			if slices.Contains(b.mutatingActions(0), "CreateVirtualMFADevice") {
				t.Errorf("a virtual MFA device was created with no one to scan it")
			}
		})
	}
}

func TestMFANotEnrolled(t *testing.T) {
	tests := []struct {
		name     string
		ask      *totpAsker
		emulator bool // moto checks no codes
		detail   string
	}{
		{"declined", &totpAsker{decline: true}, false, "declined"},
		{"codes never match", &totpAsker{wrong: true}, true, "not accepted"},
		{"dismissed at the code question", &totpAsker{dismiss: true}, false, "put off"},
	}
	for _, tc := range tests {
		for _, be := range backends {
			if tc.emulator && be.name != "emulator" {
				continue
			}
			t.Run(tc.name+"/"+be.name, func(t *testing.T) {
				b := be.start(t)
				b.ask = tc.ask
				before := b.Snapshot(t)
				_, outs, eng := applyRun(t, b.Env(t), iamadmin.New(), filepath.Join(t.TempDir(), "j"))
				if outs[0].Status != steps.StatusPending || !strings.Contains(outs[0].Detail, tc.detail) {
					t.Fatalf("apply: %+v, want pending saying %q", outs, tc.detail)
				}
				if strings.Contains(b.Snapshot(t), "mfa arn:aws:iam::123456789012:mfa/administrator") {
					t.Errorf("a virtual MFA device was left behind:\n%s", b.Snapshot(t))
				}
				undo, _ := eng.UndoPlan()
				for _, o := range eng.Undo(t.Context(), undo) {
					if o.Status.Bad() {
						t.Fatalf("undo: %+v", o)
					}
				}
				if got := b.Snapshot(t); got != before {
					t.Errorf("undo left\n%s\nwant\n%s", got, before)
				}
			})
		}
	}
}

func TestAdoptsExistingGroupAndUser(t *testing.T) {
	const oldPassword = "Existing-Passw0rd!"
	tests := []struct {
		name  string
		setup func(t *testing.T, c *iam.Client)
		plan  []string
		// never are mutating actions the apply must not send.
		never []string
		undo  []string
	}{
		{
			name: "matching group with its member",
			setup: func(t *testing.T, c *iam.Client) {
				noErr(t)(c.CreateGroup(t.Context(), &iam.CreateGroupInput{GroupName: aws.String("Administrators")}))
				noErr(t)(c.AttachGroupPolicy(t.Context(), &iam.AttachGroupPolicyInput{GroupName: aws.String("Administrators"), PolicyArn: aws.String(iamadmin.PolicyARN)}))
				noErr(t)(c.CreateUser(t.Context(), &iam.CreateUserInput{UserName: aws.String("administrator")}))
				noErr(t)(c.AddUserToGroup(t.Context(), &iam.AddUserToGroupInput{GroupName: aws.String("Administrators"), UserName: aws.String("administrator")}))
			},
			plan:  []string{"+ iam:user/administrator/login-profile", "+ iam:user/administrator/mfa"},
			never: []string{"CreateGroup", "AttachGroupPolicy", "CreateUser", "AddUserToGroup"},
			undo:  []string{"DeactivateMFADevice", "DeleteVirtualMFADevice", "DeleteLoginProfile"},
		},
		{
			name: "user with a password, outside the group",
			setup: func(t *testing.T, c *iam.Client) {
				noErr(t)(c.CreateUser(t.Context(), &iam.CreateUserInput{UserName: aws.String("administrator")}))
				noErr(t)(c.CreateLoginProfile(t.Context(), &iam.CreateLoginProfileInput{UserName: aws.String("administrator"), Password: aws.String(oldPassword)}))
			},
			plan: []string{"+ iam:group/Administrators", "+ iam:group/Administrators/policy/AdministratorAccess",
				"+ iam:user/administrator/group/Administrators", "+ iam:user/administrator/mfa"},
			never: []string{"CreateUser", "CreateLoginProfile", "UpdateLoginProfile", "DeleteLoginProfile", "DeleteUser"},
			undo:  []string{"DeactivateMFADevice", "DeleteVirtualMFADevice", "RemoveUserFromGroup", "DetachGroupPolicy", "DeleteGroup"},
		},
		{
			name: "group without the policy",
			setup: func(t *testing.T, c *iam.Client) {
				noErr(t)(c.CreateGroup(t.Context(), &iam.CreateGroupInput{GroupName: aws.String("Administrators")}))
			},
			plan: []string{"+ iam:group/Administrators/policy/AdministratorAccess", "+ iam:user/administrator",
				"+ iam:user/administrator/group/Administrators", "+ iam:user/administrator/login-profile", "+ iam:user/administrator/mfa"},
			never: []string{"CreateGroup", "DeleteGroup"},
			undo:  []string{"DeactivateMFADevice", "DeleteVirtualMFADevice", "DeleteLoginProfile", "RemoveUserFromGroup", "DetachGroupPolicy", "DeleteUser"},
		},
	}
	for _, tc := range tests {
		for _, be := range backends {
			t.Run(tc.name+"/"+be.name, func(t *testing.T) {
				b := be.start(t)
				b.ask = &totpAsker{}
				tc.setup(t, b.admin)
				before := b.Snapshot(t)
				results, outs, eng := applyRun(t, b.Env(t), iamadmin.New(), filepath.Join(t.TempDir(), "j"))
				if got := addresses(results[0].Plan); !slices.Equal(got, tc.plan) {
					t.Fatalf("plan %q, want %q", got, tc.plan)
				}
				if outs[0].Status != steps.StatusChanged {
					t.Fatalf("apply: %+v", outs)
				}
				sent := b.mutatingActions(0)
				for _, a := range tc.never {
					if slices.Contains(sent, a) {
						t.Errorf("apply sent %s to adopted entities (%v)", a, sent)
					}
				}
				n := len(b.rec.calls())
				undo, _ := eng.UndoPlan()
				for _, o := range eng.Undo(t.Context(), undo) {
					if o.Status.Bad() {
						t.Fatalf("undo: %+v", o)
					}
				}
				if got := b.mutatingActions(n); !slices.Equal(got, tc.undo) {
					t.Errorf("undo sent %v, want %v", got, tc.undo)
				}
				if got := b.Snapshot(t); got != before {
					t.Errorf("undo left\n%s\nwant what was adopted\n%s", got, before)
				}
			})
		}
	}
}

// noErr fails the test on the error of a setup call: noErr(t)(c.CreateUser(…)).
func noErr(t *testing.T) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestFindings(t *testing.T) {
	rootCaller := "arn:aws:iam::" + emulator.AccountID + ":root"
	tests := []struct {
		name     string
		scenario string
		caller   string
		want     []string // the start of each finding's message
	}{
		{"fresh account, root caller with keys and no MFA", iamsts.ScenarioWordPressFresh, "",
			[]string{"You are using the root user", "The root user has no MFA device", "The root user has access keys"}},
		{"hardened account, root caller", iamsts.ScenarioWordPressHardened, rootCaller,
			[]string{"You are using the root user"}},
		{"hardened account, administrator caller", iamsts.ScenarioWordPressHardened, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			em := emulator.Start(t, emulator.Options{Scenario: tc.scenario})
			if tc.caller != "" {
				em.IAM().SetCaller(tc.caller)
			}
			b := newBackendAt(t, "emulator", em.AWSConfig(), em)
			st, err := iamadmin.New().Check(t.Context(), b.Env(t))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range st.Findings {
				if f.Fix == "" || f.Severity != "warning" {
					t.Errorf("finding %q has severity %q and fix %q; want a warning with a fix", f.Message, f.Severity, f.Fix)
				}
				got = append(got, f.Message)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("findings %q, want %d starting %q", got, len(tc.want), tc.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("finding %d is %q, want it to start %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestHardenedAccountIsCompliant(t *testing.T) {
	em := emulator.Start(t, emulator.Options{Scenario: iamsts.ScenarioWordPressHardened})
	b := newBackendAt(t, "emulator", em.AWSConfig(), em)
	b.ask = &totpAsker{}
	r := (&steps.Engine{Steps: []steps.Step{iamadmin.New()}, Env: b.Env(t)}).Verify(t.Context())[0]
	if r.Status != steps.StatusOK || !r.Plan.Empty() {
		t.Fatalf("verify of the hardened account: %s %q, plan %v", r.Status, r.Detail, addresses(r.Plan))
	}
	if n := len(b.rec.calls()); n != 7 {
		t.Errorf("verify made %d AWS calls, want 7 (identity, summary, group, policies, user, login, MFA)", n)
	}
}

func TestUndoOrderAndRestore(t *testing.T) {
	b := startEmulator(t)
	b.ask = &totpAsker{}
	before := b.em.IAM().Snapshot()
	_, outs, eng := applyRun(t, b.Env(t), iamadmin.New(), filepath.Join(t.TempDir(), "j"))
	if outs[0].Status != steps.StatusChanged {
		t.Fatalf("apply: %+v", outs)
	}
	var applied []string
	for _, c := range b.em.MutatingCalls() {
		applied = append(applied, c.Action)
	}
	wantApply := []string{"CreateGroup", "AttachGroupPolicy", "CreateUser", "AddUserToGroup", "CreateLoginProfile", "CreateVirtualMFADevice", "EnableMFADevice"}
	if !slices.Equal(applied, wantApply) {
		t.Errorf("apply called %v, want %v", applied, wantApply)
	}
	b.em.ResetCalls()
	undo, _ := eng.UndoPlan()
	for _, o := range eng.Undo(t.Context(), undo) {
		if o.Status != steps.StatusChanged {
			t.Fatalf("undo: %+v", o)
		}
	}
	var undone []string
	for _, c := range b.em.MutatingCalls() {
		if c.ErrorCode != "" {
			t.Errorf("undo call %s failed with %s", c.Action, c.ErrorCode)
		}
		undone = append(undone, c.Action)
	}
	wantUndo := []string{"DeactivateMFADevice", "DeleteVirtualMFADevice", "DeleteLoginProfile", "RemoveUserFromGroup", "DetachGroupPolicy", "DeleteGroup", "DeleteUser"}
	if !slices.Equal(undone, wantUndo) {
		t.Errorf("undo called %v, want %v", undone, wantUndo)
	}
	after := b.em.IAM().Snapshot()
	if a, z := mustJSON(t, before), mustJSON(t, after); a != z {
		t.Errorf("undo did not restore IAM:\nbefore %s\nafter  %s", a, z)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestUndoRefusesSharedGroupAndUser(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			b := be.start(t)
			_, _, eng := applyRun(t, b.Env(t), iamadmin.New(), filepath.Join(t.TempDir(), "j"))
			// Since the apply, someone put another user in the group hardsail created.
			noErr(t)(b.admin.CreateUser(t.Context(), &iam.CreateUserInput{UserName: aws.String("alice")}))
			noErr(t)(b.admin.AddUserToGroup(t.Context(), &iam.AddUserToGroupInput{GroupName: aws.String("Administrators"), UserName: aws.String("alice")}))
			undo, _ := eng.UndoPlan()
			outs := eng.Undo(t.Context(), undo)
			if outs[0].Status != steps.StatusFailed || !strings.Contains(outs[0].Detail, "member alice") {
				t.Fatalf("undo: %+v, want it to refuse naming member alice", outs)
			}
			if !strings.Contains(b.Snapshot(t), "group Administrators") {
				t.Errorf("the shared group was deleted")
			}
		})
	}
}

func TestLeftoverDeviceNameIsNotTaken(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			b := be.start(t)
			b.ask = &totpAsker{}
			// A console enrolment abandoned halfway leaves an unassigned device with the user's name.
			noErr(t)(b.admin.CreateVirtualMFADevice(t.Context(), &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("administrator")}))
			before := b.Snapshot(t)
			_, outs, eng := applyRun(t, b.Env(t), iamadmin.New(), filepath.Join(t.TempDir(), "j"))
			if outs[0].Status != steps.StatusChanged {
				t.Fatalf("apply: %+v", outs)
			}
			if snap := b.Snapshot(t); !strings.Contains(snap, `mfa/administrator-`) || !strings.Contains(snap, `mfa arn:aws:iam::123456789012:mfa/administrator user=""`) {
				t.Fatalf("want a dated device enrolled and the leftover untouched:\n%s", snap)
			}
			undo, _ := eng.UndoPlan()
			for _, o := range eng.Undo(t.Context(), undo) {
				if o.Status.Bad() {
					t.Fatalf("undo: %+v", o)
				}
			}
			if got := b.Snapshot(t); got != before {
				t.Errorf("undo left\n%s\nwant\n%s", got, before)
			}
		})
	}
}

func TestUndoOfInterruptedApply(t *testing.T) {
	b := startEmulator(t)
	dir := t.TempDir()
	j, err := steps.OpenJournal(steps.Paths{Journal: filepath.Join(dir, "j"), Lock: filepath.Join(dir, "l")})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	// The process died after journaling CreateUser and before sending it: a begin with no done.
	if _, err := j.Begin(iamadmin.ID, steps.Change{Action: steps.Create, Address: "iam:user/administrator"},
		map[string]string{"kind": "user", "origin": "created", "user": "administrator"}); err != nil {
		t.Fatal(err)
	}
	eng := &steps.Engine{Steps: []steps.Step{iamadmin.New()}, Env: b.Env(t), Journal: j}
	undo, _ := eng.UndoPlan()
	if len(undo) != 1 || undo[0].State != steps.EntryInterrupted {
		t.Fatalf("undo plan %+v, want the one interrupted entry", undo)
	}
	outs := eng.Undo(t.Context(), undo)
	if outs[0].Status != steps.StatusChanged || !strings.Contains(outs[0].Detail, "already gone") {
		t.Fatalf("undo: %+v, want the missing user counted as undone", outs)
	}
	if again, _ := eng.UndoPlan(); len(again) != 0 {
		t.Errorf("a second undo would still reverse %d entries", len(again))
	}
}

// TestMFADeclinedLastsOneRun: a declined enrolment is an answer for the rest of the run (the Env),
// whichever Step value asks; the next run offers MFA again.
func TestMFADeclinedLastsOneRun(t *testing.T) {
	b := startEmulator(t)
	b.ask = &totpAsker{decline: true}
	env := b.Env(t)
	_, outs, _ := applyRun(t, env, iamadmin.New(), filepath.Join(t.TempDir(), "j"))
	if outs[0].Status != steps.StatusPending {
		t.Fatalf("apply: %+v, want pending", outs)
	}
	same := (&steps.Engine{Steps: []steps.Step{iamadmin.New()}, Env: env}).Verify(t.Context())[0]
	if same.Status != steps.StatusPending || !strings.Contains(same.Detail, "declined") || !same.Plan.Empty() {
		t.Errorf("verify in the same run: %s %q plan %v; want pending, saying it was declined, with no MFA change", same.Status, same.Detail, addresses(same.Plan))
	}
	next := (&steps.Engine{Steps: []steps.Step{iamadmin.New()}, Env: b.Env(t)}).Verify(t.Context())[0]
	if got := addresses(next.Plan); !slices.Equal(got, []string{"+ iam:user/administrator/mfa"}) {
		t.Errorf("the next run plans %v; want MFA offered again", got)
	}
}
