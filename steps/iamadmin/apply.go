package iamadmin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
)

// Journal data kinds, one per mutation.
const (
	kindGroup        = "group"
	kindPolicy       = "policy"
	kindUser         = "user"
	kindMembership   = "membership"
	kindLoginProfile = "login-profile"
	kindMFADevice    = "mfa-device"
	kindMFAEnable    = "mfa-enable"
)

// Origins of the group and user a mutation concerns.
const (
	created = "created"
	adopted = "adopted"
)

// record is the step's journal data: what undo needs. Never a password or an MFA seed.
type record struct {
	Kind string `json:"kind"`
	// Origin is always "created": hardsail journals only what it makes, so undo never touches
	// what it adopted.
	Origin      string `json:"origin"`
	Group       string `json:"group,omitempty"`
	GroupOrigin string `json:"group_origin,omitempty"`
	User        string `json:"user,omitempty"`
	UserOrigin  string `json:"user_origin,omitempty"`
	PolicyARN   string `json:"policy_arn,omitempty"`
	ARN         string `json:"arn,omitempty"`
	Device      string `json:"device,omitempty"`
	Serial      string `json:"serial,omitempty"`
}

// run is one Apply: the env, the recorder, the live facts, and what this plan creates.
type run struct {
	env         *steps.Env
	rec         *steps.Recorder
	api         awsapi.IAMAPI
	facts       Facts
	user, group string
	// creates holds the addresses of the plan: what is made now, as opposed to adopted.
	creates map[string]bool
	done    []string
}

func (r *run) origin(addr string) string {
	if r.creates[addr] {
		return created
	}
	return adopted
}

// Apply makes the plan's changes in order, each through the recorder. live is the state the plan
// was made from: its facts name the user, the account and the partition.
func (s *Step) Apply(ctx context.Context, env *steps.Env, live steps.State, plan steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	f, err := steps.FactsOf[Facts](live)
	if err != nil {
		return steps.Report{}, err
	}
	r := &run{env: env, rec: rec, api: env.AWS.IAM, facts: f, user: f.User.Name, group: f.Group.Name, creates: map[string]bool{}}
	for _, c := range plan.Changes {
		r.creates[c.Address] = true
	}
	var rep steps.Report
	for _, c := range plan.Changes {
		var err error
		switch c.Address {
		case groupAddr(r.group):
			err = r.createGroup(ctx, c)
		case policyAddr(r.group):
			err = r.attachPolicy(ctx, c)
		case userAddr(r.user):
			err = r.createUser(ctx, c)
		case membershipAddr(r.user, r.group):
			err = r.addToGroup(ctx, c)
		case loginAddr(r.user):
			var password string
			password, err = r.createLoginProfile(ctx, c)
			if password != "" {
				rep.Secrets = map[string]string{"console password for " + r.user: password}
			}
		case mfaAddr(r.user):
			err = r.enrolMFA(ctx, c)
		default:
			err = steps.Definite(fmt.Errorf("iam-admin: the plan has a change this step does not make: %s", c.Address))
		}
		if err != nil {
			rep.Detail = r.detail()
			return rep, err
		}
	}
	rep.Detail = r.detail()
	if rep.Secrets != nil {
		rep.Detail += "; sign in at " + signInURL(f.Account) + " as " + r.user + " with the password shown below"
	}
	if why := env.RunNote(noteMFASkipped); why != "" {
		rep.Detail += "; MFA not enrolled: " + why
	}
	return rep, nil
}

func (r *run) detail() string {
	if len(r.done) == 0 {
		return "nothing changed"
	}
	return strings.Join(r.done, ", ")
}

func signInURL(account string) string {
	if account == "" {
		return "https://console.aws.amazon.com/"
	}
	return "https://" + account + ".signin.aws.amazon.com/console"
}

// mutate records c with data and runs call through the recorder; what says what was done, for the
// report.
func (r *run) mutate(ctx context.Context, c steps.Change, data record, what string, call func(context.Context) error) error {
	if err := r.rec.Do(ctx, c, data, call); err != nil {
		return err
	}
	if what != "" {
		r.done = append(r.done, what)
	}
	return nil
}

// consistently retries call while IAM still answers NoSuchEntity for something this run just
// created: IAM is eventually consistent, and a fresh user can be unknown for a moment.
func consistently(ctx context.Context, parentCreated bool, call func() error) error {
	delay := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := call()
		if err == nil || !parentCreated || attempt == 5 || !awsapi.IsKind(err, awsapi.KindNotFound) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay *= 2
	}
}

func (r *run) createGroup(ctx context.Context, c steps.Change) error {
	return r.mutate(ctx, c, record{Kind: kindGroup, Origin: created, Group: r.group}, "created group "+r.group, func(ctx context.Context) error {
		_, err := r.api.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: &r.group})
		return awsapi.Classify("create IAM group "+r.group, err)
	})
}

func (r *run) attachPolicy(ctx context.Context, c steps.Change) error {
	data := record{Kind: kindPolicy, Origin: created, Group: r.group, GroupOrigin: r.origin(groupAddr(r.group)), PolicyARN: PolicyARN}
	return r.mutate(ctx, c, data, "attached "+policyName+" to "+r.group, func(ctx context.Context) error {
		return consistently(ctx, data.GroupOrigin == created, func() error {
			_, err := r.api.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: &r.group, PolicyArn: new(PolicyARN)})
			return awsapi.Classify("attach "+policyName+" to IAM group "+r.group, err)
		})
	})
}

func (r *run) createUser(ctx context.Context, c steps.Change) error {
	return r.mutate(ctx, c, record{Kind: kindUser, Origin: created, User: r.user}, "created user "+r.user, func(ctx context.Context) error {
		_, err := r.api.CreateUser(ctx, &iam.CreateUserInput{UserName: &r.user})
		return awsapi.Classify("create IAM user "+r.user, err)
	})
}

func (r *run) addToGroup(ctx context.Context, c steps.Change) error {
	data := record{Kind: kindMembership, Origin: created, Group: r.group, GroupOrigin: r.origin(groupAddr(r.group)),
		User: r.user, UserOrigin: r.origin(userAddr(r.user))}
	return r.mutate(ctx, c, data, "added "+r.user+" to "+r.group, func(ctx context.Context) error {
		return consistently(ctx, data.GroupOrigin == created || data.UserOrigin == created, func() error {
			_, err := r.api.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: &r.group, UserName: &r.user})
			return awsapi.Classify("add IAM user "+r.user+" to group "+r.group, err)
		})
	})
}

// createLoginProfile gives the user a generated console password that must be changed at first
// sign-in. The password goes back to the caller only; the journaled change is sensitive and its
// data holds the user's name alone.
func (r *run) createLoginProfile(ctx context.Context, c steps.Change) (string, error) {
	password, err := NewPassword(PasswordLength)
	if err != nil {
		return "", err
	}
	data := record{Kind: kindLoginProfile, Origin: created, User: r.user, UserOrigin: r.origin(userAddr(r.user))}
	c.Sensitive = true
	err = r.mutate(ctx, c, data, "gave "+r.user+" a console password", func(ctx context.Context) error {
		return consistently(ctx, data.UserOrigin == created, func() error {
			create := func() error {
				_, err := r.api.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: &r.user, Password: &password, PasswordResetRequired: true})
				return err
			}
			err := create()
			var weak *types.PasswordPolicyViolationException
			if errors.As(err, &weak) {
				// The account's password policy asks for more than PasswordLength characters; the
				// longest password IAM accepts meets any minimum.
				if password, err = NewPassword(MaxPasswordLength); err != nil {
					return steps.Definite(err)
				}
				err = create()
			}
			return awsapi.Classify("create the console login of IAM user "+r.user, err)
		})
	})
	if err != nil {
		return "", err
	}
	return password, nil
}
