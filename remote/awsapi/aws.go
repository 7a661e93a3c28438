// Package aws builds the AWS clients hardsail uses from the SDK's default configuration chain and
// turns SDK errors into errors that say what failed, why, the request id, and the fix.
package awsapi

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// Options select the profile and region; empty means the SDK's own defaults (AWS_PROFILE, AWS_REGION…).
type Options struct {
	Profile string
	Region  string
	// WrapHTTP, if set, wraps the HTTP client every request goes through (a fleet run puts its
	// shared rate limit there).
	WrapHTTP func(aws.HTTPClient) aws.HTTPClient
}

// Clients are the SDK clients hardsail uses.
type Clients struct {
	Config    aws.Config
	Lightsail LightsailAPI
	// Domains is Lightsail in us-east-1: the DNS zone API answers nowhere else.
	Domains LightsailAPI
	IAM     IAMAPI
	STS     STSAPI
	// Poll is how Wait polls Lightsail operations (DefaultBackoff when zero).
	Poll Backoff

	calls  *callObserver
	sdkLog *sdkLog
	base   aws.Config // the configuration before the call log was added, for InRegion
}

// RetryMaxAttempts is how many times an AWS call is tried before its error is reported.
const RetryMaxAttempts = 8

// Identity is who the credentials belong to.
type Identity struct {
	Account string `json:"account"`
	ARN     string `json:"arn"`
	UserID  string `json:"user_id"`
}

// Root reports whether the caller is the account's root user.
func (i Identity) Root() bool { return strings.HasSuffix(i.ARN, ":root") }

// Load reads the SDK configuration and checks that credentials can be had, without calling AWS.
func Load(ctx context.Context, o Options) (*Clients, error) {
	// Nothing the SDK logs while it reads the configuration reaches stderr either.
	opts := []func(*config.LoadOptions) error{config.WithLogger(&sdkLog{})}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, &Error{Kind: KindCredentials, Op: "load AWS configuration", Err: err,
			Hint: "Check the profile name (`aws configure list-profiles`), or pass --profile NAME."}
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, &Error{Kind: KindCredentials, Op: "find AWS credentials", Err: errors.New("no credentials were found in the environment, the shared config files, or SSO"),
			Hint: "Run `aws configure` (or `aws sso login`), or pass --profile NAME."}
	}
	if o.WrapHTTP != nil {
		cfg.HTTPClient = o.WrapHTTP(cfg.HTTPClient)
	}
	if cfg.Region == "" {
		return nil, &Error{Kind: KindUsage, Op: "choose a region", Err: errors.New("no region is set"),
			Hint: "Pass --region (e.g. --region us-east-1), or set one with `aws configure`."}
	}
	return New(cfg), nil
}

// New builds the clients from a configuration (tests pass one pointed at the emulator).
func New(cfg aws.Config) *Clients {
	// Lightsail throttles bursts; the SDK's default of 3 attempts gives up on a short burst that a
	// person would simply wait out. Eight attempts with the standard backoff cover about 20 s.
	if cfg.RetryMaxAttempts == 0 && cfg.Retryer == nil {
		cfg.RetryMaxAttempts = RetryMaxAttempts
	}
	calls, log := &callObserver{}, &sdkLog{}
	base := cfg.Copy()
	cfg = cfg.Copy()
	calls.observe(&cfg)
	cfg.Logger = log
	east := cfg.Copy()
	east.Region = "us-east-1"
	return &Clients{
		calls:     calls,
		sdkLog:    log,
		base:      base,
		Config:    cfg,
		Lightsail: lightsail.NewFromConfig(cfg),
		Domains:   lightsail.NewFromConfig(east),
		// IAM is global; its endpoint resolver signs for us-east-1 whatever the region.
		IAM: iam.NewFromConfig(cfg),
		STS: sts.NewFromConfig(cfg),
	}
}

// InRegion is a new set of clients like c (same credentials and HTTP client) in region, with a
// call log of its own.
func (c *Clients) InRegion(region string) *Clients {
	cfg := c.base.Copy()
	cfg.Region = region
	return New(cfg)
}

// Identity asks STS who the caller is. It needs no permission.
func (c *Clients) Identity(ctx context.Context) (Identity, error) {
	out, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Identity{}, Classify("find who the AWS credentials belong to", err)
	}
	return Identity{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId)}, nil
}

// Kind sorts AWS errors by what the user can do about them.
type Kind int

const (
	KindOther Kind = iota
	KindNotFound
	KindAccessDenied
	KindThrottled
	KindCredentials
	KindUsage
)

// Error is an AWS failure with the operation, the service's code and request id, and a hint.
type Error struct {
	Kind      Kind
	Op        string // what hardsail was doing: "put public ports on WordPress-1"
	Action    string // service:Operation, e.g. lightsail:PutInstancePublicPorts
	Code      string
	RequestID string
	Hint      string
	Err       error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	if e.Code != "" {
		b.WriteString(e.Code + ": ")
	}
	b.WriteString(e.cause())
	if e.RequestID != "" {
		b.WriteString(" (request id " + e.RequestID + ")")
	}
	return b.String()
}

func (e *Error) cause() string {
	var api smithy.APIError
	if errors.As(e.Err, &api) && api.ErrorMessage() != "" {
		return api.ErrorMessage()
	}
	if e.Err == nil {
		return "unknown error"
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// HintText is the one action that fixes the error.
func (e *Error) HintText() string { return e.Hint }

// Classify wraps an SDK error from doing op into an *Error with its kind, code, request id and hint.
func Classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	e := &Error{Op: op, Err: err}
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		e.Action = strings.ToLower(oe.Service()) + ":" + oe.Operation()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		e.RequestID = re.ServiceRequestID()
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		e.Code = api.ErrorCode()
	}
	code := strings.ToLower(e.Code)
	switch {
	case strings.Contains(code, "accessdenied") || code == "unauthorizedoperation" || code == "unauthenticatedexception":
		e.Kind = KindAccessDenied
		e.Hint = "Grant " + orAction(e.Action) + " to these credentials (`hardsail policy` prints every permission hardsail needs), or use another --profile."
	case code == "expiredtoken" || code == "expiredtokenexception" || code == "invalidclienttokenid" || code == "signaturedoesnotmatch" || code == "missingauthenticationtoken" || code == "missingauthenticationtokenexception":
		e.Kind = KindCredentials
		e.Hint = "Refresh the credentials (`aws sso login`, or `aws configure`), or pass another --profile."
	case strings.Contains(code, "throttl") || code == "toomanyrequestsexception" || code == "requestlimitexceeded":
		e.Kind = KindThrottled
		e.Hint = "AWS is rate-limiting this account; wait a minute and run the command again."
	case code == "notfoundexception" || code == "nosuchentity" || strings.Contains(code, "doesnotexist") ||
		strings.Contains(strings.ToLower(e.cause()), "does not exist"):
		// Some Lightsail operations report a missing resource only in the message.
		e.Kind = KindNotFound
	}
	return e
}

func orAction(a string) string {
	if a == "" {
		return "the missing permission"
	}
	return a
}

// IsKind reports whether err is an AWS error of kind k.
func IsKind(err error, k Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

// InstanceNames lists the Lightsail instances in the region, following pagination.
func (c *Clients) InstanceNames(ctx context.Context) ([]string, error) {
	var names []string
	var token *string
	for {
		out, err := c.Lightsail.GetInstances(ctx, &lightsail.GetInstancesInput{PageToken: token})
		if err != nil {
			return nil, Classify("list Lightsail instances in "+c.Config.Region, err)
		}
		for _, in := range out.Instances {
			names = append(names, aws.ToString(in.Name))
		}
		if aws.ToString(out.NextPageToken) == "" {
			return names, nil
		}
		token = out.NextPageToken
	}
}
