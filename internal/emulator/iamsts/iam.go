package iamsts

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Quotas AWS reports in GetAccountSummary; the per-entity ones are enforced.
const (
	groupsPerUserQuota            = 10
	attachedPoliciesPerGroupQuota = 10
	accessKeysPerUserQuota        = 2
)

// managedPolicies are the AWS managed policies AttachGroupPolicy accepts: the
// one hardsail attaches plus common ones, enough to reach the per-group quota.
var managedPolicies = []string{
	"arn:aws:iam::aws:policy/AdministratorAccess",
	"arn:aws:iam::aws:policy/PowerUserAccess",
	"arn:aws:iam::aws:policy/ReadOnlyAccess",
	"arn:aws:iam::aws:policy/SecurityAudit",
	"arn:aws:iam::aws:policy/IAMFullAccess",
	"arn:aws:iam::aws:policy/IAMReadOnlyAccess",
	"arn:aws:iam::aws:policy/IAMUserChangePassword",
	"arn:aws:iam::aws:policy/AmazonS3FullAccess",
	"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
	"arn:aws:iam::aws:policy/AmazonEC2FullAccess",
	"arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess",
	"arn:aws:iam::aws:policy/AmazonRoute53FullAccess",
	"arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess",
	"arn:aws:iam::aws:policy/job-function/Billing",
	"arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
}

var (
	namePattern      = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=,.@-]+$`) })
	pathPattern      = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(/|/[\x21-\x7E]+/)$`) })
	policyARNPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws[a-z-]*:iam::(aws|\d{12}):policy/[\x21-\x7E]+$`)
	})
	serialPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=/:,.@-]{9,256}$`) })
	codePattern   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\d{6}$`) })
)

// Name limits from the IAM API reference.
const (
	maxUserName   = 64
	maxGroupName  = 128
	maxDeviceName = 226
	maxPath       = 512
)

// --- XML shapes, element names exactly as the SDK's awsQuery deserializers read them ---

type xmlUser struct {
	Path       string `xml:"Path,omitempty"`
	UserName   string `xml:"UserName,omitempty"`
	UserID     string `xml:"UserId"`
	Arn        string `xml:"Arn"`
	CreateDate string `xml:"CreateDate"`
}

type xmlGroup struct {
	Path       string `xml:"Path"`
	GroupName  string `xml:"GroupName"`
	GroupID    string `xml:"GroupId"`
	Arn        string `xml:"Arn"`
	CreateDate string `xml:"CreateDate"`
}

type xmlLoginProfile struct {
	UserName              string `xml:"UserName"`
	CreateDate            string `xml:"CreateDate"`
	PasswordResetRequired bool   `xml:"PasswordResetRequired"`
}

type xmlAttachedPolicy struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

type xmlMFADevice struct {
	UserName     string `xml:"UserName,omitempty"`
	SerialNumber string `xml:"SerialNumber"`
	EnableDate   string `xml:"EnableDate"`
}

type xmlAccessKey struct {
	UserName    string `xml:"UserName,omitempty"`
	AccessKeyID string `xml:"AccessKeyId"`
	Status      string `xml:"Status"`
	CreateDate  string `xml:"CreateDate"`
}

type xmlEntry struct {
	Key   string `xml:"key"`
	Value int    `xml:"value"`
}

func userXML(u *User) xmlUser {
	return xmlUser{Path: u.Path, UserName: u.Name, UserID: u.ID, Arn: u.ARN, CreateDate: isoTime(u.Created)}
}

func groupXML(g *Group) xmlGroup {
	return xmlGroup{Path: g.Path, GroupName: g.Name, GroupID: g.ID, Arn: g.ARN, CreateDate: isoTime(g.Created)}
}

// --- ARNs, ids, lookups ---

func (s *Service) rootARN() string { return "arn:aws:iam::" + s.accountID + ":root" }
func (s *Service) userARN(path, name string) string {
	return "arn:aws:iam::" + s.accountID + ":user" + path + name
}
func (s *Service) groupARN(path, name string) string {
	return "arn:aws:iam::" + s.accountID + ":group" + path + name
}
func (s *Service) mfaSerial(path, name string) string {
	return "arn:aws:iam::" + s.accountID + ":mfa" + path + name
}

func (s *Service) newAccessKeyID() string { return s.newID("AKIA")[:20] }

// newSeed returns a 64-character base32 TOTP secret, the length AWS issues.
func (s *Service) newSeed() string {
	h := s.next("seed")
	h2 := s.next("seed")
	return idEncoding.EncodeToString(append(h[:], h2[:8]...))
}

// callerUser returns the IAM user name of the caller, or "" for root.
func (s *Service) callerUser() string {
	_, after, ok := strings.Cut(s.caller, ":user/")
	if !ok {
		return ""
	}
	return after[strings.LastIndex(after, "/")+1:]
}

// IAM names are unique ignoring case, and lookups ignore case too.
func (s *Service) findUser(name string) *User {
	if u, ok := s.st.users[name]; ok {
		return u
	}
	for k, u := range s.st.users {
		if strings.EqualFold(k, name) {
			return u
		}
	}
	return nil
}

func (s *Service) findGroup(name string) *Group {
	if g, ok := s.st.groups[name]; ok {
		return g
	}
	for k, g := range s.st.groups {
		if strings.EqualFold(k, name) {
			return g
		}
	}
	return nil
}

func (s *Service) existingUser(form url.Values, param string) (*User, *apiError) {
	name := form.Get(param)
	if e := checkName(param, name, maxUserName); e != nil {
		return nil, e
	}
	u := s.findUser(name)
	if u == nil {
		return nil, noSuchEntity("The user with name %s cannot be found.", name)
	}
	return u, nil
}

func (s *Service) existingGroup(form url.Values) (*Group, *apiError) {
	name := form.Get("GroupName")
	if e := checkName("GroupName", name, maxGroupName); e != nil {
		return nil, e
	}
	g := s.findGroup(name)
	if g == nil {
		return nil, noSuchEntity("The group with name %s cannot be found.", name)
	}
	return g, nil
}

// --- validation, with AWS's ValidationError wording ---

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func checkName(param, v string, maxLen int) *apiError {
	switch {
	case v == "":
		return validationError("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", lowerFirst(param))
	case len(v) > maxLen:
		return validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", v, lowerFirst(param), maxLen)
	case !namePattern().MatchString(v):
		return validationError(`1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`, v, lowerFirst(param))
	}
	return nil
}

func pathParam(form url.Values) (string, *apiError) {
	p := form.Get("Path")
	if p == "" {
		return "/", nil
	}
	if len(p) > maxPath || !pathPattern().MatchString(p) {
		return "", validationError("The specified value for path is invalid. It must begin and end with / and contain only printable ASCII characters.")
	}
	return p, nil
}

// checkPassword applies AWS's default password policy (the account has no custom one):
// 8 to 128 characters and at least three of upper case, lower case, digits, symbols.
func checkPassword(p string) *apiError {
	if p == "" {
		return validationError("1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null")
	}
	var upper, lower, digit, symbol bool
	for _, r := range p {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		default:
			symbol = true
		}
	}
	classes := 0
	for _, b := range []bool{upper, lower, digit, symbol} {
		if b {
			classes++
		}
	}
	if len(p) < 8 || len(p) > 128 || classes < 3 {
		return errorf(http.StatusBadRequest, "PasswordPolicyViolation",
			"Password does not conform to the account password policy.")
	}
	return nil
}

// createParams reads and checks the name (form field param, at most maxLen
// long) and path of a Create* call; exists reports whether an entity of that
// kind and name is already there.
func createParams(form url.Values, kind, param string, maxLen int, exists func(string) bool) (name, path string, e *apiError) {
	name = form.Get(param)
	if e := checkName(param, name, maxLen); e != nil {
		return "", "", e
	}
	path, e = pathParam(form)
	if e != nil {
		return "", "", e
	}
	if exists(name) {
		return "", "", alreadyExists(kind+" with name %s already exists.", name)
	}
	return name, path, nil
}

// --- users ---

func (s *Service) createUser(form url.Values) (any, *apiError) {
	name, path, e := createParams(form, "User", "UserName", maxUserName, func(n string) bool { return s.findUser(n) != nil })
	if e != nil {
		return nil, e
	}
	u := &User{Name: name, ID: s.newID("AIDA"), ARN: s.userARN(path, name), Path: path, Created: s.now().UTC().Truncate(1e9)}
	s.st.users[name] = u
	return struct{ User xmlUser }{userXML(u)}, nil
}

func (s *Service) getUser(form url.Values) (any, *apiError) {
	if form.Get("UserName") == "" {
		name := s.callerUser()
		if name == "" {
			// The root user has no name or path; AWS returns the account id as its UserId.
			return struct{ User xmlUser }{xmlUser{UserID: s.accountID, Arn: s.rootARN(), CreateDate: isoTime(scenarioEpoch)}}, nil
		}
		form = url.Values{"UserName": {name}}
	}
	u, e := s.existingUser(form, "UserName")
	if e != nil {
		return nil, e
	}
	return struct{ User xmlUser }{userXML(u)}, nil
}

func (s *Service) deleteUser(form url.Values) (any, *apiError) {
	u, e := s.existingUser(form, "UserName")
	if e != nil {
		return nil, e
	}
	if u.LoginProfile != nil {
		return nil, deleteConflict("Cannot delete entity, must delete login profile first.")
	}
	if len(u.AccessKeys) > 0 {
		return nil, deleteConflict("Cannot delete entity, must delete access keys first.")
	}
	for _, d := range s.st.mfa {
		if d.UserName == u.Name {
			return nil, deleteConflict("Cannot delete entity, must delete MFA device first.")
		}
	}
	for _, g := range s.st.groups {
		if slices.Contains(g.Members, u.Name) {
			return nil, deleteConflict("Cannot delete entity, must remove user from group first.")
		}
	}
	delete(s.st.users, u.Name)
	return nil, nil
}

// --- login profiles ---

func loginProfileXML(u *User) struct{ LoginProfile xmlLoginProfile } {
	return struct{ LoginProfile xmlLoginProfile }{xmlLoginProfile{
		UserName: u.Name, CreateDate: isoTime(u.LoginProfile.Created), PasswordResetRequired: u.LoginProfile.PasswordResetRequired,
	}}
}

func (s *Service) createLoginProfile(form url.Values) (any, *apiError) {
	u, e := s.existingUser(form, "UserName")
	if e != nil {
		return nil, e
	}
	if u.LoginProfile != nil {
		return nil, alreadyExists("Login Profile for user %s already exists.", u.Name)
	}
	if e := checkPassword(form.Get("Password")); e != nil {
		return nil, e
	}
	u.LoginProfile = &LoginProfile{
		Created:               s.now().UTC().Truncate(1e9),
		PasswordResetRequired: strings.EqualFold(form.Get("PasswordResetRequired"), "true"),
	}
	return loginProfileXML(u), nil
}

func (s *Service) getLoginProfile(form url.Values) (any, *apiError) {
	u, e := s.existingUser(form, "UserName")
	if e != nil {
		return nil, e
	}
	if u.LoginProfile == nil {
		return nil, noSuchEntity("Login Profile for User %s cannot be found.", u.Name)
	}
	return loginProfileXML(u), nil
}

func (s *Service) deleteLoginProfile(form url.Values) (any, *apiError) {
	u, e := s.existingUser(form, "UserName")
	if e != nil {
		return nil, e
	}
	if u.LoginProfile == nil {
		return nil, noSuchEntity("Login Profile for User %s cannot be found.", u.Name)
	}
	u.LoginProfile = nil
	return nil, nil
}

// --- groups ---

func (s *Service) createGroup(form url.Values) (any, *apiError) {
	name, path, e := createParams(form, "Group", "GroupName", maxGroupName, func(n string) bool { return s.findGroup(n) != nil })
	if e != nil {
		return nil, e
	}
	g := &Group{Name: name, ID: s.newID("AGPA"), ARN: s.groupARN(path, name), Path: path, Created: s.now().UTC().Truncate(1e9)}
	s.st.groups[name] = g
	return struct{ Group xmlGroup }{groupXML(g)}, nil
}

func (s *Service) getGroup(form url.Values) (any, *apiError) {
	g, e := s.existingGroup(form)
	if e != nil {
		return nil, e
	}
	users := make([]xmlUser, 0, len(g.Members))
	for _, m := range g.Members {
		users = append(users, userXML(s.st.users[m]))
	}
	return struct {
		Group       xmlGroup
		Users       []xmlUser `xml:"Users>member"`
		IsTruncated bool
	}{Group: groupXML(g), Users: users}, nil
}

func (s *Service) deleteGroup(form url.Values) (any, *apiError) {
	g, e := s.existingGroup(form)
	if e != nil {
		return nil, e
	}
	if len(g.Members) > 0 {
		return nil, deleteConflict("Cannot delete entity, must remove users from group first.")
	}
	if len(g.AttachedPolicyARNs) > 0 {
		return nil, deleteConflict("Cannot delete entity, must detach all policies first.")
	}
	delete(s.st.groups, g.Name)
	return nil, nil
}

func policyARNParam(form url.Values) (string, *apiError) {
	arn := form.Get("PolicyArn")
	if arn == "" {
		return "", validationError("1 validation error detected: Value null at 'policyArn' failed to satisfy constraint: Member must not be null")
	}
	if !policyARNPattern().MatchString(arn) {
		return "", invalidInput("ARN %s is not valid.", arn)
	}
	return arn, nil
}

func (s *Service) attachGroupPolicy(form url.Values) (any, *apiError) {
	g, e := s.existingGroup(form)
	if e != nil {
		return nil, e
	}
	arn, e := policyARNParam(form)
	if e != nil {
		return nil, e
	}
	if !slices.Contains(managedPolicies, arn) {
		return nil, noSuchEntity("Policy %s does not exist or is not attachable.", arn)
	}
	if slices.Contains(g.AttachedPolicyARNs, arn) {
		return nil, nil // attaching twice is a no-op in AWS
	}
	if len(g.AttachedPolicyARNs) >= attachedPoliciesPerGroupQuota {
		return nil, limitExceeded("Cannot exceed quota for PoliciesPerGroup: %d", attachedPoliciesPerGroupQuota)
	}
	g.AttachedPolicyARNs = append(g.AttachedPolicyARNs, arn)
	return nil, nil
}

func (s *Service) detachGroupPolicy(form url.Values) (any, *apiError) {
	g, e := s.existingGroup(form)
	if e != nil {
		return nil, e
	}
	arn, e := policyARNParam(form)
	if e != nil {
		return nil, e
	}
	i := slices.Index(g.AttachedPolicyARNs, arn)
	if i < 0 {
		return nil, noSuchEntity("Policy %s was not found.", arn)
	}
	g.AttachedPolicyARNs = slices.Delete(g.AttachedPolicyARNs, i, i+1)
	return nil, nil
}

func (s *Service) listAttachedGroupPolicies(form url.Values) (any, *apiError) {
	g, e := s.existingGroup(form)
	if e != nil {
		return nil, e
	}
	policies := make([]xmlAttachedPolicy, 0, len(g.AttachedPolicyARNs))
	for _, arn := range g.AttachedPolicyARNs {
		policies = append(policies, xmlAttachedPolicy{PolicyName: arn[strings.LastIndex(arn, "/")+1:], PolicyArn: arn})
	}
	return struct {
		AttachedPolicies []xmlAttachedPolicy `xml:"AttachedPolicies>member"`
		IsTruncated      bool
	}{AttachedPolicies: policies}, nil
}

func (s *Service) addUserToGroup(form url.Values) (any, *apiError) {
	g, e := s.existingGroup(form)
	if e != nil {
		return nil, e
	}
	u, e := s.existingUser(form, "UserName")
	if e != nil {
		return nil, e
	}
	if slices.Contains(g.Members, u.Name) {
		return nil, nil // adding a member again is a no-op in AWS, not an error
	}
	if len(s.groupsOf(u.Name)) >= groupsPerUserQuota {
		return nil, limitExceeded("Cannot exceed quota for GroupsPerUser: %d", groupsPerUserQuota)
	}
	g.Members = append(g.Members, u.Name)
	return nil, nil
}

func (s *Service) removeUserFromGroup(form url.Values) (any, *apiError) {
	g, e := s.existingGroup(form)
	if e != nil {
		return nil, e
	}
	u, e := s.existingUser(form, "UserName")
	if e != nil {
		return nil, e
	}
	i := slices.Index(g.Members, u.Name)
	if i < 0 {
		return nil, noSuchEntity("The user with name %s cannot be found in group %s.", u.Name, g.Name)
	}
	g.Members = slices.Delete(g.Members, i, i+1)
	return nil, nil
}

func (s *Service) groupsOf(user string) []*Group {
	var out []*Group
	for _, k := range sortedKeys(s.st.groups) {
		if g := s.st.groups[k]; slices.Contains(g.Members, user) {
			out = append(out, g)
		}
	}
	return out
}

func (s *Service) listGroupsForUser(form url.Values) (any, *apiError) {
	u, e := s.existingUser(form, "UserName")
	if e != nil {
		return nil, e
	}
	groups := []xmlGroup{}
	for _, g := range s.groupsOf(u.Name) {
		groups = append(groups, groupXML(g))
	}
	return struct {
		Groups      []xmlGroup `xml:"Groups>member"`
		IsTruncated bool
	}{Groups: groups}, nil
}

// --- account summary ---

func (s *Service) getAccountSummary(url.Values) (any, *apiError) {
	inUse := 0
	for _, d := range s.st.mfa {
		if d.Enabled() {
			inUse++
		}
	}
	flag := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	summary := map[string]int{
		"AccountMFAEnabled":                 flag(s.st.root.MFASerial != ""),
		"AccountAccessKeysPresent":          flag(len(s.st.root.AccessKeys) > 0),
		"AccountSigningCertificatesPresent": 0,
		"Users":                             len(s.st.users),
		"Groups":                            len(s.st.groups),
		"MFADevices":                        len(s.st.mfa),
		"MFADevicesInUse":                   inUse,
		"Policies":                          0,
		"Roles":                             0,
		"InstanceProfiles":                  0,
		"Providers":                         0,
		"ServerCertificates":                0,
		"PolicyVersionsInUse":               0,
		"GlobalEndpointTokenVersion":        1,
		"UsersQuota":                        5000,
		"GroupsQuota":                       300,
		"RolesQuota":                        1000,
		"PoliciesQuota":                     1500,
		"InstanceProfilesQuota":             1000,
		"ServerCertificatesQuota":           20,
		"GroupsPerUserQuota":                groupsPerUserQuota,
		"AttachedPoliciesPerGroupQuota":     attachedPoliciesPerGroupQuota,
		"AttachedPoliciesPerUserQuota":      10,
		"AttachedPoliciesPerRoleQuota":      10,
		"AccessKeysPerUserQuota":            accessKeysPerUserQuota,
		"SigningCertificatesPerUserQuota":   2,
		"VersionsPerPolicyQuota":            5,
		"PolicySizeQuota":                   6144,
		"UserPolicySizeQuota":               2048,
		"GroupPolicySizeQuota":              5120,
		"RolePolicySizeQuota":               10240,
		"AssumeRolePolicySizeQuota":         2048,
		"PolicyVersionsInUseQuota":          10000,
	}
	entries := make([]xmlEntry, 0, len(summary))
	for _, k := range sortedKeys(summary) {
		entries = append(entries, xmlEntry{Key: k, Value: summary[k]})
	}
	return struct {
		SummaryMap []xmlEntry `xml:"SummaryMap>entry"`
	}{entries}, nil
}

// --- MFA ---

// ownerParam resolves the optional UserName of ListMFADevices/ListAccessKeys:
// absent means the caller, and "" comes back for root.
func (s *Service) ownerParam(form url.Values) (string, *apiError) {
	if form.Get("UserName") == "" {
		name := s.callerUser()
		if name == "" {
			return "", nil
		}
		u := s.findUser(name)
		if u == nil {
			return "", noSuchEntity("The user with name %s cannot be found.", name)
		}
		return u.Name, nil
	}
	u, e := s.existingUser(form, "UserName")
	if e != nil {
		return "", e
	}
	return u.Name, nil
}

func (s *Service) listMFADevices(form url.Values) (any, *apiError) {
	owner, e := s.ownerParam(form)
	if e != nil {
		return nil, e
	}
	devices := []xmlMFADevice{}
	for _, k := range sortedKeys(s.st.mfa) {
		d := s.st.mfa[k]
		if !d.Enabled() || (owner == "" && !d.ForRoot) || (owner != "" && d.UserName != owner) {
			continue
		}
		devices = append(devices, xmlMFADevice{UserName: d.UserName, SerialNumber: d.SerialNumber, EnableDate: isoTime(d.EnableDate)})
	}
	return struct {
		MFADevices  []xmlMFADevice `xml:"MFADevices>member"`
		IsTruncated bool
	}{MFADevices: devices}, nil
}

func (s *Service) createVirtualMFADevice(form url.Values) (any, *apiError) {
	name := form.Get("VirtualMFADeviceName")
	if e := checkName("VirtualMFADeviceName", name, maxDeviceName); e != nil {
		return nil, e
	}
	path, e := pathParam(form)
	if e != nil {
		return nil, e
	}
	serial := s.mfaSerial(path, name)
	if _, ok := s.st.mfa[serial]; ok {
		return nil, alreadyExists("MFADevice entity at the same path and name already exists.")
	}
	d := &VirtualMFADevice{SerialNumber: serial, Base32Seed: s.newSeed()}
	s.st.mfa[serial] = d
	// Both are blobs on the wire, so base64 of the base32 text and of the PNG bytes.
	return struct {
		VirtualMFADevice struct {
			SerialNumber     string
			Base32StringSeed string
			QRCodePNG        string
		}
	}{VirtualMFADevice: struct {
		SerialNumber     string
		Base32StringSeed string
		QRCodePNG        string
	}{serial, base64.StdEncoding.EncodeToString([]byte(d.Base32Seed)), base64.StdEncoding.EncodeToString(placeholderQRCodePNG())}}, nil
}

func serialParam(form url.Values) (string, *apiError) {
	serial := form.Get("SerialNumber")
	if serial == "" {
		return "", validationError("1 validation error detected: Value null at 'serialNumber' failed to satisfy constraint: Member must not be null")
	}
	if !serialPattern().MatchString(serial) {
		return "", validationError(`1 validation error detected: Value '%s' at 'serialNumber' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=/:,.@-]+`, serial)
	}
	return serial, nil
}

func (s *Service) enableMFADevice(form url.Values) (any, *apiError) {
	u, e := s.existingUser(form, "UserName")
	if e != nil {
		return nil, e
	}
	serial, e := serialParam(form)
	if e != nil {
		return nil, e
	}
	code1, code2 := form.Get("AuthenticationCode1"), form.Get("AuthenticationCode2")
	for _, c := range []struct{ param, v string }{{"authenticationCode1", code1}, {"authenticationCode2", code2}} {
		if !codePattern().MatchString(c.v) {
			return nil, validationError(`1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\d]+ and have length 6`, c.v, c.param)
		}
	}
	d, ok := s.st.mfa[serial]
	if !ok {
		return nil, noSuchEntity("MFA Device with serial number %s does not exist.", serial)
	}
	if d.Enabled() {
		return nil, alreadyExists("MFA Device is already in use.")
	}
	if !consecutiveCodesMatch(d.Base32Seed, s.now(), code1, code2) {
		return nil, errorf(http.StatusForbidden, "InvalidAuthenticationCode", "Authentication code for device is not valid.")
	}
	d.UserName = u.Name
	d.EnableDate = s.now().UTC().Truncate(1e9)
	return nil, nil
}

func (s *Service) deactivateMFADevice(form url.Values) (any, *apiError) {
	serial, e := serialParam(form)
	if e != nil {
		return nil, e
	}
	owner := ""
	if form.Get("UserName") != "" {
		u, e := s.existingUser(form, "UserName")
		if e != nil {
			return nil, e
		}
		owner = u.Name
	}
	d, ok := s.st.mfa[serial]
	if !ok || !d.Enabled() || (owner != "" && d.UserName != owner) {
		return nil, noSuchEntity("MFA Device with serial number %s does not exist.", serial)
	}
	if d.ForRoot {
		s.st.root.MFASerial = ""
	}
	d.UserName, d.ForRoot, d.EnableDate = "", false, time.Time{}
	return nil, nil
}

func (s *Service) deleteVirtualMFADevice(form url.Values) (any, *apiError) {
	serial, e := serialParam(form)
	if e != nil {
		return nil, e
	}
	d, ok := s.st.mfa[serial]
	if !ok {
		return nil, noSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", serial)
	}
	if d.Enabled() {
		return nil, deleteConflict("MFA Device is still in use.")
	}
	delete(s.st.mfa, serial)
	return nil, nil
}

// --- access keys ---

func (s *Service) listAccessKeys(form url.Values) (any, *apiError) {
	owner, e := s.ownerParam(form)
	if e != nil {
		return nil, e
	}
	keys := s.st.root.AccessKeys
	if owner != "" {
		keys = s.st.users[owner].AccessKeys
	}
	out := []xmlAccessKey{}
	for _, k := range keys {
		out = append(out, xmlAccessKey{UserName: owner, AccessKeyID: k.ID, Status: k.Status, CreateDate: isoTime(k.Created)})
	}
	return struct {
		AccessKeyMetadata []xmlAccessKey `xml:"AccessKeyMetadata>member"`
		IsTruncated       bool
	}{AccessKeyMetadata: out}, nil
}

// --- listing users, and when keys were last used (the account audit) ---

// Paging limits of IAM's List* calls: MaxItems defaults to 100 and may be 1 to 1000.
const (
	defaultMaxItems = 100
	maxMaxItems     = 1000
)

// maxItemsParam reads MaxItems with IAM's default and bounds.
func maxItemsParam(form url.Values) (int, *apiError) {
	v := form.Get("MaxItems")
	if v == "" {
		return defaultMaxItems, nil
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		return 0, validationError("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must be a number", v)
	case n < 1:
		return 0, validationError("1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1", n)
	case n > maxMaxItems:
		return 0, validationError("1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to %d", n, maxMaxItems)
	}
	return n, nil
}

// pageMarker is the opaque Marker of a truncated list: the name the next page starts at.
func pageMarker(name string) string { return base64.RawURLEncoding.EncodeToString([]byte(name)) }

// page cuts names (sorted) at the request's Marker and MaxItems and returns the page, and the
// Marker of the next one ("" on the last page).
func page(form url.Values, names []string) ([]string, string, *apiError) {
	limit, e := maxItemsParam(form)
	if e != nil {
		return nil, "", e
	}
	if m := form.Get("Marker"); m != "" {
		start, err := base64.RawURLEncoding.DecodeString(m)
		if err != nil || len(start) == 0 {
			return nil, "", validationError("Invalid Marker.")
		}
		i, _ := slices.BinarySearch(names, string(start))
		names = names[i:]
	}
	if len(names) <= limit {
		return names, "", nil
	}
	return names[:limit], pageMarker(names[limit]), nil
}

func (s *Service) listUsers(form url.Values) (any, *apiError) {
	prefix := form.Get("PathPrefix")
	if prefix == "" {
		prefix = "/"
	}
	if len(prefix) > maxPath || !strings.HasPrefix(prefix, "/") {
		return nil, validationError("The specified value for pathPrefix is invalid. It must begin with / and contain only printable ASCII characters.")
	}
	var names []string
	for _, k := range sortedKeys(s.st.users) {
		if strings.HasPrefix(s.st.users[k].Path, prefix) {
			names = append(names, k)
		}
	}
	names, marker, e := page(form, names)
	if e != nil {
		return nil, e
	}
	users := make([]xmlUser, 0, len(names))
	for _, n := range names {
		users = append(users, userXML(s.st.users[n]))
	}
	return struct {
		Users       []xmlUser `xml:"Users>member"`
		IsTruncated bool
		Marker      string `xml:"Marker,omitempty"`
	}{users, marker != "", marker}, nil
}

// xmlKeyLastUsed is AccessKeyLastUsed: a key never used has no date, and "N/A" for service and region.
type xmlKeyLastUsed struct {
	LastUsedDate string `xml:"LastUsedDate,omitempty"`
	ServiceName  string `xml:"ServiceName"`
	Region       string `xml:"Region"`
}

func (s *Service) getAccessKeyLastUsed(form url.Values) (any, *apiError) {
	id := form.Get("AccessKeyId")
	if id == "" {
		return nil, validationError("1 validation error detected: Value null at 'accessKeyId' failed to satisfy constraint: Member must not be null")
	}
	owner, key := s.findAccessKey(id)
	if key == nil {
		return nil, noSuchEntity("The Access Key with id %s cannot be found", id)
	}
	used := xmlKeyLastUsed{ServiceName: "N/A", Region: "N/A"}
	if !key.LastUsed.IsZero() {
		used = xmlKeyLastUsed{LastUsedDate: isoTime(key.LastUsed), ServiceName: key.LastUsedService, Region: key.LastUsedRegion}
	}
	return struct {
		UserName          string `xml:"UserName,omitempty"`
		AccessKeyLastUsed xmlKeyLastUsed
	}{owner, used}, nil
}

// findAccessKey returns the key with id and its user's name ("" for a key of root), or nil.
func (s *Service) findAccessKey(id string) (string, *AccessKey) {
	for i := range s.st.root.AccessKeys {
		if s.st.root.AccessKeys[i].ID == id {
			return "", &s.st.root.AccessKeys[i]
		}
	}
	for _, u := range s.st.users {
		for i := range u.AccessKeys {
			if u.AccessKeys[i].ID == id {
				return u.Name, &u.AccessKeys[i]
			}
		}
	}
	return "", nil
}

// --- STS ---

func (s *Service) getCallerIdentity(url.Values) (any, *apiError) {
	userID := s.accountID // root's UserId is the account id
	if name := s.callerUser(); name != "" {
		if u := s.findUser(name); u != nil {
			userID = u.ID
		}
	}
	return struct {
		Arn     string
		UserID  string `xml:"UserId"`
		Account string
	}{s.caller, userID, s.accountID}, nil
}
