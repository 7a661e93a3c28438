// Package emulator is a wire-level AWS emulator for Lightsail (awsJson1_1),
// IAM and STS (awsQuery). The real aws-sdk-go-v2 clients and the AWS CLI talk
// to it over HTTP on a single URL, so hardsail's code paths are exercised
// byte for byte as they would be against AWS.
package emulator

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"golang.org/x/crypto/ssh"

	"github.com/hardsail/hardsail/internal/emulator/iamsts"
)

// AccountID is the AWS account every emulated resource belongs to.
const AccountID = "123456789012"

// Static test credentials handed to SDK clients and child processes.
const (
	TestAccessKeyID     = "AKIAEMULATOR00000000"
	TestSecretAccessKey = "emulator-secret-access-key"
)

// Options configures an Emulator.
type Options struct {
	Scenario          string        // "wordpress-fresh" (default), "wordpress-hardened", ScenarioLightsailFresh, ScenarioUbuntuFresh, ScenarioFleet, "empty"
	Region            string        // default "us-east-1"
	OperationDelay    time.Duration // Started→Succeeded; default 200ms
	LoadBalancerDelay time.Duration // provisioning→active; default 500ms
	PageSize          int           // items per page of Get* list calls; default 25
	FleetSize         int           // WordPress instances of ScenarioFleet; default 100
	FleetNoFaults     bool          // ScenarioFleet with every instance running and reachable (benchmarks)
}

// Call is one API request as the emulator saw it.
type Call struct {
	Service   string // "lightsail", "iam" or "sts"
	Action    string
	Mutating  bool
	ErrorCode string // empty when the call succeeded
	At        time.Time
}

// Emulator serves Lightsail, IAM and STS on one HTTP endpoint.
type Emulator struct {
	opts Options
	iam  *iamsts.Service
	ca   ssh.Signer

	mu       sync.Mutex
	ls       *lightsail
	calls    []Call
	throttle int
	// throttleEvery > 0 throttles every throttleEvery-th call (counted in served).
	throttleEvery int
	served        int
	failServer    int
	latency       time.Duration
	policy        *policy
	proxies       map[string]*sshProxy // by instance name

	srvMu sync.Mutex
	srv   *http.Server
	url   string
}

// New builds an emulator loaded with opts.Scenario. It does not listen yet.
func New(opts Options) (*Emulator, error) {
	if opts.Scenario == "" {
		opts.Scenario = "wordpress-fresh"
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.OperationDelay == 0 {
		opts.OperationDelay = 200 * time.Millisecond
	}
	if opts.LoadBalancerDelay == 0 {
		opts.LoadBalancerDelay = 500 * time.Millisecond
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 25
	}
	_, caKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate SSH CA key: %w", err)
	}
	ca, err := ssh.NewSignerFromKey(caKey)
	if err != nil {
		return nil, fmt.Errorf("wrap SSH CA key: %w", err)
	}
	e := &Emulator{
		opts:    opts,
		iam:     iamsts.New(AccountID),
		ca:      ca,
		proxies: map[string]*sshProxy{},
	}
	e.ls = newLightsail(opts)
	if err := e.ls.loadScenario(opts.Scenario); err != nil {
		return nil, fmt.Errorf("load Lightsail scenario %q: %w", opts.Scenario, err)
	}
	if err := e.iam.LoadScenario(opts.Scenario); err != nil {
		return nil, fmt.Errorf("load IAM scenario %q: %w", opts.Scenario, err)
	}
	return e, nil
}

// TB is the part of testing.TB that Start uses (the emulator also serves the demo, whose binary
// must not link package testing).
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Start serves a new emulator on 127.0.0.1:0 for the duration of the test.
func Start(t TB, opts Options) *Emulator {
	t.Helper()
	e, err := New(opts)
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	if _, err := e.Listen("127.0.0.1:0"); err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// Listen serves the emulator on addr and returns its base URL.
func (e *Emulator) Listen(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	e.srvMu.Lock()
	e.srv = srv
	e.url = "http://" + ln.Addr().String()
	u := e.url
	e.srvMu.Unlock()
	go func() { _ = srv.Serve(ln) }()
	return u, nil
}

// Close stops the HTTP server and every SSH proxy, dropping their connections.
func (e *Emulator) Close() error {
	e.srvMu.Lock()
	srv := e.srv
	e.srv = nil
	e.srvMu.Unlock()
	var errs []error
	if srv != nil {
		if err := srv.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close emulator HTTP server: %w", err))
		}
	}
	e.mu.Lock()
	proxies := e.proxies
	e.proxies = map[string]*sshProxy{}
	e.mu.Unlock()
	for _, p := range proxies {
		p.close()
	}
	return errors.Join(errs...)
}

// URL is the base endpoint, e.g. http://127.0.0.1:41234.
func (e *Emulator) URL() string {
	e.srvMu.Lock()
	defer e.srvMu.Unlock()
	return e.url
}

// AWSConfig is a config for in-process SDK clients pointed at the emulator.
func (e *Emulator) AWSConfig() aws.Config {
	return aws.Config{
		Region:       e.opts.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(TestAccessKeyID, TestSecretAccessKey, ""),
		BaseEndpoint: aws.String(e.URL()),
	}
}

// Env is the environment a child process (hardsail, the aws CLI) needs to
// talk to the emulator instead of AWS.
func (e *Emulator) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + e.URL(),
		"AWS_ACCESS_KEY_ID=" + TestAccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + TestSecretAccessKey,
		"AWS_REGION=" + e.opts.Region,
		"AWS_DEFAULT_REGION=" + e.opts.Region,
	}
}

// IAM is the IAM/STS state behind the emulator.
func (e *Emulator) IAM() *iamsts.Service { return e.iam }

// Calls is the log of every request so far, oldest first.
func (e *Emulator) Calls() []Call {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Call(nil), e.calls...)
}

// MutatingCalls is the subset of Calls that could change state.
func (e *Emulator) MutatingCalls() []Call {
	var out []Call
	for _, c := range e.Calls() {
		if c.Mutating {
			out = append(out, c)
		}
	}
	return out
}

// ResetCalls empties the call log.
func (e *Emulator) ResetCalls() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = nil
}

// Throttle makes the next n calls fail as throttled.
func (e *Emulator) Throttle(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.throttle = n
}

// ThrottleEvery makes every nth call from now on fail as throttled (0 stops it): a share of the
// calls, as Lightsail throttles a busy account.
func (e *Emulator) ThrottleEvery(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.throttleEvery, e.served = n, 0
}

// throttleNow counts a call and says whether ThrottleEvery throttles it; e.mu is held.
func (e *Emulator) throttleNow() bool {
	if e.throttleEvery <= 0 {
		return false
	}
	e.served++
	return e.served%e.throttleEvery == 0
}

// Throttled is how many calls ThrottleEvery has throttled so far.
func (e *Emulator) Throttled() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.throttleEvery == 0 {
		return 0
	}
	return e.served / e.throttleEvery
}

// FailServer makes the next n calls fail with HTTP 500.
func (e *Emulator) FailServer(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failServer = n
}

// SetLatency delays every response by d.
func (e *Emulator) SetLatency(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.latency = d
}

// EnforcePolicy denies every call the IAM policy document does not allow;
// nil turns enforcement off.
func (e *Emulator) EnforcePolicy(policyJSON []byte) error {
	var p *policy
	if policyJSON != nil {
		var err error
		if p, err = parsePolicy(policyJSON); err != nil {
			return fmt.Errorf("enforce policy: %w", err)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.policy = p
	return nil
}

// State is a deep copy of the Lightsail state as of now.
func (e *Emulator) State() State {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ls.advance(time.Now())
	return e.ls.snapshot()
}

// SetExternalDNS adds a record to the DNS outside Lightsail, e.g. a
// validation CNAME the user created at their registrar.
func (e *Emulator) SetExternalDNS(name, typ, value string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ls.externalDNS = append(e.ls.externalDNS, DNSRecord{Name: name, Type: strings.ToUpper(typ), Value: value})
}

// MarkCertificateValidated makes a certificate ISSUED regardless of DNS.
func (e *Emulator) MarkCertificateValidated(lbName, certName string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range e.ls.certs {
		if c.LoadBalancerName == lbName && c.Name == certName {
			c.forced = true
		}
	}
}

// CAPublicKey is the user CA that signs GetInstanceAccessDetails certificates;
// an sshd trusting it (TrustedUserCAKeys) accepts the temporary keys.
func (e *Emulator) CAPublicKey() ssh.PublicKey { return e.ca.PublicKey() }

// ServeHTTP routes a request to Lightsail, IAM or STS.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		http.Error(w, "read request body", http.StatusBadRequest)
		return
	}
	req, ok := e.parseRequest(w, r, body)
	if !ok {
		return
	}
	fault, latency := e.injected(req, r.Header.Get("Authorization") != "")
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	errCode := e.respond(w, req, fault)
	e.mu.Lock()
	e.calls = append(e.calls, Call{Service: req.service, Action: req.action, Mutating: e.isMutating(req.service, req.action), ErrorCode: errCode, At: time.Now()})
	e.mu.Unlock()
}

// request is one call as the emulator reads it: which service and action, in which region, with
// its JSON body (Lightsail) or its form (IAM, STS).
type request struct {
	service, action, region string
	body                    []byte
	form                    url.Values
}

// parseRequest tells the service and action of a call from its target header (Lightsail's JSON
// protocol) or its form and credential scope (IAM's and STS's query protocol); a request it cannot
// place is answered here, and ok is false.
func (e *Emulator) parseRequest(w http.ResponseWriter, r *http.Request, body []byte) (req request, ok bool) {
	scopeService, region := credentialScope(r.Header.Get("Authorization"))
	if region == "" {
		region = e.opts.Region
	}
	req = request{region: region, body: body}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		op, ok := strings.CutPrefix(target, "Lightsail_20161128.")
		if !ok {
			writeJSONError(w, &apiError{status: 400, typ: "UnknownOperationException", message: "unknown target " + target})
			return req, false
		}
		req.service, req.action = "lightsail", op
		return req, true
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeQueryError(w, 400, "Sender", "MalformedQueryString", err.Error())
		return req, false
	}
	req.form, req.action = form, form.Get("Action")
	switch {
	case scopeService == "iam" || scopeService == "sts":
		req.service = scopeService
	case form.Get("Version") == "2010-05-08":
		req.service = "iam"
	case form.Get("Version") == "2011-06-15":
		req.service = "sts"
	default:
		writeQueryError(w, 400, "Sender", "InvalidAction", "cannot tell which service this request is for")
		return req, false
	}
	return req, true
}

// injected is the fault this call meets, if any, and the latency set for every call: an unsigned
// request, a throttle, a server error or a policy's denial, in the order AWS would meet them.
func (e *Emulator) injected(req request, signed bool) (*apiError, time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var fault *apiError
	switch {
	case !signed:
		// AWS refuses unsigned requests before looking at anything else.
		fault = &apiError{status: 403, typ: "MissingAuthenticationTokenException", queryCode: "MissingAuthenticationToken", message: "Missing Authentication Token"}
	case e.throttle > 0 || e.throttleNow():
		e.throttle = max(e.throttle-1, 0)
		fault = &apiError{status: 400, typ: "ThrottlingException", queryCode: "Throttling", message: "Rate exceeded"}
	case e.failServer > 0:
		e.failServer--
		fault = &apiError{status: 500, typ: "ServiceException", queryCode: "ServiceFailure", message: "An internal error occurred (emulated)."}
	case e.policy != nil && !e.policy.allows(req.service+":"+req.action) && !(req.service == "sts" && req.action == "GetCallerIdentity"):
		// sts:GetCallerIdentity needs no permission on AWS either.
		fault = &apiError{status: 400, typ: "AccessDeniedException", queryCode: "AccessDenied", code: "AccessDenied",
			message: fmt.Sprintf("User: %s is not authorized to perform: %s:%s because no identity-based policy allows the %s:%s action",
				e.iam.CallerARN(), req.service, req.action, req.service, req.action)}
		if req.service != "lightsail" {
			fault.status = 403
		}
	}
	return fault, e.latency
}

// respond writes the fault, or the service's answer, in the service's protocol and returns the
// error code the call ended with ("" for success).
func (e *Emulator) respond(w http.ResponseWriter, req request, fault *apiError) string {
	switch {
	case fault != nil && req.service == "lightsail":
		writeJSONError(w, fault)
		return fault.typ
	case fault != nil:
		typ := "Sender"
		if fault.status >= 500 {
			typ = "Receiver"
		}
		writeQueryError(w, fault.status, typ, fault.queryCode, fault.message)
		return fault.queryCode
	case req.service == "lightsail":
		out, aerr := e.serveLightsail(req.action, req.region, req.body)
		if aerr != nil {
			writeJSONError(w, aerr)
			return aerr.typ
		}
		writeJSON(w, 200, out)
		return ""
	}
	status, xmlBody := e.iam.Handle(req.service, req.action, req.form)
	errCode := ""
	if status >= 300 {
		errCode = queryErrorCode(xmlBody)
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write(xmlBody)
	return errCode
}

func (e *Emulator) isMutating(service, action string) bool {
	if service == "lightsail" {
		return !strings.HasPrefix(action, "Get") && !strings.HasPrefix(action, "List")
	}
	return iamsts.IsMutating(service, action)
}

var scopeRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`Credential=[^/,\s]+/\d{8}/([^/]+)/([^/]+)/aws4_request`)
})

// credentialScope pulls service and region out of a SigV4 Authorization
// header; the signature itself is never checked.
func credentialScope(auth string) (service, region string) {
	m := scopeRE().FindStringSubmatch(auth)
	if m == nil {
		return "", ""
	}
	return m[2], m[1]
}

func queryErrorCode(body []byte) string {
	var doc struct {
		Error struct {
			Code string `xml:"Code"`
		} `xml:"Error"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return "UnknownError"
	}
	return doc.Error.Code
}

func writeQueryError(w http.ResponseWriter, status int, typ, code, message string) {
	var b strings.Builder
	b.WriteString("<ErrorResponse><Error><Type>")
	_ = xml.EscapeText(&b, []byte(typ))
	b.WriteString("</Type><Code>")
	_ = xml.EscapeText(&b, []byte(code))
	b.WriteString("</Code><Message>")
	_ = xml.EscapeText(&b, []byte(message))
	b.WriteString("</Message></Error><RequestId>")
	b.WriteString(newUUID())
	b.WriteString("</RequestId></ErrorResponse>")
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, b.String())
}
