package iamsts_test

import (
	"context"
	"encoding/base32"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/hardsail/hardsail/internal/emulator/iamsts"
)

const account = "123456789012"

// clients are the real SDK clients hardsail uses, pointed at endpoint.
type clients struct {
	iam *iam.Client
	sts *sts.Client
}

func newClients(endpoint string) clients {
	cfg := aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1, // an error must surface as the first answer, not after retries
	}
	return clients{
		iam: iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		sts: sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(endpoint) }),
	}
}

// serve stands in for the emulator's router: it routes by the SigV4 credential
// scope, as AWS endpoints are per service, and hands the form to Handle.
func serve(t testing.TB, svc *iamsts.Service) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		service := "iam"
		if strings.Contains(r.Header.Get("Authorization"), "/sts/aws4_request") {
			service = "sts"
		}
		status, body := svc.Handle(service, r.PostForm.Get("Action"), r.PostForm)
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// emulated returns a service with scenario loaded and SDK clients talking to it.
func emulated(t testing.TB, scenario string) (*iamsts.Service, clients) {
	t.Helper()
	svc := iamsts.New(account)
	if err := svc.LoadScenario(scenario); err != nil {
		t.Fatal(err)
	}
	return svc, newClients(serve(t, svc))
}

// errorCode is the AWS error code a caller would switch on, "" for success.
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	if err != nil {
		return "non-API error: " + err.Error()
	}
	return ""
}

// typedError reports whether err is the SDK's typed exception for code, which is
// what errors.As in hardsail relies on (a generic error with the right code is not enough).
func typedError(err error, code string) bool {
	switch code {
	case "EntityAlreadyExists":
		var e *types.EntityAlreadyExistsException
		return errors.As(err, &e)
	case "NoSuchEntity":
		var e *types.NoSuchEntityException
		return errors.As(err, &e)
	case "DeleteConflict":
		var e *types.DeleteConflictException
		return errors.As(err, &e)
	case "LimitExceeded":
		var e *types.LimitExceededException
		return errors.As(err, &e)
	case "PasswordPolicyViolation":
		var e *types.PasswordPolicyViolationException
		return errors.As(err, &e)
	case "InvalidAuthenticationCode":
		var e *types.InvalidAuthenticationCodeException
		return errors.As(err, &e)
	case "InvalidInput":
		var e *types.InvalidInputException
		return errors.As(err, &e)
	}
	return true // codes the SDK has no type for (ValidationError) are checked by errorCode alone
}

func checkErr(t *testing.T, err error, wantCode string) {
	t.Helper()
	if got := errorCode(err); got != wantCode {
		t.Fatalf("error = %v (code %q), want code %q", err, got, wantCode)
	}
	if wantCode != "" && !typedError(err, wantCode) {
		t.Fatalf("error %T is not the SDK's typed %s exception", err, wantCode)
	}
}

// step runs one setup call and stops the test if it fails.
func step[T any](t *testing.T, what string) func(T, error) T {
	return func(out T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return out
	}
}

var ctx = context.Background()

// codes returns two consecutive TOTP codes, the current one and the next, as an
// automated enrolment computes them.
func codes(seed string) (string, string) {
	now := time.Now()
	return iamsts.TOTP(seed, now), iamsts.TOTP(seed, now.Add(30*time.Second))
}

func isBase32(s string) bool {
	_, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	return err == nil
}
