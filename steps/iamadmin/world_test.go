package iamadmin_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/emulator/iamsts"
	"github.com/hardsail/hardsail/internal/moto"
	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/iamadmin"
)

// backend is one IAM implementation the step's tests run against: the emulator (AWS's behaviour)
// and moto_server (an independent one). Everything the step sends goes through a recording
// transport, so calls are counted the same way on both.
type backend struct {
	name string
	cfg  aws.Config
	rec  *recorder
	// admin is an unrecorded client for setting up and inspecting the account.
	admin *iam.Client
	em    *emulator.Emulator // nil for moto
	ask   steps.Asker
	log   *slog.Logger
}

type newBackend func(t *testing.T) *backend

// backends are the implementations every behavioural test runs against.
var backends = []struct {
	name  string
	start newBackend
}{
	{"emulator", startEmulator},
	{"moto", startMoto},
}

func startEmulator(t *testing.T) *backend {
	em := emulator.Start(t, emulator.Options{Scenario: iamsts.ScenarioWordPressFresh})
	return newBackendAt(t, "emulator", em.AWSConfig(), em)
}

func startMoto(t *testing.T) *backend {
	endpoint := moto.Start(t)
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint: aws.String(endpoint),
	}
	return newBackendAt(t, "moto", cfg, nil)
}

func newBackendAt(t *testing.T, name string, cfg aws.Config, em *emulator.Emulator) *backend {
	b := &backend{name: name, em: em, rec: &recorder{next: http.DefaultTransport}}
	b.admin = iam.NewFromConfig(cfg)
	b.cfg = cfg.Copy()
	b.cfg.HTTPClient = &http.Client{Transport: b.rec}
	return b
}

// Env is a fresh Env over the backend (steptest.World).
func (b *backend) Env(t *testing.T) *steps.Env {
	return &steps.Env{
		Instance: "WordPress-1", Region: "us-east-1", Account: emulator.AccountID,
		Settings: steps.WithDefaults(steps.Settings{}, iamadmin.New().Options()), AWS: awsapi.New(b.cfg), Ask: b.ask, Log: b.log,
	}
}

// Mutations counts the mutating IAM/STS calls the step made (steptest.World).
func (b *backend) Mutations(t *testing.T) int {
	n := 0
	for _, c := range b.rec.calls() {
		if iamsts.IsMutating(c.service, c.action) {
			n++
		}
	}
	return n
}

// Snapshot renders the account's users, groups and MFA devices (steptest.World). On the emulator
// it is its own state; moto is read through the IAM API with the unrecorded client.
func (b *backend) Snapshot(t *testing.T) string {
	t.Helper()
	if b.em != nil {
		return renderState(b.em.IAM().Snapshot())
	}
	return b.apiSnapshot(t)
}

func renderState(s iamsts.State) string {
	var lines []string
	for _, u := range s.Users {
		lp := "none"
		if u.LoginProfile != nil {
			lp = fmt.Sprintf("reset=%v", u.LoginProfile.PasswordResetRequired)
		}
		lines = append(lines, fmt.Sprintf("user %s arn=%s login=%s keys=%d", u.Name, u.ARN, lp, len(u.AccessKeys)))
	}
	for _, g := range s.Groups {
		lines = append(lines, fmt.Sprintf("group %s arn=%s members=%v policies=%v", g.Name, g.ARN, g.Members, g.AttachedPolicyARNs))
	}
	for _, d := range s.MFA {
		lines = append(lines, fmt.Sprintf("mfa %s user=%q root=%v enabled=%v", d.SerialNumber, d.UserName, d.ForRoot, d.Enabled()))
	}
	lines = append(lines, fmt.Sprintf("root keys=%d mfa=%q", len(s.Root.AccessKeys), s.Root.MFASerial))
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func (b *backend) apiSnapshot(t *testing.T) string {
	t.Helper()
	ctx := t.Context()
	var lines []string
	users, err := b.admin.ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil {
		t.Fatalf("snapshot: list users: %v", err)
	}
	for _, u := range users.Users {
		name := aws.ToString(u.UserName)
		lp := "none"
		if _, err := b.admin.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: &name}); err == nil {
			lp = "present"
		}
		gs, err := b.admin.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: &name})
		if err != nil {
			t.Fatalf("snapshot: groups of %s: %v", name, err)
		}
		var groups []string
		for _, g := range gs.Groups {
			groups = append(groups, aws.ToString(g.GroupName))
		}
		lines = append(lines, fmt.Sprintf("user %s arn=%s login=%s groups=%v", name, aws.ToString(u.Arn), lp, groups))
	}
	groups, err := b.admin.ListGroups(ctx, &iam.ListGroupsInput{})
	if err != nil {
		t.Fatalf("snapshot: list groups: %v", err)
	}
	for _, g := range groups.Groups {
		name := aws.ToString(g.GroupName)
		ps, err := b.admin.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: &name})
		if err != nil {
			t.Fatalf("snapshot: policies of %s: %v", name, err)
		}
		var arns []string
		for _, p := range ps.AttachedPolicies {
			arns = append(arns, aws.ToString(p.PolicyArn))
		}
		lines = append(lines, fmt.Sprintf("group %s arn=%s policies=%v", name, aws.ToString(g.Arn), arns))
	}
	devs, err := b.admin.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{})
	if err != nil {
		t.Fatalf("snapshot: list MFA devices: %v", err)
	}
	for _, d := range devs.VirtualMFADevices {
		user := ""
		if d.User != nil {
			user = aws.ToString(d.User.UserName)
		}
		lines = append(lines, fmt.Sprintf("mfa %s user=%q enabled=%v", aws.ToString(d.SerialNumber), user, d.EnableDate != nil))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// call is one request the step sent.
type call struct{ service, action string }

// recorder is an http.RoundTripper that notes the service and action of every request.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	log  []call
}

var credentialScope = regexp.MustCompile(`Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request`)

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	c := call{service: "iam"}
	if m := credentialScope.FindStringSubmatch(req.Header.Get("Authorization")); m != nil {
		c.service = m[1]
	}
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		c.action = form.Get("Action")
	}
	r.mu.Lock()
	r.log = append(r.log, c)
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recorder) calls() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.log)
}

// mutatingActions lists, in order, the mutating actions sent since the call log had n entries.
func (b *backend) mutatingActions(since int) []string {
	var out []string
	for _, c := range b.rec.calls()[since:] {
		if iamsts.IsMutating(c.service, c.action) {
			out = append(out, c.action)
		}
	}
	return out
}

// totpAsker is a user at a terminal with an authenticator app: it agrees to MFA, reads the secret
// off the screen and types two consecutive codes.
type totpAsker struct {
	mu      sync.Mutex
	decline bool
	// wrong types codes that never match; dismiss presses Esc at the first code question.
	wrong   bool
	dismiss bool
	seed    string
	shown   []string
	codes   []string
	inputs  int
}

// secretLine is one line of the secret key as the step shows it: indented groups of four.
var secretLine = regexp.MustCompile(`(?m)^ {4}([A-Z2-7]{1,4}(?: [A-Z2-7]{1,4})*)$`)

func (a *totpAsker) Confirm(ctx context.Context, question string, def bool) (bool, error) {
	return !a.decline, nil
}

func (a *totpAsker) Show(ctx context.Context, title, body string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.shown = append(a.shown, title+"\n"+body)
	if ms := secretLine.FindAllStringSubmatch(body, -1); ms != nil {
		a.seed = ""
		for _, m := range ms {
			a.seed += strings.ReplaceAll(m[1], " ", "")
		}
	}
	return nil
}

func (a *totpAsker) Input(ctx context.Context, prompt string, check func(string) error) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.seed == "" {
		return "", fmt.Errorf("asked %q before any secret was shown", prompt)
	}
	if a.dismiss {
		return "", steps.ErrDismissed
	}
	if a.inputs%2 == 0 {
		// Both codes from one instant: the current step and the next, as an app shows them 30 s apart.
		now := time.Now()
		a.codes = []string{iamsts.TOTP(a.seed, now), iamsts.TOTP(a.seed, now.Add(30*time.Second))}
		if a.wrong {
			a.codes = []string{"000000", "000001"}
		}
	}
	code := a.codes[a.inputs%2]
	a.inputs++
	if err := check(code); err != nil {
		return "", fmt.Errorf("the step refused code %q: %w", code, err)
	}
	return code, nil
}
