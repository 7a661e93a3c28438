package moto

import (
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
