package moto

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestStartServesSTSAndManagedPolicies(t *testing.T) {
	url := Start(t)
	tests := []struct {
		name     string
		form     string
		service  string
		wantBody string
	}{
		{"answers STS GetCallerIdentity", "Action=GetCallerIdentity&Version=2011-06-15", "sts", "<Account>123456789012</Account>"},
		{"loaded AWS managed policies", "Action=GetPolicy&Version=2010-05-08&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FAdministratorAccess", "iam", "<PolicyName>AdministratorAccess</PolicyName>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(tc.form))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			// moto routes by the credential scope's service name.
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/"+tc.service+"/aws4_request, SignedHeaders=host, Signature=0")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), tc.wantBody) {
				t.Fatalf("status %d, body %s; want 200 containing %s", resp.StatusCode, body, tc.wantBody)
			}
		})
	}
}

func TestStartKillsServerAtCleanup(t *testing.T) {
	var url string
	t.Run("server", func(t *testing.T) { url = Start(t) })
	if url == "" {
		return // the inner Start skipped: moto_server is absent, nothing was started
	}
	if resp, err := http.Get(url + "/moto-api/data.json"); err == nil {
		resp.Body.Close()
		t.Fatalf("moto_server at %s still answers after its test ended", url)
	}
}

// recordingTB captures how Start gives up; stopping is simulated with a panic
// because the real Skip and Fatal end the goroutine.
type recordingTB struct {
	testing.TB
	outcome, msg string
}

type stopped struct{}

func (r *recordingTB) Skip(args ...any)  { r.stop("skip", args) }
func (r *recordingTB) Fatal(args ...any) { r.stop("fatal", args) }
func (r *recordingTB) stop(outcome string, args []any) {
	r.outcome, r.msg = outcome, fmt.Sprint(args...)
	panic(stopped{})
}

func TestStartWithoutMotoServer(t *testing.T) {
	tests := []struct {
		name        string
		require     string
		wantOutcome string
	}{
		{"skips on a developer machine", "", "skip"},
		{"fails when the test host is required", "1", "fatal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PATH", t.TempDir())
			t.Setenv("HARDSAIL_REQUIRE_TESTHOST", tc.require)
			rec := &recordingTB{TB: t}
			func() {
				defer func() {
					if r := recover(); r != nil {
						if _, ok := r.(stopped); !ok {
							panic(r)
						}
					}
				}()
				Start(rec)
			}()
			if rec.outcome != tc.wantOutcome || !strings.Contains(rec.msg, "moto_server not found") {
				t.Fatalf("Start without moto_server: %s %q, want %s naming moto_server", rec.outcome, rec.msg, tc.wantOutcome)
			}
		})
	}
}
