// Package iamsts emulates the parts of AWS IAM and STS that hardsail uses, over
// their awsQuery wire protocol: the caller hands in the form-encoded request and
// gets back the exact XML body and HTTP status AWS would send, so the real
// aws-sdk-go-v2 clients decode results and typed errors unchanged.
package iamsts

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

const (
	iamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// scenarioEpoch dates everything a scenario creates, so snapshots and golden
// output do not depend on when the test ran.
var scenarioEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// Service is one emulated AWS account's IAM and STS. It is safe for concurrent use.
type Service struct {
	mu        sync.Mutex
	accountID string
	caller    string
	now       func() time.Time // replaced by in-package tests to pin TOTP steps
	seq       uint64           // feeds deterministic ids, seeds and request ids
	st        store
}

// New returns an account with the "empty" scenario loaded: root caller, nothing else.
func New(accountID string) *Service {
	s := &Service{accountID: accountID, now: time.Now}
	s.loadEmpty()
	return s
}

// CallerARN is the identity requests are treated as coming from.
func (s *Service) CallerARN() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.caller
}

// SetCaller changes the identity; arn is the account root ("arn:aws:iam::<acct>:root")
// or an IAM user ("arn:aws:iam::<acct>:user/NAME").
func (s *Service) SetCaller(arn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.caller = arn
}

// Snapshot returns a deep copy of all IAM state.
func (s *Service) Snapshot() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.snapshot(s.accountID, s.caller)
}

// IsMutating reports whether an action can change account state. Unknown
// actions count as mutating so a read-only check that calls one is caught.
func IsMutating(service, action string) bool {
	switch strings.ToLower(service) {
	case "sts":
		return !strings.HasPrefix(action, "Get") && !strings.HasPrefix(action, "Decode")
	case "iam":
		for _, p := range []string{"Get", "List", "Simulate"} {
			if strings.HasPrefix(action, p) {
				return false
			}
		}
		return true
	}
	return true
}

type operation func(s *Service, form url.Values) (any, *apiError)

var iamOperations = map[string]operation{
	"CreateUser":                (*Service).createUser,
	"GetUser":                   (*Service).getUser,
	"DeleteUser":                (*Service).deleteUser,
	"CreateLoginProfile":        (*Service).createLoginProfile,
	"GetLoginProfile":           (*Service).getLoginProfile,
	"DeleteLoginProfile":        (*Service).deleteLoginProfile,
	"CreateGroup":               (*Service).createGroup,
	"GetGroup":                  (*Service).getGroup,
	"DeleteGroup":               (*Service).deleteGroup,
	"AttachGroupPolicy":         (*Service).attachGroupPolicy,
	"DetachGroupPolicy":         (*Service).detachGroupPolicy,
	"ListAttachedGroupPolicies": (*Service).listAttachedGroupPolicies,
	"AddUserToGroup":            (*Service).addUserToGroup,
	"RemoveUserFromGroup":       (*Service).removeUserFromGroup,
	"ListGroupsForUser":         (*Service).listGroupsForUser,
	"GetAccountSummary":         (*Service).getAccountSummary,
	"ListMFADevices":            (*Service).listMFADevices,
	"CreateVirtualMFADevice":    (*Service).createVirtualMFADevice,
	"EnableMFADevice":           (*Service).enableMFADevice,
	"DeactivateMFADevice":       (*Service).deactivateMFADevice,
	"DeleteVirtualMFADevice":    (*Service).deleteVirtualMFADevice,
	"ListAccessKeys":            (*Service).listAccessKeys,
	"ListUsers":                 (*Service).listUsers,
	"GetAccessKeyLastUsed":      (*Service).getAccessKeyLastUsed,
}

var stsOperations = map[string]operation{
	"GetCallerIdentity": (*Service).getCallerIdentity,
}

// Handle runs one awsQuery action and returns the HTTP status and full XML body,
// errors included. service is "iam" or "sts".
func (s *Service) Handle(service, action string, form url.Values) (status int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	requestID := s.requestID()

	ops, ns := iamOperations, iamNamespace
	switch strings.ToLower(service) {
	case "iam":
	case "sts":
		ops, ns = stsOperations, stsNamespace
	default:
		return errorBody(iamNamespace, requestID, &apiError{http.StatusBadRequest, "InvalidAction",
			fmt.Sprintf("Service %q is not emulated here.", service)})
	}
	op, ok := ops[action]
	if !ok {
		return errorBody(ns, requestID, &apiError{http.StatusBadRequest, "InvalidAction",
			fmt.Sprintf("Could not find operation %s for this version.", action)})
	}
	result, apiErr := op(s, form)
	if apiErr != nil {
		return errorBody(ns, requestID, apiErr)
	}
	return successBody(ns, action, result, requestID)
}

// apiError is an AWS error as the SDK decodes it: code, message and HTTP status.
type apiError struct {
	status  int
	code    string
	message string
}

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func noSuchEntity(format string, args ...any) *apiError {
	return errorf(http.StatusNotFound, "NoSuchEntity", format, args...)
}

func alreadyExists(format string, args ...any) *apiError {
	return errorf(http.StatusConflict, "EntityAlreadyExists", format, args...)
}

func deleteConflict(format string, args ...any) *apiError {
	return errorf(http.StatusConflict, "DeleteConflict", format, args...)
}

func limitExceeded(format string, args ...any) *apiError {
	return errorf(http.StatusConflict, "LimitExceeded", format, args...)
}

func validationError(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "ValidationError", format, args...)
}

func invalidInput(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "InvalidInput", format, args...)
}

func errorBody(ns, requestID string, e *apiError) (int, []byte) {
	type errorDetail struct {
		Type    string
		Code    string
		Message string
	}
	type errorResponse struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Xmlns     string   `xml:"xmlns,attr"`
		Error     errorDetail
		RequestID string `xml:"RequestId"`
	}
	kind := "Sender"
	if e.status >= 500 {
		kind = "Receiver"
	}
	out, err := xml.Marshal(errorResponse{Xmlns: ns, Error: errorDetail{kind, e.code, e.message}, RequestID: requestID})
	if err != nil {
		// Only reachable through a programming error in the fixed types above.
		panic(fmt.Sprintf("marshal error response %s: %v", e.code, err))
	}
	return e.status, append([]byte(xml.Header), out...)
}

// successBody wraps result as <ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…,
// the envelope every awsQuery deserializer unwraps; a nil result omits ActionResult as AWS does.
func successBody(ns, action string, result any, requestID string) (int, []byte) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	fmt.Fprintf(&b, "<%sResponse xmlns=%q>", action, ns)
	if result != nil {
		enc := xml.NewEncoder(&b)
		if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			panic(fmt.Sprintf("marshal %s result: %v", action, err))
		}
		if err := enc.Flush(); err != nil {
			panic(fmt.Sprintf("flush %s result: %v", action, err))
		}
	}
	fmt.Fprintf(&b, "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>", requestID, action)
	return http.StatusOK, b.Bytes()
}

// next returns deterministic pseudo-random bytes so ids, seeds and request ids
// repeat across runs (golden files, the --demo QR code) yet never collide.
func (s *Service) next(kind string) [32]byte {
	s.seq++
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], s.seq)
	return sha256.Sum256([]byte(s.accountID + "/" + kind + "/" + string(n[:])))
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newID returns an IAM unique id: a 4-letter prefix (AIDA user, AGPA group,
// AKIA key) and 17 upper-case letters and digits, as AWS issues them.
func (s *Service) newID(prefix string) string {
	h := s.next(prefix)
	return prefix + idEncoding.EncodeToString(h[:])[:17]
}

func (s *Service) requestID() string {
	h := s.next("request")
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
