// Package account is the audit of the account's IAM users: users who can sign in to the AWS
// console with a password and no MFA device, and access keys older than 90 days or never used.
// It reports findings only, each with the path in the IAM console that fixes it: deleting a key or
// a password is the owner's call, and hardsail cannot know what still uses a key. The root user is
// the iam-admin step's.
package account

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"golang.org/x/sync/errgroup"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/iamadmin"
)

// ID is the step's stable name.
const ID = "iam-users"

// Stable ids of the findings.
const (
	FindingConsoleWithoutMFA = "iam-users.console_without_mfa"
	FindingAccessKeyOld      = "iam-users.access_key_old"
	FindingAccessKeyUnused   = "iam-users.access_key_unused"
)

// Thresholds, in days: a key older than MaxKeyAge is due for rotation (CIS AWS 1.14); a key never
// used UnusedGrace days after its creation is reported as unused (a new key gets a week to be put
// to work before it counts as forgotten).
const (
	MaxKeyAge   = 90
	UnusedGrace = 7
)

// readers is how many users are read at once.
const readers = 4

// Step is the step.
type Step struct{ steps.Identity }

// New returns the step.
func New() *Step { return &Step{steps.Named(ID, "IAM users: console MFA and access keys")} }

// Key is one access key of a user. Its id is not a secret: the IAM console lists it.
type Key struct {
	ID      string    `json:"id"`
	Active  bool      `json:"active"`
	Created time.Time `json:"created"`
	// LastUsed is when the key last signed a request, zero when never; Service is the service it called.
	LastUsed time.Time `json:"last_used,omitzero"`
	Service  string    `json:"service,omitempty"`
}

// User is what the audit reads of one IAM user.
type User struct {
	Name    string `json:"name"`
	Console bool   `json:"console"` // has a console password (a login profile)
	MFA     bool   `json:"mfa"`     // has an MFA device enabled
	Keys    []Key  `json:"keys,omitempty"`
}

// Facts is what Check read: every IAM user, in IAM's order, and the name of the user the
// iam-admin step manages (its fix is that step, not the console).
type Facts struct {
	Users []User `json:"users"`
	Admin string `json:"admin"`
}

// Check lists the account's IAM users and reads each one's console password, MFA devices and
// access keys with when they were last used.
func (s *Step) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	st := steps.State{Step: ID}
	if env.AWS == nil || env.AWS.IAM == nil {
		return st, steps.NoAWS(ID)
	}
	names, err := userNames(ctx, env.AWS.IAM)
	if err != nil {
		return st, err
	}
	f := Facts{Users: make([]User, len(names)), Admin: steps.WithDefaults(env.Settings, iamadmin.New().Options()).AdminUser}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(readers)
	for i, name := range names {
		g.Go(func() (err error) { f.Users[i], err = readUser(gctx, env.AWS.IAM, name); return err })
	}
	if err := g.Wait(); err != nil {
		return st, err
	}
	st.Facts = f
	st.Findings = findings(f, env.Clock())
	return st, nil
}

// userNames lists every IAM user, page by page.
func userNames(ctx context.Context, api awsapi.IAMAPI) ([]string, error) {
	var out []string
	p := iam.NewListUsersPaginator(api, &iam.ListUsersInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, awsapi.Classify("list the IAM users", err)
		}
		for _, u := range page.Users {
			out = append(out, aws.ToString(u.UserName))
		}
	}
	return out, nil
}

// readUser reads whether name has a console password and an MFA device, and its access keys.
func readUser(ctx context.Context, api awsapi.IAMAPI, name string) (User, error) {
	u := User{Name: name, Console: true}
	_, err := api.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: &name})
	if nf := (*types.NoSuchEntityException)(nil); errors.As(err, &nf) {
		u.Console, err = false, nil
	}
	if err != nil {
		return u, awsapi.Classify("read whether IAM user "+name+" has a console password", err)
	}
	mfa := iam.NewListMFADevicesPaginator(api, &iam.ListMFADevicesInput{UserName: &name})
	for mfa.HasMorePages() && !u.MFA {
		page, err := mfa.NextPage(ctx)
		if err != nil {
			return u, awsapi.Classify("list the MFA devices of IAM user "+name, err)
		}
		u.MFA = len(page.MFADevices) > 0
	}
	keys := iam.NewListAccessKeysPaginator(api, &iam.ListAccessKeysInput{UserName: &name})
	for keys.HasMorePages() {
		page, err := keys.NextPage(ctx)
		if err != nil {
			return u, awsapi.Classify("list the access keys of IAM user "+name, err)
		}
		for _, k := range page.AccessKeyMetadata {
			key, err := readKey(ctx, api, name, k)
			if err != nil {
				return u, err
			}
			u.Keys = append(u.Keys, key)
		}
	}
	return u, nil
}

// readKey adds to a key's metadata when it was last used.
func readKey(ctx context.Context, api awsapi.IAMAPI, user string, k types.AccessKeyMetadata) (Key, error) {
	key := Key{ID: aws.ToString(k.AccessKeyId), Active: k.Status == types.StatusTypeActive, Created: aws.ToTime(k.CreateDate).UTC()}
	out, err := api.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: k.AccessKeyId})
	if err != nil {
		return key, awsapi.Classify("read when access key "+key.ID+" of IAM user "+user+" was last used", err)
	}
	if lu := out.AccessKeyLastUsed; lu != nil && lu.LastUsedDate != nil {
		key.LastUsed, key.Service = lu.LastUsedDate.UTC(), aws.ToString(lu.ServiceName)
	}
	return key, nil
}

// Plan is always empty: the audit changes nothing.
func (s *Step) Plan(steps.State, steps.Settings) (steps.Plan, error) {
	return steps.Plan{Step: ID}, nil
}

// Apply has nothing to do: the plan is always empty.
func (s *Step) Apply(context.Context, *steps.Env, steps.State, steps.Plan, *steps.Recorder) (steps.Report, error) {
	return steps.Report{Detail: "nothing to change"}, nil
}

// Undo has nothing to reverse: the step journals no change.
func (s *Step) Undo(context.Context, *steps.Env, []steps.Entry, *steps.Recorder) (steps.Report, error) {
	return steps.Report{Detail: "nothing to undo"}, nil
}

// Why says why the step matters (the wizard shows it before the step).
func (s *Step) Why() string {
	return "Anyone who has an IAM user's password or access key can act as that user. A console password " +
		"without MFA falls to one phishing mail; an access key that is never rotated or never used is a " +
		"credential waiting to leak from an old laptop or plugin. This check lists them, with where in the " +
		"IAM console to fix each; it changes nothing itself."
}
