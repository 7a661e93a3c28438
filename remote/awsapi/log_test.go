package awsapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/hardsail/hardsail/remote/awsapi"
)

// cutBody answers every request with STS's GetCallerIdentity response whose connection then
// breaks: the SDK reads the answer, fails to drain the rest, and logs a warning about it.
type cutBody struct{}

const callerIdentity = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
	`<Arn>arn:aws:iam::123456789012:user/ada</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>` +
	`</GetCallerIdentityResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`

func (cutBody) Do(r *http.Request) (*http.Response, error) {
	body := io.MultiReader(strings.NewReader(callerIdentity+strings.Repeat(" ", 64<<10)), errReader{})
	return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"text/xml"}}, Body: io.NopCloser(body), Request: r}, nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) {
	return 0, errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: use of closed network connection")
}

// The SDK's own warnings never reach stderr (the wizard's screen: one once broke a line of the
// fleet list in a real terminal); they reach what LogTo names, the run's log.
func TestSDKWarningsReachTheRunLogNotStderr(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = w
	t.Cleanup(func() { os.Stderr = stderr })

	c, err := awsapi.Load(context.Background(), awsapi.Options{WrapHTTP: func(aws.HTTPClient) aws.HTTPClient { return cutBody{} }})
	if err != nil {
		t.Fatal(err)
	}
	var logged []string
	c.LogTo(func(m string) { logged = append(logged, m) })
	id, err := c.Identity(context.Background())
	if err != nil || id.Account != "123456789012" {
		t.Fatalf("Identity = %+v, %v; want account 123456789012", id, err)
	}
	c.LogTo(nil)
	if _, err := c.Identity(context.Background()); err != nil {
		t.Fatal(err)
	}

	os.Stderr = stderr
	w.Close()
	written, _ := io.ReadAll(r)
	if len(written) > 0 {
		t.Errorf("the SDK wrote to stderr: %q", written)
	}
	if len(logged) != 1 || !strings.Contains(logged[0], "WARN failed to discard remaining HTTP response body") {
		t.Errorf("LogTo received %q; want the SDK's one warning of the first call (none after LogTo(nil))", logged)
	}
}
