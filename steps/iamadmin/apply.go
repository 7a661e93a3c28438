package iamadmin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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

// run is one Apply: the env, the journal, and what this plan creates.
type run struct {
	env         *steps.Env
	j           *steps.Journal
	api         awsapi.IAMAPI
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

// Apply makes the plan's changes in order, journaling each one before it happens.
func (s *Step) Apply(ctx context.Context, env *steps.Env, plan steps.Plan, j *steps.Journal) (steps.Outcome, error) {
	r := &run{env: env, j: j, api: env.AWS.IAM, user: adminUser(env.Settings), group: GroupName, creates: map[string]bool{}}
	for _, c := range plan.Changes {
		r.creates[c.Address] = true
	}
	out := steps.Outcome{Step: ID, Status: steps.StatusChanged}
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
				out.Secrets = map[string]string{"console password for " + r.user: password}
			}
		case mfaAddr(r.user):
			err = s.enrolMFA(ctx, r, c)
		default:
			err = fmt.Errorf("iam-admin: the plan has a change this step does not make: %s", c.Address)
		}
		if err != nil {
			out.Status, out.Detail = steps.StatusFailed, r.detail()
			return out, err
		}
	}
	out.Detail = r.detail()
	if out.Secrets != nil {
		out.Detail += "; sign in at " + signInURL(env.Account) + " as " + r.user + " with the password shown below"
	}
	if why := s.mfaSkipped(env); why != "" {
		out.Detail += "; MFA not enrolled: " + why
	}
	return out, nil
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

// mutate journals c with data, runs call, and marks the entry done or failed. op names the AWS
// operation for the command log.
func (r *run) mutate(c steps.Change, data record, op string, call func() error) (string, error) {
	id, err := r.j.Begin(ID, c, data)
	if err != nil {
		return "", err
	}
	r.env.Emit(steps.Event{Kind: steps.EventChangeStart, Step: ID, Address: c.Address, At: r.env.Clock()})
	r.env.Emit(steps.Event{Kind: steps.EventCommand, Step: ID, Message: op, At: r.env.Clock()})
	if err := call(); err != nil {
		if ferr := r.j.Fail(id, err); ferr != nil {
			err = errors.Join(err, ferr)
		}
		r.env.Emit(steps.Event{Kind: steps.EventChangeDone, Step: ID, Address: c.Address, Status: steps.StatusFailed, At: r.env.Clock()})
		return id, err
	}
	if err := r.j.Done(id); err != nil {
		return id, err
	}
	r.env.Logger().Info("iam-admin changed", "address", c.Address, "operation", op)
	r.env.Emit(steps.Event{Kind: steps.EventChangeDone, Step: ID, Address: c.Address, Status: steps.StatusChanged, At: r.env.Clock()})
	return id, nil
}

// consistently retries call while IAM still answers NoSuchEntity for something this run just
// created: IAM is eventually consistent, and a fresh user can be unknown for a moment.
func (r *run) consistently(ctx context.Context, parentCreated bool, call func() error) error {
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
	_, err := r.mutate(c, record{Kind: kindGroup, Origin: created, Group: r.group}, "iam:CreateGroup "+r.group, func() error {
		_, err := r.api.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: &r.group})
		return awsapi.Classify("create IAM group "+r.group, err)
	})
	if err == nil {
		r.done = append(r.done, "created group "+r.group)
	}
	return err
}

func (r *run) attachPolicy(ctx context.Context, c steps.Change) error {
	data := record{Kind: kindPolicy, Origin: created, Group: r.group, GroupOrigin: r.origin(groupAddr(r.group)), PolicyARN: PolicyARN}
	_, err := r.mutate(c, data, "iam:AttachGroupPolicy "+r.group+" "+policyName, func() error {
		return r.consistently(ctx, data.GroupOrigin == created, func() error {
			_, err := r.api.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: &r.group, PolicyArn: aws.String(PolicyARN)})
			return awsapi.Classify("attach "+policyName+" to IAM group "+r.group, err)
		})
	})
	if err == nil {
		r.done = append(r.done, "attached "+policyName+" to "+r.group)
	}
	return err
}

func (r *run) createUser(ctx context.Context, c steps.Change) error {
	_, err := r.mutate(c, record{Kind: kindUser, Origin: created, User: r.user}, "iam:CreateUser "+r.user, func() error {
		_, err := r.api.CreateUser(ctx, &iam.CreateUserInput{UserName: &r.user})
		return awsapi.Classify("create IAM user "+r.user, err)
	})
	if err == nil {
		r.done = append(r.done, "created user "+r.user)
	}
	return err
}

func (r *run) addToGroup(ctx context.Context, c steps.Change) error {
	data := record{Kind: kindMembership, Origin: created, Group: r.group, GroupOrigin: r.origin(groupAddr(r.group)),
		User: r.user, UserOrigin: r.origin(userAddr(r.user))}
	_, err := r.mutate(c, data, "iam:AddUserToGroup "+r.user+" "+r.group, func() error {
		return r.consistently(ctx, data.GroupOrigin == created || data.UserOrigin == created, func() error {
			_, err := r.api.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: &r.group, UserName: &r.user})
			return awsapi.Classify("add IAM user "+r.user+" to group "+r.group, err)
		})
	})
	if err == nil {
		r.done = append(r.done, "added "+r.user+" to "+r.group)
	}
	return err
}

// createLoginProfile gives the user a generated console password that must be changed at first
// sign-in. The password goes back to the caller only; the journal entry is sensitive and its data
// holds the user's name alone.
func (r *run) createLoginProfile(ctx context.Context, c steps.Change) (string, error) {
	password, err := NewPassword(PasswordLength)
	if err != nil {
		return "", err
	}
	data := record{Kind: kindLoginProfile, Origin: created, User: r.user, UserOrigin: r.origin(userAddr(r.user))}
	c.Sensitive = true
	_, err = r.mutate(c, data, "iam:CreateLoginProfile "+r.user, func() error {
		return r.consistently(ctx, data.UserOrigin == created, func() error {
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
					return err
				}
				err = create()
			}
			return awsapi.Classify("create the console login of IAM user "+r.user, err)
		})
	})
	if err != nil {
		return "", err
	}
	r.done = append(r.done, "gave "+r.user+" a console password")
	return password, nil
}
