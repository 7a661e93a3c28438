package fleet_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps/fleet"
)

// countingIAM answers GetUser: "administrator" is missing, "flaky" is throttled once, others exist.
type countingIAM struct {
	awsapi.IAMAPI // every other call panics
	calls         atomic.Int32
	flaky         atomic.Bool
}

func (c *countingIAM) GetUser(_ context.Context, in *iam.GetUserInput, _ ...func(*iam.Options)) (*iam.GetUserOutput, error) {
	c.calls.Add(1)
	switch name := aws.ToString(in.UserName); {
	case name == "administrator":
		return nil, &smithy.GenericAPIError{Code: "NoSuchEntity", Message: "The user with name administrator cannot be found."}
	case name == "flaky" && !c.flaky.Swap(true):
		return nil, &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded"}
	}
	return &iam.GetUserOutput{}, nil
}

func (c *countingIAM) ListUsers(_ context.Context, in *iam.ListUsersInput, _ ...func(*iam.Options)) (*iam.ListUsersOutput, error) {
	c.calls.Add(1)
	return &iam.ListUsersOutput{}, nil
}

// The iam-users audit lists the account's users for every instance: one ListUsers per page and run.
func TestSharedIAMListsUsersOnce(t *testing.T) {
	api := &countingIAM{}
	shared := fleet.ShareIAM(api)
	for range 20 {
		if _, err := shared.ListUsers(context.Background(), &iam.ListUsersInput{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := shared.ListUsers(context.Background(), &iam.ListUsersInput{Marker: aws.String("page-2")}); err != nil {
		t.Fatal(err)
	}
	if n := api.calls.Load(); n != 2 {
		t.Errorf("20 first pages and one second page: %d calls to IAM, want 2", n)
	}
}

func TestSharedIAMAsksOnceForEveryInstance(t *testing.T) {
	api := &countingIAM{}
	shared := fleet.ShareIAM(api)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			_, err := shared.GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String("administrator")})
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchEntity" {
				t.Errorf("GetUser administrator: %v, want NoSuchEntity for every caller", err)
			}
		})
	}
	wg.Wait()
	if n := api.calls.Load(); n != 1 {
		t.Errorf("50 instances asked for the missing user: %d calls to IAM, want 1", n)
	}
	// A throttled answer is not kept: the next caller asks again and gets the user.
	if _, err := shared.GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String("flaky")}); err == nil {
		t.Error("first flaky GetUser: no error")
	}
	if _, err := shared.GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String("flaky")}); err != nil {
		t.Errorf("second flaky GetUser: %v, want the user (a throttled answer must not be kept)", err)
	}
	if _, err := shared.GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String("flaky")}); err != nil || api.calls.Load() != 3 {
		t.Errorf("third flaky GetUser: %v after %d calls, want the kept answer after 3", err, api.calls.Load())
	}
}
