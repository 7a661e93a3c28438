package emulator_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/hardsail/hardsail/internal/emulator"
)

// standardRetryer is the SDK's default retry policy with the backoff shrunk
// so the test does not sleep for seconds; classification is untouched.
func standardRetryer(attempts int) func() aws.Retryer {
	return func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
		})
	}
}

func callSummary(calls []emulator.Call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Service+":"+c.Action+"/"+c.ErrorCode)
	}
	return out
}

func TestFaultInjection(t *testing.T) {
	tests := []struct {
		name      string
		inject    func(e *emulator.Emulator)
		attempts  int
		wantCode  string // "" = the call succeeds
		wantCalls []string
	}{
		{
			name: "three throttles absorbed by the standard retryer", inject: func(e *emulator.Emulator) { e.Throttle(3) }, attempts: 4,
			wantCalls: []string{"lightsail:GetInstance/ThrottlingException", "lightsail:GetInstance/ThrottlingException",
				"lightsail:GetInstance/ThrottlingException", "lightsail:GetInstance/"},
		},
		{
			name: "throttling beyond the retry budget surfaces", inject: func(e *emulator.Emulator) { e.Throttle(5) }, attempts: 3,
			wantCode:  "ThrottlingException",
			wantCalls: []string{"lightsail:GetInstance/ThrottlingException", "lightsail:GetInstance/ThrottlingException", "lightsail:GetInstance/ThrottlingException"},
		},
		{
			name: "one 5xx absorbed", inject: func(e *emulator.Emulator) { e.FailServer(1) }, attempts: 3,
			wantCalls: []string{"lightsail:GetInstance/ServiceException", "lightsail:GetInstance/"},
		},
		{
			name: "5xx without retries surfaces as ServiceException", inject: func(e *emulator.Emulator) { e.FailServer(1) }, attempts: 1,
			wantCode: "ServiceException", wantCalls: []string{"lightsail:GetInstance/ServiceException"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := emulator.Start(t, emulator.Options{})
			c := lightsail.NewFromConfig(e.AWSConfig(), func(o *lightsail.Options) { o.Retryer = standardRetryer(tt.attempts)() })
			tt.inject(e)
			_, err := c.GetInstance(ctxT(t), &lightsail.GetInstanceInput{InstanceName: aws.String("WordPress-1")})
			if tt.wantCode == "" {
				checkErr(t, err, noErr)
			} else {
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != tt.wantCode {
					t.Fatalf("error = %v, want API error %s", err, tt.wantCode)
				}
			}
			if tt.wantCode == "ServiceException" {
				var se *types.ServiceException
				var re *smithyhttp.ResponseError
				if !errors.As(err, &se) || !errors.As(err, &re) || re.HTTPStatusCode() != 500 {
					t.Errorf("5xx error = %v, want *types.ServiceException with HTTP 500", err)
				}
			}
			if got := callSummary(e.Calls()); !reflect.DeepEqual(got, tt.wantCalls) {
				t.Errorf("call log = %v, want %v", got, tt.wantCalls)
			}
		})
	}
}

func TestIAMThrottlingIsQueryError(t *testing.T) {
	e := emulator.Start(t, emulator.Options{})
	c := sts.NewFromConfig(e.AWSConfig(), func(o *sts.Options) { o.Retryer = standardRetryer(1)() })
	e.Throttle(1)
	_, err := c.GetCallerIdentity(ctxT(t), &sts.GetCallerIdentityInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "Throttling" {
		t.Fatalf("error = %v, want awsQuery Throttling", err)
	}
	out, err := c.GetCallerIdentity(ctxT(t), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(out.Account) != emulator.AccountID {
		t.Fatalf("after the throttle: %v, account %q", err, aws.ToString(out.Account))
	}
}

func TestLatency(t *testing.T) {
	e, c := startFast(t, nil)
	e.SetLatency(80 * time.Millisecond)
	start := time.Now()
	_, err := c.GetInstance(ctxT(t), &lightsail.GetInstanceInput{InstanceName: aws.String("WordPress-1")})
	checkErr(t, err, noErr)
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Errorf("call took %v, want at least the 80ms latency", d)
	}
}

func TestPolicyEnforcement(t *testing.T) {
	readOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lightsail:Get*","iam:List*"],"Resource":"*"}]}`
	withDeny := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lightsail:*","Resource":"*"},
		{"Effect":"Deny","Action":"lightsail:PutInstancePublicPorts","Resource":"*"}]}`
	tests := []struct {
		name      string
		policy    string
		call      func(e *emulator.Emulator) error
		wantAllow bool
		wantXML   bool
	}{
		{name: "Get* allows GetInstance", policy: readOnly, wantAllow: true, call: lsGetInstance},
		{name: "Get* refuses PutInstancePublicPorts", policy: readOnly, call: lsPut},
		{name: "explicit Deny beats lightsail:*", policy: withDeny, call: lsPut},
		{name: "lightsail:* allows GetInstance", policy: withDeny, wantAllow: true, call: lsGetInstance},
		{name: "iam:List* refuses CreateUser", policy: readOnly, wantXML: true, call: func(e *emulator.Emulator) error {
			_, err := iam.NewFromConfig(e.AWSConfig()).CreateUser(ctxT(t), &iam.CreateUserInput{UserName: aws.String("intruder")})
			return err
		}},
		{name: "GetCallerIdentity needs no permission", policy: readOnly, wantAllow: true, call: func(e *emulator.Emulator) error {
			_, err := sts.NewFromConfig(e.AWSConfig()).GetCallerIdentity(ctxT(t), &sts.GetCallerIdentityInput{})
			return err
		}},
		{name: "nil policy allows everything", policy: "", wantAllow: true, call: lsPut},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := emulator.Start(t, emulator.Options{})
			var doc []byte
			if tt.policy != "" {
				doc = []byte(tt.policy)
			}
			if err := e.EnforcePolicy(doc); err != nil {
				t.Fatal(err)
			}
			before := e.State()
			err := tt.call(e)
			if tt.wantAllow {
				if err != nil {
					t.Fatalf("allowed call failed: %v", err)
				}
				return
			}
			if tt.wantXML {
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" || !strings.Contains(ae.ErrorMessage(), "iam:CreateUser") {
					t.Fatalf("error = %v, want AccessDenied naming iam:CreateUser", err)
				}
				return
			}
			var ad *types.AccessDeniedException
			if !errors.As(err, &ad) || !strings.Contains(ad.ErrorMessage(), "is not authorized to perform: lightsail:PutInstancePublicPorts") {
				t.Fatalf("error = %v, want *types.AccessDeniedException naming lightsail:PutInstancePublicPorts", err)
			}
			if !reflect.DeepEqual(before, e.State()) {
				t.Error("a denied call changed the state")
			}
		})
	}
	e := emulator.Start(t, emulator.Options{})
	if err := e.EnforcePolicy([]byte(`{"Statement":[{"Effect":"Maybe","Action":"*"}]}`)); err == nil {
		t.Error("EnforcePolicy accepted Effect Maybe")
	}
}

func lsGetInstance(e *emulator.Emulator) error {
	_, err := lightsail.NewFromConfig(e.AWSConfig()).GetInstance(ctxBG(), &lightsail.GetInstanceInput{InstanceName: aws.String("WordPress-1")})
	return err
}

func lsPut(e *emulator.Emulator) error {
	_, err := lightsail.NewFromConfig(e.AWSConfig()).PutInstancePublicPorts(ctxBG(), &lightsail.PutInstancePublicPortsInput{
		InstanceName: aws.String("WordPress-1"), PortInfos: []types.PortInfo{tcp(22, 22, "203.0.113.7/32")}})
	return err
}

func TestCallLogFlagsMutations(t *testing.T) {
	e, c := startFast(t, nil)
	ctx := ctxT(t)
	_, _ = c.GetInstance(ctx, &lightsail.GetInstanceInput{InstanceName: aws.String("WordPress-1")})
	_, _ = c.GetInstance(ctx, &lightsail.GetInstanceInput{InstanceName: aws.String("missing")})
	_, _ = c.PutInstancePublicPorts(ctx, &lightsail.PutInstancePublicPortsInput{InstanceName: aws.String("WordPress-1"), PortInfos: []types.PortInfo{tcp(22, 22)}})
	_, _ = iam.NewFromConfig(e.AWSConfig()).ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	_, _ = iam.NewFromConfig(e.AWSConfig()).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("hardsail-admin")})
	type row struct {
		svc, action string
		mutating    bool
		code        string
	}
	var got []row
	for _, c := range e.Calls() {
		got = append(got, row{c.Service, c.Action, c.Mutating, c.ErrorCode})
		if time.Since(c.At) > time.Minute {
			t.Errorf("call %s has timestamp %v", c.Action, c.At)
		}
	}
	want := []row{
		{"lightsail", "GetInstance", false, ""},
		{"lightsail", "GetInstance", false, "NotFoundException"},
		{"lightsail", "PutInstancePublicPorts", true, ""},
		{"iam", "ListAccessKeys", false, ""},
		{"iam", "CreateUser", true, ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %+v\nwant    %+v", got, want)
	}
	if m := e.MutatingCalls(); len(m) != 2 || m[0].Action != "PutInstancePublicPorts" || m[1].Action != "CreateUser" {
		t.Errorf("MutatingCalls = %+v", m)
	}
	e.ResetCalls()
	if n := len(e.Calls()); n != 0 {
		t.Errorf("after ResetCalls %d calls remain", n)
	}
}

func TestRawRequests(t *testing.T) {
	signed := "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240301/us-east-1/%s/aws4_request, SignedHeaders=host, Signature=abc"
	tests := []struct {
		name       string
		target     string
		auth       string
		body       string
		wantStatus int
		wantInBody string
	}{
		{name: "unsigned Lightsail call", target: "Lightsail_20161128.GetInstances", body: "{}",
			wantStatus: 403, wantInBody: `"__type":"MissingAuthenticationTokenException"`},
		{name: "unsigned STS call", body: "Action=GetCallerIdentity&Version=2011-06-15",
			wantStatus: 403, wantInBody: "<Code>MissingAuthenticationToken</Code>"},
		{name: "STS routed by Version when the scope names no service", auth: "AWS4-HMAC-SHA256 Signature=abc",
			body: "Action=GetCallerIdentity&Version=2011-06-15", wantStatus: 200, wantInBody: "<Account>" + emulator.AccountID + "</Account>"},
		{name: "IAM routed by credential scope", auth: strings.Replace(signed, "%s", "iam", 1),
			body: "Action=ListAccessKeys&Version=2010-05-08", wantStatus: 200, wantInBody: "ListAccessKeysResult"},
		{name: "unknown Lightsail operation", target: "Lightsail_20161128.CreateInstances", auth: strings.Replace(signed, "%s", "lightsail", 1),
			body: "{}", wantStatus: 400, wantInBody: "UnknownOperationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := emulator.Start(t, emulator.Options{})
			req, _ := http.NewRequest("POST", e.URL()+"/", strings.NewReader(tt.body))
			if tt.target != "" {
				req.Header.Set("X-Amz-Target", tt.target)
				req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			} else {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(b), tt.wantInBody) {
				t.Errorf("got %d %s, want %d containing %s", resp.StatusCode, b, tt.wantStatus, tt.wantInBody)
			}
		})
	}
}

func TestEnvPointsChildProcessesAtTheEmulator(t *testing.T) {
	e := emulator.Start(t, emulator.Options{Region: "us-east-1"})
	env := map[string]string{}
	for _, kv := range e.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	u, err := url.Parse(env["AWS_ENDPOINT_URL"])
	if err != nil || u.Host == "" || env["AWS_ENDPOINT_URL"] != e.URL() || env["AWS_REGION"] != "us-east-1" || env["AWS_ACCESS_KEY_ID"] == "" || env["AWS_SECRET_ACCESS_KEY"] == "" {
		t.Errorf("Env() = %v", e.Env())
	}
	// The body a child process would get is the same JSON the SDK decodes.
	req, _ := http.NewRequest("POST", env["AWS_ENDPOINT_URL"], strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "Lightsail_20161128.GetInstances")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+env["AWS_ACCESS_KEY_ID"]+"/20240301/us-east-1/lightsail/aws4_request, Signature=x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Instances []struct {
			Name string `json:"name"`
		} `json:"instances"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Instances) != 1 || out.Instances[0].Name != "WordPress-1" {
		t.Errorf("GetInstances over raw HTTP: %v %+v", err, out)
	}
}
