package account_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/emulator/iamsts"
	"github.com/hardsail/hardsail/internal/moto"
	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/account"
)

const day = 24 * time.Hour

// now is the audit's clock in the emulator's cases; the seeded dates are relative to it.
var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) time.Time { return now.Add(-d) }

// Users of the cases, as months of use leave them.
var (
	consoleMFA    = iamsts.SeedUser{Name: "alice", Console: true, MFA: true, Keys: []iamsts.SeedKey{{Created: ago(20 * day), LastUsed: ago(day)}}}
	consoleNoMFA  = iamsts.SeedUser{Name: "bob", Console: true}
	adminNoMFA    = iamsts.SeedUser{Name: "administrator", Console: true}
	noConsole     = iamsts.SeedUser{Name: "deploy"}
	mfaNoConsole  = iamsts.SeedUser{Name: "carol", MFA: true}
	oldKey        = iamsts.SeedUser{Name: "ci", Keys: []iamsts.SeedKey{{Created: ago(100*day + time.Hour), LastUsed: ago(2 * day), Service: "s3"}}}
	unusedKey     = iamsts.SeedUser{Name: "plugin", Keys: []iamsts.SeedKey{{Created: ago(30*day + time.Hour)}}}
	newUnusedKey  = iamsts.SeedUser{Name: "newbie", Keys: []iamsts.SeedKey{{Created: ago(2 * day)}}}
	oldUnusedKey  = iamsts.SeedUser{Name: "forgotten", Keys: []iamsts.SeedKey{{Created: ago(100*day + time.Hour)}}}
	recentUsedKey = iamsts.SeedUser{Name: "app", Keys: []iamsts.SeedKey{{Created: ago(10 * day), LastUsed: ago(day)}}}
	oldInactive   = iamsts.SeedUser{Name: "retired", Keys: []iamsts.SeedKey{{Created: ago(400 * day), Inactive: true}, {Created: ago(400 * day), Inactive: true, LastUsed: ago(300 * day)}}}
	key90Days     = iamsts.SeedUser{Name: "edge", Keys: []iamsts.SeedKey{{Created: ago(90*day + time.Hour), LastUsed: ago(day)}}}
)

// TestFindings audits accounts that pass and accounts that fail, through the SDK against the
// emulator: each finding names the user, its message the reason (with the key's age), its fix the
// place in the IAM console, and the hardsail-managed administrator's fix is the iam-admin step.
func TestFindings(t *testing.T) {
	em := emulator.Start(t, emulator.Options{Scenario: iamsts.ScenarioEmpty})
	cases := []struct {
		name  string
		users []iamsts.SeedUser
		want  []string // "id user: text in the message | text in the fix"
	}{
		{name: "no IAM users"},
		{name: "console user with MFA and a key in use", users: []iamsts.SeedUser{consoleMFA}},
		{name: "console user without MFA", users: []iamsts.SeedUser{consoleNoMFA},
			want: []string{"iam-users.console_without_mfa bob: password and no MFA device | IAM console → Users → bob → Security credentials → Multi-factor authentication (MFA) → Assign MFA device"}},
		{name: "hardsail's administrator without MFA", users: []iamsts.SeedUser{adminNoMFA},
			want: []string{"iam-users.console_without_mfa administrator: password and no MFA device | Run `hardsail apply iam-admin`"}},
		{name: "users without a console password", users: []iamsts.SeedUser{noConsole, mfaNoConsole}},
		{name: "key 100 days old", users: []iamsts.SeedUser{oldKey},
			want: []string{"iam-users.access_key_old ci: is 100 days old (created 21 Feb 2026, last used 30 May 2026 with s3) | IAM console → Users → ci → Security credentials → Access keys → Create access key"}},
		{name: "key 90 days old", users: []iamsts.SeedUser{key90Days}},
		{name: "key never used, 30 days", users: []iamsts.SeedUser{unusedKey},
			want: []string{"iam-users.access_key_unused plugin: 30 days ago, and has never been used | IAM console → Users → plugin → Security credentials → Access keys → Actions → Deactivate, then Delete"}},
		{name: "key never used, 2 days (grace)", users: []iamsts.SeedUser{newUnusedKey}},
		{name: "key never used, 100 days: unused, not old", users: []iamsts.SeedUser{oldUnusedKey},
			want: []string{"iam-users.access_key_unused forgotten: 100 days ago, and has never been used | Delete"}},
		{name: "key recent and used", users: []iamsts.SeedUser{recentUsedKey}},
		{name: "old inactive keys", users: []iamsts.SeedUser{oldInactive}},
		{name: "every kind at once", users: []iamsts.SeedUser{consoleMFA, consoleNoMFA, adminNoMFA, noConsole, oldKey, unusedKey, newUnusedKey, recentUsedKey, oldInactive},
			want: []string{
				"iam-users.console_without_mfa bob: no MFA device | → bob →",
				"iam-users.console_without_mfa administrator: no MFA device | hardsail apply iam-admin",
				"iam-users.access_key_old ci: 100 days old | → ci →",
				"iam-users.access_key_unused plugin: never been used | → plugin →",
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := em.IAM().LoadScenario(iamsts.ScenarioEmpty); err != nil {
				t.Fatal(err)
			}
			for _, u := range tc.users {
				if _, err := em.IAM().AddUser(u); err != nil {
					t.Fatal(err)
				}
			}
			em.ResetCalls()
			st := check(t, env(em.AWSConfig(), now))
			if n := len(em.MutatingCalls()); n != 0 {
				t.Errorf("Check made %d mutating calls: %+v", n, em.MutatingCalls())
			}
			f, err := steps.FactsOf[account.Facts](st)
			if err != nil || len(f.Users) != len(tc.users) {
				t.Errorf("facts %+v (%v), want the %d users", f, err, len(tc.users))
			}
			assertFindings(t, st.Findings, tc.want)
		})
	}
}

// TestListsEveryPage: an account with more users than one ListUsers page (100) is read whole.
func TestListsEveryPage(t *testing.T) {
	em := emulator.Start(t, emulator.Options{Scenario: iamsts.ScenarioEmpty})
	const n = 105
	for i := range n {
		if _, err := em.IAM().AddUser(iamsts.SeedUser{Name: fmt.Sprintf("user-%03d", i), Console: true}); err != nil {
			t.Fatal(err)
		}
	}
	em.ResetCalls()
	st := check(t, env(em.AWSConfig(), now))
	pages := 0
	for _, c := range em.Calls() {
		if c.Action == "ListUsers" {
			pages++
		}
	}
	if pages != 2 || len(st.Findings) != n {
		t.Fatalf("%d ListUsers calls and %d findings, want 2 pages and one finding for each of the %d users", pages, len(st.Findings), n)
	}
	if !strings.Contains(st.Findings[n-1].Message, "user-104") {
		t.Errorf("last finding %q is not of the last user", st.Findings[n-1].Message)
	}
}

// TestRefusedRead: without iam:GetAccessKeyLastUsed the check fails, with AWS's refusal and the fix
// naming the action, and reports no half-read findings.
func TestRefusedRead(t *testing.T) {
	em := emulator.Start(t, emulator.Options{Scenario: iamsts.ScenarioWordPressFresh})
	if err := em.EnforcePolicy([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:GetLoginProfile","iam:ListMFADevices","iam:ListAccessKeys"],"Resource":"*"}]}`)); err != nil {
		t.Fatal(err)
	}
	st, err := account.New().Check(t.Context(), env(em.AWSConfig(), now))
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") || !strings.Contains(steps.HintOf(err), "iam:GetAccessKeyLastUsed") {
		t.Fatalf("Check = %+v, %v (fix %q); want AccessDenied with a fix naming iam:GetAccessKeyLastUsed", st, err, steps.HintOf(err))
	}
	if len(st.Findings) != 0 {
		t.Errorf("findings from a failed read: %+v", st.Findings)
	}
}

// TestFreshScenario: the demo's account (wordpress-fresh) shows the check at work: its backup
// plugin's key is old at any clock after April 2025.
func TestFreshScenario(t *testing.T) {
	em := emulator.Start(t, emulator.Options{Scenario: iamsts.ScenarioWordPressFresh})
	st := check(t, env(em.AWSConfig(), time.Now()))
	if len(st.Findings) != 1 || st.Findings[0].ID != account.FindingAccessKeyOld || !strings.Contains(st.Findings[0].Message, "wp-backups") {
		t.Fatalf("findings %+v, want the old key of wp-backups", st.Findings)
	}
}

// TestAgainstMoto runs the audit against moto_server, an IAM written by others: a console user
// without MFA, one with MFA, a key used once (by signing a request with it) and a key never used,
// audited 100 days later.
func TestAgainstMoto(t *testing.T) {
	endpoint := moto.Start(t)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""), BaseEndpoint: aws.String(endpoint)}
	admin := iam.NewFromConfig(cfg)
	ctx := t.Context()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{"alice", "bob", "ci", "plugin"} {
		must(admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}))
	}
	for _, u := range []string{"alice", "bob"} {
		must(admin.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String(u), Password: aws.String("Tr0ub4dor&3-horse")}))
	}
	dev, err := admin.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("alice")})
	must(dev, err)
	must(admin.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: dev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String("123456"), AuthenticationCode2: aws.String("654321")}))
	ciKey, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci")})
	must(ciKey, err)
	must(admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("plugin")}))
	// ci's key signs one request: moto then records it as used.
	ciCfg := cfg.Copy()
	ciCfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(ciKey.AccessKey.AccessKeyId), aws.ToString(ciKey.AccessKey.SecretAccessKey), "")
	must(sts.NewFromConfig(ciCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))

	later := time.Now().Add(100*day + time.Hour)
	st := check(t, env(cfg, later))
	assertFindings(t, st.Findings, []string{
		"iam-users.console_without_mfa bob: password and no MFA device | IAM console → Users → bob → Security credentials",
		"iam-users.access_key_old ci: is 100 days old | → ci → Security credentials → Access keys",
		"iam-users.access_key_unused plugin: 100 days ago, and has never been used | → plugin →",
	})
}

// env is an Env over cfg with its clock at at.
func env(cfg aws.Config, at time.Time) *steps.Env {
	return &steps.Env{Instance: "WordPress-1", Region: "us-east-1", Account: emulator.AccountID, AWS: awsapi.New(cfg), Now: func() time.Time { return at }}
}

// check runs Check, which must succeed with ids the harness accepts and an empty plan.
func check(t *testing.T, env *steps.Env) steps.State {
	t.Helper()
	st, err := account.New().Check(t.Context(), env)
	if err != nil {
		t.Fatal(err)
	}
	if st.Skip != "" || st.Pending != "" {
		t.Errorf("skipped %q, pending %q: the audit always applies", st.Skip, st.Pending)
	}
	for _, f := range st.Findings {
		if err := steps.CheckFindingID(account.ID, f.ID); err != nil {
			t.Error(err)
		}
	}
	if p, err := account.New().Plan(st, env.Settings); err != nil || !p.Empty() {
		t.Errorf("the audit planned %+v, %v", p.Changes, err)
	}
	return st
}

// assertFindings holds the findings to exactly want, each "id user: text in the message | text in the fix".
func assertFindings(t *testing.T, got []steps.Finding, want []string) {
	t.Helper()
	var lines []string
	for _, f := range got {
		lines = append(lines, f.Severity+" "+f.ID+": "+f.Message+" | "+f.Fix)
	}
	if len(got) != len(want) {
		t.Fatalf("findings\n%s\nwant %d:\n%s", strings.Join(lines, "\n"), len(want), strings.Join(want, "\n"))
	}
	for _, w := range want {
		head, rest, _ := strings.Cut(w, ": ")
		id, user, _ := strings.Cut(head, " ")
		msg, fix, _ := strings.Cut(rest, " | ")
		if !slices.ContainsFunc(got, func(f steps.Finding) bool {
			return f.ID == id && f.Severity == "warning" && strings.Contains(f.Message, " "+user+" ") && strings.Contains(f.Message, msg) && strings.Contains(f.Fix, fix)
		}) {
			t.Errorf("no finding %q in\n%s", w, strings.Join(lines, "\n"))
		}
	}
}
