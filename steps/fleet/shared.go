package fleet

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/hardsail/hardsail/remote/awsapi"
)

// SharedIAM is one account's IAM for every instance of a read-only run: IAM is global, so the
// account-wide reads every instance's check makes (the account summary, the administrator user and
// group, the iam-users audit's users, keys and their last use) go to AWS once and are answered from that answer after. Writes and the other calls go
// straight through. Use it for verify and plan only: nothing may change IAM during the run.
type SharedIAM struct {
	awsapi.IAMAPI
	answers *answers
}

// answers are the read answers a run shares, by operation and input.
type answers struct {
	mu sync.Mutex
	m  map[string]*answer
}

func newAnswers() *answers { return &answers{m: map[string]*answer{}} }

type answer struct {
	done chan struct{}
	out  any
	err  error
}

// ShareIAM wraps api.
func ShareIAM(api awsapi.IAMAPI) *SharedIAM {
	return &SharedIAM{IAMAPI: api, answers: newAnswers()}
}

// once makes call for the first caller of (op, in) and gives every later one the same answer. An
// answer is kept when it succeeded or said "no such entity"; any other error (throttled past the
// retries, cancelled) is returned to the callers waiting for it and asked again by the next.
func once[I, O, P any](s *answers, ctx context.Context, op string, in I, call func(context.Context, I, ...P) (O, error), opts []P) (O, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return call(ctx, in, opts...)
	}
	key := op + string(b)
	s.mu.Lock()
	a, ok := s.m[key]
	if !ok {
		a = &answer{done: make(chan struct{})}
		s.m[key] = a
	}
	s.mu.Unlock()
	if ok {
		select {
		case <-a.done:
			out, _ := a.out.(O)
			return out, a.err
		case <-ctx.Done():
			var zero O
			return zero, context.Cause(ctx)
		}
	}
	out, err := call(ctx, in, opts...)
	a.out, a.err = out, err
	if err != nil && !awsapi.IsKind(awsapi.Classify(op, err), awsapi.KindNotFound) {
		s.mu.Lock()
		delete(s.m, key)
		s.mu.Unlock()
	}
	close(a.done)
	return out, err
}

func (s *SharedIAM) GetAccountSummary(ctx context.Context, in *iam.GetAccountSummaryInput, opts ...func(*iam.Options)) (*iam.GetAccountSummaryOutput, error) {
	return once(s.answers, ctx, "GetAccountSummary", in, s.IAMAPI.GetAccountSummary, opts)
}

func (s *SharedIAM) GetGroup(ctx context.Context, in *iam.GetGroupInput, opts ...func(*iam.Options)) (*iam.GetGroupOutput, error) {
	return once(s.answers, ctx, "GetGroup", in, s.IAMAPI.GetGroup, opts)
}

func (s *SharedIAM) GetUser(ctx context.Context, in *iam.GetUserInput, opts ...func(*iam.Options)) (*iam.GetUserOutput, error) {
	return once(s.answers, ctx, "GetUser", in, s.IAMAPI.GetUser, opts)
}

func (s *SharedIAM) GetLoginProfile(ctx context.Context, in *iam.GetLoginProfileInput, opts ...func(*iam.Options)) (*iam.GetLoginProfileOutput, error) {
	return once(s.answers, ctx, "GetLoginProfile", in, s.IAMAPI.GetLoginProfile, opts)
}

func (s *SharedIAM) ListMFADevices(ctx context.Context, in *iam.ListMFADevicesInput, opts ...func(*iam.Options)) (*iam.ListMFADevicesOutput, error) {
	return once(s.answers, ctx, "ListMFADevices", in, s.IAMAPI.ListMFADevices, opts)
}

func (s *SharedIAM) ListAttachedGroupPolicies(ctx context.Context, in *iam.ListAttachedGroupPoliciesInput, opts ...func(*iam.Options)) (*iam.ListAttachedGroupPoliciesOutput, error) {
	return once(s.answers, ctx, "ListAttachedGroupPolicies", in, s.IAMAPI.ListAttachedGroupPolicies, opts)
}

func (s *SharedIAM) ListUsers(ctx context.Context, in *iam.ListUsersInput, opts ...func(*iam.Options)) (*iam.ListUsersOutput, error) {
	return once(s.answers, ctx, "ListUsers", in, s.IAMAPI.ListUsers, opts)
}

func (s *SharedIAM) ListAccessKeys(ctx context.Context, in *iam.ListAccessKeysInput, opts ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error) {
	return once(s.answers, ctx, "ListAccessKeys", in, s.IAMAPI.ListAccessKeys, opts)
}

func (s *SharedIAM) GetAccessKeyLastUsed(ctx context.Context, in *iam.GetAccessKeyLastUsedInput, opts ...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error) {
	return once(s.answers, ctx, "GetAccessKeyLastUsed", in, s.IAMAPI.GetAccessKeyLastUsed, opts)
}
